// Tests auth/jwt_claims against the shared JWT vectors (jwts.json) and hand-made edge cases.
#include "auth/jwt_claims.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>

#include "tests/auth/fakes/shared_vectors.h"

namespace auth {
namespace {

class JwtClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveSharedVectors()) GTEST_SKIP() << testing::NoSharedVectorsMessage();
    auto text = testing::ReadSharedFile(testing::SharedVectorsDir() / "jwt" / "jwts.json");
    ASSERT_TRUE(text.has_value());
    json_ = simdjson::padded_string(*text);
    ASSERT_EQ(parser_.parse(json_).get(root_), simdjson::SUCCESS);
  }

  simdjson::padded_string json_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

std::optional<int64_t> OptionalSeconds(simdjson::dom::object claims, std::string_view key) {
  simdjson::dom::element v;
  if (claims[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  double d = 0;
  if (v.is_int64()) return int64_t(v.get_int64());
  if (v.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(std::floor(d));
  return std::nullopt;
}

TEST_F(JwtClaimsTest, EveryVectorYieldsTheClaimsItWasMadeWith) {
  int checked = 0;
  for (simdjson::dom::object vector : root_["vectors"].get_array()) {
    std::string_view name = vector["name"].get_string();
    std::string_view jwt = vector["jwt"].get_string();
    simdjson::dom::object claims = vector["claims"].get_object();
    SCOPED_TRACE(std::string(name));
    auto parsed = ParseJwtClaims(jwt);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    EXPECT_EQ(parsed->expires_at_unix_s, OptionalSeconds(claims, "exp"));
    EXPECT_EQ(parsed->issued_at_unix_s, OptionalSeconds(claims, "iat"));
    EXPECT_EQ(parsed->not_before_unix_s, OptionalSeconds(claims, "nbf"));
    std::string_view text;
    EXPECT_EQ(parsed->issuer, claims["iss"].get_string().get(text) ? "" : std::string(text));
    EXPECT_EQ(parsed->subject, claims["sub"].get_string().get(text) ? "" : std::string(text));
    std::vector<std::string> audiences;
    simdjson::dom::element aud;
    if (claims["aud"].get(aud) == simdjson::SUCCESS) {
      if (aud.is_string()) {
        audiences.emplace_back(aud.get_string().value());
      } else {
        for (simdjson::dom::element a : aud.get_array())
          audiences.emplace_back(a.get_string().value());
      }
    }
    EXPECT_EQ(parsed->audiences, audiences);
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST_F(JwtClaimsTest, EveryMalformedVectorIsRejectedWithoutCrashing) {
  int checked = 0;
  for (simdjson::dom::object vector : root_["malformed"].get_array()) {
    std::string_view name = vector["name"].get_string();
    std::string_view jwt = vector["jwt"].get_string();
    SCOPED_TRACE(std::string(name));
    auto parsed = ParseJwtClaims(jwt);
    // Strict policy for "padding-in-segment": RFC 7515 base64url has no padding.
    EXPECT_FALSE(parsed.has_value());
    if (!parsed.has_value()) {
      EXPECT_EQ(parsed.error().code(), base::StatusCode::kInvalidArgument);
      if (jwt.size() > 8) {
        EXPECT_EQ(parsed.error().message().find(jwt), std::string_view::npos);
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

TEST(JwtClaimsEdgeTest, FiveSegmentsAreAnOpaqueEncryptedTokenWithNoClaims) {
  auto parsed = ParseJwtClaims("a.b.c.d.e");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->expires_at_unix_s.has_value());
}

TEST(JwtClaimsEdgeTest, ExpOfTheWrongTypeIsRejected) {
  // {"alg":"none"} . {"exp":"soon"}
  auto parsed = ParseJwtClaims("eyJhbGciOiJub25lIn0.eyJleHAiOiJzb29uIn0.");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("\"exp\""), std::string_view::npos);
}

TEST(JwtClaimsEdgeTest, DescribeNamesTheIdentityButNotTheToken) {
  JwtClaims c;
  c.issuer = "https://issuer";
  c.subject = "shipper";
  c.audiences = {"a", "b"};
  c.expires_at_unix_s = 5;
  EXPECT_EQ(c.Describe(), "iss https://issuer, sub shipper, aud a b, exp 5");
}

}  // namespace
}  // namespace auth
