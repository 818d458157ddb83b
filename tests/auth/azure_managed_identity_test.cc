// Tests auth/azure_managed_identity: the IMDS flow against a fake IMDS, and AKS workload
// identity (federated token file) against a fake Azure AD token endpoint.
#include "auth/azure_managed_identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/auth/fakes/cloud_endpoints.h"
#include "tests/auth/fakes/loop_fixture.h"

namespace auth {
namespace {

class AzureManagedIdentityTest : public testing::LoopFixture {
 protected:
  void Release() override {
    source_.reset();
    imds_.reset();
    aad_.reset();
  }

  std::unique_ptr<TokenSource> source_;
  std::unique_ptr<testing::FakeAzureImds> imds_;
  std::unique_ptr<testing::FakeOAuthServer> aad_;
};

TEST_F(AzureManagedIdentityTest, ImdsTokenForTheResourceWithStringNumbers) {
  imds_ = std::make_unique<testing::FakeAzureImds>(&loop_);
  AzureManagedIdentityOptions o;
  o.resource = "api://elasticsearch";
  o.client_id = "11111111-2222-3333-4444-555555555555";
  o.metadata_url = imds_->url();
  source_ = MakeAzureManagedIdentitySource(&loop_, clock_, testing::MapEnvironment({}), o);
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->secret, imds_->last_token());
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_GT(*token->expires_at - WallNow(clock_), std::chrono::minutes(59));
  const auto& request = imds_->server().requests().back();
  EXPECT_EQ(*transport::FindHeader(request.headers, "Metadata"), "true");
  EXPECT_EQ(request.target,
            "/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
            "api%3A%2F%2Felasticsearch&client_id=11111111-2222-3333-4444-555555555555");
}

TEST_F(AzureManagedIdentityTest, ImdsErrorsAreReportedWithTheirDescription) {
  imds_ = std::make_unique<testing::FakeAzureImds>(&loop_);
  AzureManagedIdentityOptions o;
  o.resource = "";
  o.metadata_url = imds_->url();
  source_ = MakeAzureManagedIdentitySource(&loop_, clock_, testing::MapEnvironment({}), o);
  auto token = FetchOnce(*source_);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(token.error().message().find("invalid_request"), std::string_view::npos);
}

TEST_F(AzureManagedIdentityTest, WorkloadIdentityExchangesTheFederatedTokenFile) {
  const std::string assertion = testing::UnsignedJwt("{\"aud\":\"api://AzureADTokenExchange\"}");
  aad_ = std::make_unique<testing::FakeOAuthServer>(&loop_, "/tenant-1/oauth2/v2.0/token",
                                                    "client-1", "", assertion);
  std::string file =
      (std::filesystem::temp_directory_path() / ("skiff-azure-token-" + std::to_string(::getpid())))
          .string();
  std::ofstream(file) << assertion;
  AzureManagedIdentityOptions o;
  o.resource = "api://elasticsearch/";
  source_ = MakeAzureManagedIdentitySource(
      &loop_, clock_,
      testing::MapEnvironment({{"AZURE_FEDERATED_TOKEN_FILE", file},
                               {"AZURE_CLIENT_ID", "client-1"},
                               {"AZURE_TENANT_ID", "tenant-1"},
                               {"AZURE_AUTHORITY_HOST", aad_->url() + "/"}}),
      o);
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->secret, aad_->last_token());
  EXPECT_EQ(aad_->last_form().at("scope"), "api://elasticsearch/.default");
  EXPECT_EQ(aad_->last_form().at("client_id"), "client-1");
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace auth
