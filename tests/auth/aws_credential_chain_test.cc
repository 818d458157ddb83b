// Tests auth/aws_credential_chain against fakes of IMDSv2, the ECS container endpoint and
// STS, and the whole aws_sigv4 provider on top of them.
#include "auth/aws_credential_chain.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/aws_sigv4_credentials.h"
#include "tests/auth/fakes/cloud_endpoints.h"
#include "tests/auth/fakes/loop_fixture.h"
#include "transport/base64.h"

namespace auth {
namespace {

using testing::MapEnvironment;

constexpr std::string_view kKeyId = "ASIAFAKEKEYID0000001";
constexpr std::string_view kSecret = "fake/secret+access+key-do-not-log";
constexpr std::string_view kSession = "FwoGZXIvYXdzFAKEsessionTOKENdonotlog==";

class AwsCredentialChainTest : public testing::LoopFixture {
 protected:
  void SetUp() override {
    LoopFixture::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("skiff-aws-chain-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void Release() override {
    source_.reset();
    imds_.reset();
    ecs_.reset();
    sts_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string WriteFile(std::string_view name, std::string_view text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  void Make(std::map<std::string, std::string> env, AwsChainOptions options = {}) {
    source_ = MakeAwsCredentialSource(&loop_, clock_, MapEnvironment(std::move(env)), options);
  }

  void ExpectFakeKeys(const base::Result<Token>& token) {
    ASSERT_TRUE(token.has_value()) << token.error().ToString();
    EXPECT_EQ(token->access_key_id, kKeyId);
    EXPECT_EQ(token->secret, kSecret);
    EXPECT_EQ(token->session_token, kSession);
    ASSERT_TRUE(token->expires_at.has_value());
    auto left = *token->expires_at - WallNow(clock_);
    EXPECT_GT(left, std::chrono::minutes(59));
    EXPECT_LE(left, std::chrono::minutes(61));
  }

  std::filesystem::path dir_;
  std::unique_ptr<TokenSource> source_;
  std::unique_ptr<testing::FakeAwsImds> imds_;
  std::unique_ptr<testing::FakeEcsCredentials> ecs_;
  std::unique_ptr<testing::FakeSts> sts_;
};

TEST_F(AwsCredentialChainTest, EnvironmentKeysComeFirst) {
  Make({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
        {"AWS_SECRET_ACCESS_KEY", "env-secret"},
        {"AWS_SESSION_TOKEN", "env-session"},
        {"AWS_ROLE_ARN", "arn:aws:iam::1:role/x"},
        {"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent"}});
  EXPECT_EQ(source_->Describe(), "aws environment");
  auto token = FetchOnce(*source_);
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->access_key_id, "AKIDENV");
  EXPECT_EQ(token->session_token, "env-session");
  EXPECT_FALSE(token->expires_at.has_value());
}

TEST_F(AwsCredentialChainTest, InstanceMetadataUsesTheImdsV2TokenFlow) {
  imds_ = std::make_unique<testing::FakeAwsImds>(&loop_, "shipper-role", std::string(kKeyId),
                                                 std::string(kSecret), std::string(kSession));
  Make({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_->url()}});
  auto token = FetchOnce(*source_);
  ExpectFakeKeys(token);
  EXPECT_NE(token->identity.find("shipper-role"), std::string::npos);
  const auto& requests = imds_->server().requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(*transport::FindHeader(requests[0].headers, "X-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_EQ(*transport::FindHeader(requests[2].headers, "X-aws-ec2-metadata-token"),
            "imds-session-1");
}

TEST_F(AwsCredentialChainTest, InstanceMetadataDownIsUnavailable) {
  imds_ = std::make_unique<testing::FakeAwsImds>(&loop_, "r", "k", "s", "t");
  imds_->set_down(true);
  Make({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_->url()}});
  auto token = FetchOnce(*source_);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), base::StatusCode::kUnavailable);
}

TEST_F(AwsCredentialChainTest, ContainerCredentialsSendTheRotatingAuthorizationFile) {
  ecs_ = std::make_unique<testing::FakeEcsCredentials>(&loop_, "/v1/credentials", "pod-token-1",
                                                       std::string(kKeyId), std::string(kSecret),
                                                       std::string(kSession));
  std::string file = WriteFile("eks-pod-identity-token", "pod-token-1\n");
  Make({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs_->url() + "/v1/credentials"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file}});
  ExpectFakeKeys(FetchOnce(*source_));
  WriteFile("eks-pod-identity-token", "stale-token");
  auto refused = FetchOnce(*source_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.error().ToString().find("stale-token"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, FullUriOverPlainHttpToARemoteHostIsRefused) {
  Make({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://attacker.example/creds"},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1"}});
  EXPECT_NE(source_->Describe().find("instance metadata"), std::string_view::npos);
}

TEST_F(AwsCredentialChainTest, WebIdentityExchangesTheProjectedTokenWithSts) {
  const std::string jwt =
      testing::UnsignedJwt("{\"sub\":\"system:serviceaccount:logging:shipper\"}");
  sts_ = std::make_unique<testing::FakeSts>(&loop_, jwt, "arn:aws:iam::123456789012:role/shipper",
                                            std::string(kKeyId), std::string(kSecret),
                                            std::string(kSession));
  std::string file = WriteFile("token", jwt);
  Make({{"AWS_WEB_IDENTITY_TOKEN_FILE", file},
        {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/shipper"},
        {"AWS_ROLE_SESSION_NAME", "skiff-test"},
        {"AWS_ENDPOINT_URL_STS", sts_->url()}});
  auto token = FetchOnce(*source_);
  ExpectFakeKeys(token);
  EXPECT_NE(token->identity.find("assumed-role/shipper/skiff-test"), std::string::npos);

  // A token STS does not accept: a permanent refusal, reported without the token.
  WriteFile("token", "not.the-right.token");
  auto refused = FetchOnce(*source_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_NE(refused.error().message().find("InvalidIdentityToken"), std::string_view::npos);
  EXPECT_EQ(refused.error().ToString().find("the-right"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, SigV4ProviderSignsWithKeysFromTheChain) {
  imds_ = std::make_unique<testing::FakeAwsImds>(&loop_, "shipper-role", std::string(kKeyId),
                                                 std::string(kSecret), std::string(kSession));
  Make({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_->url()}});
  auto cache = std::make_unique<TokenCache>(std::move(source_), clock_,
                                            std::make_unique<UvRefreshTimer>(&loop_),
                                            transport::Backoff::DefaultRandom());
  AwsSigV4Credentials credentials(std::move(cache), SigV4Signer("eu-west-1", "aoss"), clock_);
  std::optional<base::Result<std::vector<transport::HttpHeader>>> got;
  credentials.GetHeaders(
      {"POST", "http://127.0.0.1:9200", "/_bulk", transport::AsBytes("{}\n")},
      [&](base::Result<std::vector<transport::HttpHeader>> h) { got = std::move(h); });
  ASSERT_TRUE(RunUntil([&] { return got.has_value(); }));
  ASSERT_TRUE(got->has_value()) << got->error().ToString();
  auto auth_header = transport::FindHeader(**got, "Authorization");
  ASSERT_TRUE(auth_header.has_value());
  EXPECT_TRUE(auth_header->starts_with("AWS4-HMAC-SHA256 Credential=ASIAFAKEKEYID0000001/"));
  EXPECT_NE(auth_header->find("/eu-west-1/aoss/aws4_request"), std::string_view::npos);
  EXPECT_EQ(*transport::FindHeader(**got, "X-Amz-Security-Token"), kSession);
  EXPECT_TRUE(credentials.HasValidToken());
}

}  // namespace
}  // namespace auth
