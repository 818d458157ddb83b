// Tests auth/token_file_source and its use through TokenCache and BearerCredentials: JWT
// expiry, re-reading a rotated file, and errors that never quote the token.
#include "auth/token_file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/bearer_credentials.h"
#include "tests/auth/fakes/manual_time.h"

namespace auth {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// The "k8s-projected-sa-like" vector of the shared JWT set: iat 1767225600, exp +3600 s.
constexpr std::string_view kK8sToken =
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
    "eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjIl0sImV4cCI6MTc2NzIyOTIwMCwiaWF0IjoxNzY3Mj"
    "I1NjAwLCJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMiLCJuYmYiOjE3NjcyMjU2MDAsInN1YiI6InN5"
    "c3RlbTpzZXJ2aWNlYWNjb3VudDpsb2dnaW5nOnNoaXBwZXIiLCJrdWJlcm5ldGVzLmlvIjp7Im5hbWVzcGFjZSI6ImxvZ2"
    "dpbmciLCJzZXJ2aWNlYWNjb3VudCI6eyJuYW1lIjoic2hpcHBlciIsInVpZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAw"
    "LTAwMDAwMDAwMDAwMSJ9fX0.";

class TokenFileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("skiff-token-file-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "token").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Replaces the file atomically, as the kubelet does.
  void WriteToken(std::string_view text) {
    std::string tmp = path_ + ".tmp";
    std::ofstream(tmp, std::ios::binary) << text;
    std::filesystem::rename(tmp, path_);
  }

  std::unique_ptr<BearerCredentials> MakeCredentials() {
    TokenCacheOptions options;
    options.max_refresh_interval = minutes(1);
    auto cache = std::make_unique<TokenCache>(
        std::make_unique<TokenFileSource>(path_, time_), time_, time_.MakeTimer(),
        [] { return 0.0; }, options);
    return std::make_unique<BearerCredentials>(std::move(cache), "token_file",
                                               "token_file " + path_);
  }

  static base::Result<std::string> AuthorizationOf(transport::Credentials& c) {
    std::optional<base::Result<std::vector<transport::HttpHeader>>> got;
    c.GetHeaders({"POST", "http://es:9200", "/_bulk", {}},
                 [&](base::Result<std::vector<transport::HttpHeader>> h) { got = std::move(h); });
    if (!got.has_value()) return base::Internal("no answer");
    if (!got->has_value()) return got->error();
    return (*got)->at(0).value;
  }

  testing::ManualTime time_;
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TokenFileSourceTest, JwtExpiryComesFromItsExpClaim) {
  WriteToken(std::string(kK8sToken) + "\n");
  TokenFileSource source(path_, time_);
  auto token = source.Read();
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->secret, kK8sToken) << "the trailing newline is not part of the token";
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*token->expires_at), 1767229200);
  EXPECT_NE(token->identity.find("sub system:serviceaccount:logging:shipper"), std::string::npos);
}

TEST_F(TokenFileSourceTest, OpaqueTokenHasNoExpiry) {
  WriteToken("opaque-token-value");
  auto token = TokenFileSource(path_, time_).Read();
  ASSERT_TRUE(token.has_value());
  EXPECT_FALSE(token->expires_at.has_value());
  EXPECT_EQ(token->identity, "opaque token");
}

TEST_F(TokenFileSourceTest, MissingEmptyAndMalformedFilesAreErrorsThatNeverQuoteTheToken) {
  EXPECT_EQ(TokenFileSource(path_, time_).Read().error().code(), base::StatusCode::kNotFound);
  WriteToken("\n");
  EXPECT_EQ(TokenFileSource(path_, time_).Read().error().code(), base::StatusCode::kUnavailable);
  const std::string secret = "sekrit-part.not+base64.sig";
  WriteToken(secret);
  auto bad = TokenFileSource(path_, time_).Read();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().ToString().find("sekrit"), std::string::npos) << bad.error().ToString();
  WriteToken("two words");
  auto spaced = TokenFileSource(path_, time_).Read();
  ASSERT_FALSE(spaced.has_value());
  EXPECT_EQ(spaced.error().ToString().find("words"), std::string::npos);
}

TEST_F(TokenFileSourceTest, CredentialsSendTheTokenAsBearer) {
  WriteToken(kK8sToken);
  auto credentials = MakeCredentials();
  auto header = AuthorizationOf(*credentials);
  ASSERT_TRUE(header.has_value()) << header.error().ToString();
  EXPECT_EQ(*header, "Bearer " + std::string(kK8sToken));
  EXPECT_TRUE(credentials->HasValidToken());
}

TEST_F(TokenFileSourceTest, RotatedFileIsPickedUpWithinTheReReadInterval) {
  WriteToken("first-token");
  auto credentials = MakeCredentials();
  ASSERT_EQ(*AuthorizationOf(*credentials), "Bearer first-token");
  WriteToken("second-token");
  time_.Advance(seconds(59));
  EXPECT_EQ(*AuthorizationOf(*credentials), "Bearer first-token");
  time_.Advance(seconds(1));
  EXPECT_EQ(*AuthorizationOf(*credentials), "Bearer second-token");
}

TEST_F(TokenFileSourceTest, RefreshOnUnauthorizedReReadsAtOnce) {
  WriteToken("first-token");
  auto credentials = MakeCredentials();
  ASSERT_EQ(*AuthorizationOf(*credentials), "Bearer first-token");
  WriteToken("second-token");
  std::optional<base::Status> refreshed;
  credentials->Refresh([&](base::Status s) { refreshed = std::move(s); });
  ASSERT_TRUE(refreshed.has_value());
  EXPECT_TRUE(refreshed->ok());
  EXPECT_EQ(*AuthorizationOf(*credentials), "Bearer second-token");
}

TEST_F(TokenFileSourceTest, ExpiredTokenPausesUntilTheFileIsRenewed) {
  // The k8s vector expires one hour after ManualTime's start.
  WriteToken(kK8sToken);
  auto credentials = MakeCredentials();
  ASSERT_TRUE(AuthorizationOf(*credentials).has_value());
  time_.Advance(hours(1));  // nobody rotated the file
  auto paused = AuthorizationOf(*credentials);
  ASSERT_FALSE(paused.has_value());
  EXPECT_EQ(paused.error().code(), base::StatusCode::kUnavailable);
  EXPECT_FALSE(credentials->HasValidToken());
  // /readyz says why, without the token.
  base::Status readiness = credentials->Readiness();
  EXPECT_EQ(readiness.code(), base::StatusCode::kUnavailable);
  EXPECT_NE(readiness.message().find("no valid credential"), std::string::npos);
  EXPECT_EQ(readiness.message().find(kK8sToken.substr(0, 20)), std::string::npos);
  WriteToken("renewed-token");
  time_.Advance(minutes(1));
  EXPECT_EQ(*AuthorizationOf(*credentials), "Bearer renewed-token");
  EXPECT_TRUE(credentials->HasValidToken());
  EXPECT_TRUE(credentials->Readiness().ok());
}

}  // namespace
}  // namespace auth
