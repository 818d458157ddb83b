// Tests auth/oidc_client_credentials_source against a fake RFC 6749 token endpoint: secret
// and federated-assertion client authentication, error shapes and missing expires_in.
#include "auth/oidc_client_credentials_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/auth/fakes/cloud_endpoints.h"
#include "tests/auth/fakes/loop_fixture.h"

namespace auth {
namespace {

constexpr std::string_view kSecret = "s3cr3t:with&odd=chars";

class OidcClientCredentialsSourceTest : public testing::LoopFixture {
 protected:
  void SetUp() override {
    LoopFixture::SetUp();
    server_ = std::make_unique<testing::FakeOAuthServer>(&loop_, "/oauth2/token", "shipper",
                                                         std::string(kSecret), "federated.jwt.x");
  }
  void Release() override {
    source_.reset();
    server_.reset();
  }

  OidcClientCredentialsOptions Options() {
    OidcClientCredentialsOptions o;
    o.token_url = server_->url() + "/oauth2/token";
    o.client_id = "shipper";
    o.scope = "es.write";
    o.audience = "https://es.example.test";
    return o;
  }

  std::unique_ptr<testing::FakeOAuthServer> server_;
  std::unique_ptr<OidcClientCredentialsSource> source_;
};

TEST_F(OidcClientCredentialsSourceTest, ClientSecretGetsATokenWithItsLifetime) {
  auto o = Options();
  o.client_secret = std::string(kSecret);
  source_ = std::make_unique<OidcClientCredentialsSource>(&loop_, clock_, o);
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->secret, server_->last_token());
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_GT(*token->expires_at - WallNow(clock_), std::chrono::minutes(59));
  EXPECT_EQ(server_->last_form().at("scope"), "es.write");
  EXPECT_EQ(server_->last_form().at("audience"), "https://es.example.test");
  EXPECT_EQ(server_->last_form().count("client_secret"), 0u) << "sent in the Basic header";
}

TEST_F(OidcClientCredentialsSourceTest, WrongSecretIsUnauthenticatedAndNotQuoted) {
  auto o = Options();
  o.client_secret = "wrong-secret-value";
  source_ = std::make_unique<OidcClientCredentialsSource>(&loop_, clock_, o);
  auto token = FetchOnce(*source_);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), base::StatusCode::kUnauthenticated);
  EXPECT_NE(token.error().message().find("invalid_client"), std::string_view::npos);
  EXPECT_EQ(token.error().ToString().find("wrong-secret"), std::string::npos);
}

TEST_F(OidcClientCredentialsSourceTest, FederatedAssertionIsReadFromItsFileOnEveryFetch) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("skiff-oidc-assertion-" + std::to_string(::getpid())))
                         .string();
  std::ofstream(path) << "federated.jwt.x\n";
  auto o = Options();
  o.client_assertion_file = path;
  source_ = std::make_unique<OidcClientCredentialsSource>(&loop_, clock_, o);
  ASSERT_TRUE(FetchOnce(*source_).has_value());
  EXPECT_EQ(server_->last_form().at("client_assertion_type"),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  std::ofstream(path) << "rotated.but.unknown";
  auto refused = FetchOnce(*source_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kUnauthenticated);
  std::filesystem::remove(path);
}

TEST_F(OidcClientCredentialsSourceTest, MissingExpiresInFallsBackToTheJwtExp) {
  server_->set_omit_expires_in(true);
  auto o = Options();
  o.client_secret = std::string(kSecret);
  source_ = std::make_unique<OidcClientCredentialsSource>(&loop_, clock_, o);
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value());
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_GT(*token->expires_at - WallNow(clock_), std::chrono::minutes(59));
}

TEST_F(OidcClientCredentialsSourceTest, UnreachableEndpointIsUnavailable) {
  auto o = Options();
  o.token_url = "http://127.0.0.1:1/token";
  o.client_secret = "x";
  source_ = std::make_unique<OidcClientCredentialsSource>(&loop_, clock_, o);
  auto token = FetchOnce(*source_);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), base::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace auth
