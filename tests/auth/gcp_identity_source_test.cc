// Tests auth/gcp_identity_source against a fake GCE metadata server, and the bearer
// provider refreshing through it.
#include "auth/gcp_identity_source.h"

#include <gtest/gtest.h>

#include "auth/bearer_credentials.h"
#include "tests/auth/fakes/cloud_endpoints.h"
#include "tests/auth/fakes/loop_fixture.h"

namespace auth {
namespace {

class GcpIdentitySourceTest : public testing::LoopFixture {
 protected:
  void SetUp() override {
    LoopFixture::SetUp();
    metadata_ = std::make_unique<testing::FakeGcpMetadata>(&loop_);
  }
  void Release() override {
    credentials_.reset();
    source_.reset();
    metadata_.reset();
  }

  std::unique_ptr<GcpIdentitySource> Make(std::string audience) {
    GcpIdentityOptions options;
    options.audience = std::move(audience);
    return std::make_unique<GcpIdentitySource>(
        &loop_, clock_,
        testing::MapEnvironment({{"GCE_METADATA_HOST", metadata_->url().substr(7)}}), options);
  }

  std::unique_ptr<testing::FakeGcpMetadata> metadata_;
  std::unique_ptr<GcpIdentitySource> source_;
  std::unique_ptr<BearerCredentials> credentials_;
};

TEST_F(GcpIdentitySourceTest, FetchesAFullFormatIdentityTokenForTheAudience) {
  source_ = Make("https://es.example.test");
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->secret, metadata_->last_token());
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_GT(*token->expires_at - WallNow(clock_), std::chrono::minutes(59));
  EXPECT_NE(token->identity.find("aud https://es.example.test"), std::string::npos);
  const auto& request = metadata_->server().requests().back();
  EXPECT_EQ(*transport::FindHeader(request.headers, "Metadata-Flavor"), "Google");
  EXPECT_EQ(request.target,
            "/computeMetadata/v1/instance/service-accounts/default/identity?audience="
            "https%3A%2F%2Fes.example.test&format=full");
}

TEST_F(GcpIdentitySourceTest, AnAnswerWithoutMetadataFlavorIsRefused) {
  metadata_->server().set_handler([](const transport::testing::ReceivedRequest&) {
    return transport::testing::Reply{transport::testing::HttpResponseText(200, "a.b.c")};
  });
  source_ = Make("aud");
  auto token = FetchOnce(*source_);
  ASSERT_FALSE(token.has_value());
  EXPECT_NE(token.error().message().find("Metadata-Flavor"), std::string_view::npos);
}

TEST_F(GcpIdentitySourceTest, ServerDownIsUnavailableAndForcedRefreshGetsANewToken) {
  auto cache =
      std::make_unique<TokenCache>(Make("aud"), clock_, std::make_unique<UvRefreshTimer>(&loop_),
                                   transport::Backoff::DefaultRandom());
  credentials_ =
      std::make_unique<BearerCredentials>(std::move(cache), "gcp_identity", "gcp_identity aud");
  std::optional<base::Result<std::vector<transport::HttpHeader>>> got;
  auto get = [&] {
    got.reset();
    credentials_->GetHeaders(
        {"POST", "http://es:9200", "/_bulk", {}},
        [&](base::Result<std::vector<transport::HttpHeader>> h) { got = std::move(h); });
    return RunUntil([&] { return got.has_value(); });
  };
  ASSERT_TRUE(get());
  ASSERT_TRUE(got->has_value());
  std::string first((*got)->at(0).value);
  EXPECT_EQ(first, "Bearer " + metadata_->last_token());

  metadata_->set_down(true);
  std::optional<base::Status> refreshed;
  credentials_->Refresh([&](base::Status s) { refreshed = std::move(s); });
  ASSERT_TRUE(RunUntil([&] { return refreshed.has_value(); }));
  EXPECT_EQ(refreshed->code(), base::StatusCode::kUnavailable);
  ASSERT_TRUE(get());
  EXPECT_EQ((*got)->at(0).value, first) << "the valid token stays in use while the server is down";

  metadata_->set_down(false);
  refreshed.reset();
  credentials_->Refresh([&](base::Status s) { refreshed = std::move(s); });
  ASSERT_TRUE(RunUntil([&] { return refreshed.has_value(); }));
  EXPECT_TRUE(refreshed->ok());
  ASSERT_TRUE(get());
  EXPECT_NE((*got)->at(0).value, first);
  EXPECT_EQ(metadata_->tokens_issued(), 2);
}

}  // namespace
}  // namespace auth
