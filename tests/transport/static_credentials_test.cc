// Tests auth/static_credentials (kept beside the transport tests: auth/ has no test folder
// of its own yet).
#include "auth/static_credentials.h"

#include <gtest/gtest.h>

#include <optional>

namespace auth {
namespace {

class StaticCredentialsTest : public ::testing::Test {
 protected:
  static std::string AuthorizationOf(transport::Credentials& c) {
    std::optional<std::string> value;
    c.GetHeaders(transport::CredentialRequest{"POST", "http://es:9200", "/_bulk", {}},
                 [&](base::Result<std::vector<transport::HttpHeader>> headers) {
                   ASSERT_TRUE(headers.has_value());
                   ASSERT_EQ(headers->size(), 1u);
                   EXPECT_EQ((*headers)[0].name, "Authorization");
                   value = (*headers)[0].value;
                 });
    return value.value_or("<no callback>");
  }
};

// Values from the shared auth-misc vectors (documented example credentials).
TEST_F(StaticCredentialsTest, BasicEncodesUserColonPassword) {
  auto c = StaticCredentials::Basic("shipper", "p@ss:w0rd");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(AuthorizationOf(**c), "Basic c2hpcHBlcjpwQHNzOncwcmQ=");
  EXPECT_EQ((*c)->Describe(), "basic user shipper");
}

TEST_F(StaticCredentialsTest, ApiKeyIsSentAsGivenWhenAlreadyEncoded) {
  auto c =
      StaticCredentials::ApiKey("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(AuthorizationOf(**c),
            "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
}

TEST_F(StaticCredentialsTest, ApiKeyGivenAsIdColonKeyIsBase64Encoded) {
  auto c = StaticCredentials::ApiKey("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(AuthorizationOf(**c),
            "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  EXPECT_EQ((*c)->Describe(), "api_key id VuaCfGcBCdbkQm-e5aOx");
}

TEST_F(StaticCredentialsTest, RefreshSucceedsAtOnceAndIsCounted) {
  auto c = StaticCredentials::Basic("u", "p");
  ASSERT_TRUE(c.has_value());
  bool done = false;
  (*c)->Refresh([&](base::Status s) {
    EXPECT_TRUE(s.ok());
    done = true;
  });
  EXPECT_TRUE(done);
  EXPECT_EQ((*c)->refreshes(), 1);
}

TEST_F(StaticCredentialsTest, RejectsBadInputWithoutEchoingTheSecret) {
  auto colon_user = StaticCredentials::Basic("a:b", "secret-value");
  ASSERT_FALSE(colon_user.has_value());
  EXPECT_EQ(colon_user.error().message().find("secret-value"), std::string_view::npos);
  auto newline = StaticCredentials::Basic("u", "secret-value\n");
  ASSERT_FALSE(newline.has_value());
  EXPECT_EQ(newline.error().message().find("secret-value"), std::string_view::npos);
  EXPECT_FALSE(StaticCredentials::ApiKey("").has_value());
  EXPECT_FALSE(StaticCredentials::ApiKey("has space").has_value());
}

TEST_F(StaticCredentialsTest, DescribeNeverContainsTheSecret) {
  auto c = StaticCredentials::ApiKey("id1:topsecret");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->Describe().find("topsecret"), std::string_view::npos);
}

}  // namespace
}  // namespace auth
