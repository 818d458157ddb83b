// Runs the skiff binary with every [auth] type against the fake identity endpoints and a
// fake Elasticsearch that checks the credential it receives (the bearer token the fake
// issued; a SigV4 signature recomputed with the test secret). Then greps everything skiff
// wrote (stdout, stderr, its data_dir) for every secret value: none may appear.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include "auth/sigv4_signer.h"
#include "tests/auth/fakes/cloud_endpoints.h"
#include "tests/auth/fakes/loop_fixture.h"
#include "transport/base64.h"

extern char** environ;

namespace auth {
namespace {

namespace fs = std::filesystem;
using transport::testing::HttpResponseText;
using transport::testing::ReceivedRequest;
using transport::testing::Reply;

// Secret values of the fakes; the grep looks for each.
constexpr std::string_view kAwsKeyId = "ASIAE2EKEYID00000001";
constexpr std::string_view kAwsSecret = "e2e/aws+secret-key-never-logged";
constexpr std::string_view kAwsSession = "e2eSessionTokenNeverLogged==";
constexpr std::string_view kClientSecret = "e2e-client-secret-never-logged";
constexpr std::string_view kPassword = "e2e-password-never-logged";
constexpr std::string_view kApiKey = "ZTJlLWlkOmUyZS1hcGkta2V5LW5ldmVyLWxvZ2dlZA==";
constexpr std::string_view kFileToken = "e2e-file-token-never-logged";

// A fake Elasticsearch: GET / info, POST /_bulk answering every item 201, and a check of
// each request's credential by `verify` (false: 401 as Elasticsearch answers it).
class FakeElasticsearch {
 public:
  using Verify = std::function<bool(const ReceivedRequest&)>;

  FakeElasticsearch(uv_loop_t* loop, Verify verify)
      : verify_(std::move(verify)),
        server_(loop, [this](const ReceivedRequest& r) { return Handle(r); }) {}

  std::string url() const { return server_.url(); }
  int bulk_accepted() const { return bulk_accepted_; }
  int rejected() const { return rejected_; }

 private:
  Reply Handle(const ReceivedRequest& r) {
    if (!verify_(r)) {
      ++rejected_;
      return Reply{HttpResponseText(
          401,
          "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"unable to "
          "authenticate\"}],\"type\":\"security_exception\",\"reason\":\"unable to "
          "authenticate\"},\"status\":401}",
          {{"Content-Type", "application/json"},
           {"WWW-Authenticate", "Bearer realm=\"security\""}})};
    }
    if (r.method == "GET") {
      return Reply{HttpResponseText(
          200,
          "{\"name\":\"fake\",\"version\":{\"number\":\"8.11.0\"},\"tagline\":\"You Know, for "
          "Search\"}",
          {{"Content-Type", "application/json"}, {"X-elastic-product", "Elasticsearch"}})};
    }
    int docs = 0;
    for (char c : r.body) docs += c == '\n' ? 1 : 0;
    docs /= 2;
    std::string items;
    for (int i = 0; i < docs; ++i) {
      items += std::string(i ? "," : "") +
               "{\"create\":{\"_index\":\"logs-e2e-default\",\"_id\":\"" + std::to_string(i) +
               "\",\"_version\":1,\"result\":\"created\",\"status\":201}}";
    }
    bulk_accepted_ += docs;
    return Reply{HttpResponseText(
        200, "{\"took\":1,\"errors\":false,\"items\":[" + items + "]}",
        {{"Content-Type", "application/json"}, {"X-elastic-product", "Elasticsearch"}})};
  }

  Verify verify_;
  transport::testing::LoopbackServer server_;
  int bulk_accepted_ = 0;
  int rejected_ = 0;
};

std::string HeaderOf(const ReceivedRequest& r, std::string_view name) {
  auto v = transport::FindHeader(r.headers, name);
  return v ? std::string(*v) : std::string();
}

class AgentAuthTest : public testing::LoopFixture {
 protected:
  void SetUp() override {
    LoopFixture::SetUp();
    if (!fs::exists(SKIFF_BINARY_PATH)) GTEST_SKIP() << "skiff not built at " << SKIFF_BINARY_PATH;
    dir_ = fs::temp_directory_path() /
           ("skiff-agent-auth-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "app.log") << "GET /index.html 200\nGET /missing 404\n";
    secrets_ = {std::string(kAwsSecret), std::string(kAwsSession), std::string(kClientSecret),
                std::string(kPassword),  std::string(kApiKey),     std::string(kFileToken)};
  }
  void Release() override {
    StopSkiff();
    es_.reset();
    imds_.reset();
    gcp_.reset();
    azure_.reset();
    oauth_.reset();
  }
  void TearDown() override {
    LoopFixture::TearDown();
    fs::remove_all(dir_);
  }

  // Starts skiff with `auth_toml` as its [auth] table and `env` added to its environment.
  void StartSkiff(const std::string& auth_toml, std::map<std::string, std::string> env) {
    fs::path config = dir_ / "skiff.toml";
    std::ofstream(config) << "data_dir = \"" << (dir_ / "data").string() << "\"\n"
                          << "[[inputs.file]]\nid = \"app\"\npaths = [\""
                          << (dir_ / "app.log").string() << "\"]\nstart_at = \"beginning\"\n"
                          << "[output.elasticsearch]\nhosts = [\"" << es_->url()
                          << "\"]\nindex = \"logs-e2e-default\"\nflush_interval = \"100ms\"\n"
                          << "retry = { initial = \"100ms\", max = \"1s\" }\n"
                          << "[auth]\n"
                          << auth_toml;
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string binary = SKIFF_BINARY_PATH;
    std::string config_path = config.string();
    std::vector<char*> argv = {binary.data(), const_cast<char*>("run"), const_cast<char*>("-c"),
                               config_path.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (dir_ / "skiff.out").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
  }

  bool SkiffExited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void StopSkiff() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    if (!RunUntil([&] { return SkiffExited(); })) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  // Waits until both log lines were accepted, stops skiff and greps what it wrote.
  void ExpectShippedWithoutLeakingSecrets() {
    bool shipped = RunUntil([&] { return es_->bulk_accepted() >= 2 || SkiffExited(); });
    StopSkiff();
    std::string output = ReadAll();
    EXPECT_TRUE(shipped && es_->bulk_accepted() >= 2)
        << "accepted " << es_->bulk_accepted() << ", rejected " << es_->rejected()
        << "; skiff said:\n"
        << output;
    // The grep must have something to look at: skiff's own start-up line at least.
    EXPECT_NE(output.find("running with data_dir"), std::string::npos) << output;
    for (const std::string& secret : secrets_) {
      EXPECT_EQ(output.find(secret), std::string::npos) << "secret found in skiff's output";
    }
    if (::testing::Test::HasFailure()) std::cerr << "skiff said:\n" << output;
  }

  // skiff's stdout and stderr, and every file under its data_dir.
  std::string ReadAll() {
    std::string all;
    auto read = [&](const fs::path& p) {
      std::ifstream in(p, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      all += text.str();
    };
    read(dir_ / "skiff.out");
    if (fs::exists(dir_ / "data")) {
      for (const auto& e : fs::recursive_directory_iterator(dir_ / "data")) {
        if (e.is_regular_file()) read(e.path());
      }
    }
    return all;
  }

  fs::path dir_;
  pid_t pid_ = -1;
  std::vector<std::string> secrets_;
  std::unique_ptr<FakeElasticsearch> es_;
  std::unique_ptr<testing::FakeAwsImds> imds_;
  std::unique_ptr<testing::FakeGcpMetadata> gcp_;
  std::unique_ptr<testing::FakeAzureImds> azure_;
  std::unique_ptr<testing::FakeOAuthServer> oauth_;
};

TEST_F(AgentAuthTest, BasicShipsWithThePasswordFromTheEnvironment) {
  std::string expected = "Basic ";
  transport::AppendBase64(expected, transport::AsBytes("shipper:" + std::string(kPassword)));
  es_ = std::make_unique<FakeElasticsearch>(
      &loop_, [&](const ReceivedRequest& r) { return HeaderOf(r, "Authorization") == expected; });
  StartSkiff("type = \"basic\"\nusername = \"shipper\"\npassword = \"${SKIFF_E2E_PASSWORD}\"\n",
             {{"SKIFF_E2E_PASSWORD", std::string(kPassword)}});
  ExpectShippedWithoutLeakingSecrets();
}

TEST_F(AgentAuthTest, ApiKeyShipsWithTheKeyFromAFile) {
  std::ofstream(dir_ / "api_key") << kApiKey;
  fs::permissions(dir_ / "api_key", fs::perms::owner_read | fs::perms::owner_write);
  es_ = std::make_unique<FakeElasticsearch>(&loop_, [&](const ReceivedRequest& r) {
    return HeaderOf(r, "Authorization") == "ApiKey " + std::string(kApiKey);
  });
  StartSkiff("type = \"api_key\"\napi_key = \"file:" + (dir_ / "api_key").string() + "\"\n", {});
  ExpectShippedWithoutLeakingSecrets();
}

TEST_F(AgentAuthTest, TokenFileShipsWithTheTokenInTheFile) {
  std::ofstream(dir_ / "token") << kFileToken << "\n";
  es_ = std::make_unique<FakeElasticsearch>(&loop_, [&](const ReceivedRequest& r) {
    return HeaderOf(r, "Authorization") == "Bearer " + std::string(kFileToken);
  });
  StartSkiff("type = \"token_file\"\npath = \"" + (dir_ / "token").string() + "\"\n", {});
  ExpectShippedWithoutLeakingSecrets();
}

TEST_F(AgentAuthTest, OidcClientCredentialsShipsWithTheIssuedToken) {
  oauth_ = std::make_unique<testing::FakeOAuthServer>(&loop_, "/token", "shipper",
                                                      std::string(kClientSecret), "");
  es_ = std::make_unique<FakeElasticsearch>(&loop_, [&](const ReceivedRequest& r) {
    secrets_.push_back(oauth_->last_token());
    return !oauth_->last_token().empty() &&
           HeaderOf(r, "Authorization") == "Bearer " + oauth_->last_token();
  });
  StartSkiff("type = \"oidc_client_credentials\"\ntoken_url = \"" + oauth_->url() +
                 "/token\"\nclient_id = \"shipper\"\n"
                 "client_secret = \"${SKIFF_E2E_CLIENT_SECRET}\"\nscope = \"es\"\n",
             {{"SKIFF_E2E_CLIENT_SECRET", std::string(kClientSecret)}});
  ExpectShippedWithoutLeakingSecrets();
}

TEST_F(AgentAuthTest, GcpIdentityShipsWithTheMetadataServersToken) {
  gcp_ = std::make_unique<testing::FakeGcpMetadata>(&loop_);
  es_ = std::make_unique<FakeElasticsearch>(&loop_, [&](const ReceivedRequest& r) {
    secrets_.push_back(gcp_->last_token());
    return !gcp_->last_token().empty() &&
           HeaderOf(r, "Authorization") == "Bearer " + gcp_->last_token();
  });
  StartSkiff("type = \"gcp_identity\"\naudience = \"https://es.example.test\"\nmetadata_url = \"" +
                 gcp_->url() + "\"\n",
             {});
  ExpectShippedWithoutLeakingSecrets();
}

TEST_F(AgentAuthTest, AzureManagedIdentityShipsWithTheImdsToken) {
  azure_ = std::make_unique<testing::FakeAzureImds>(&loop_);
  es_ = std::make_unique<FakeElasticsearch>(&loop_, [&](const ReceivedRequest& r) {
    secrets_.push_back(azure_->last_token());
    return !azure_->last_token().empty() &&
           HeaderOf(r, "Authorization") == "Bearer " + azure_->last_token();
  });
  StartSkiff(
      "type = \"azure_managed_identity\"\nresource = \"api://elasticsearch\"\n"
      "metadata_url = \"" +
          azure_->url() + "\"\n",
      {});
  ExpectShippedWithoutLeakingSecrets();
}

// The fake Elasticsearch recomputes the SigV4 signature with the test secret, as a real
// OpenSearch Service endpoint would.
bool SigV4Valid(const ReceivedRequest& r, std::string_view service) {
  std::string authorization = HeaderOf(r, "Authorization");
  std::vector<transport::HttpHeader> signed_headers = {
      {"host", HeaderOf(r, "Host")},
      {"x-amz-content-sha256", HeaderOf(r, "X-Amz-Content-Sha256")},
      {"x-amz-date", HeaderOf(r, "X-Amz-Date")},
      {"x-amz-security-token", HeaderOf(r, "X-Amz-Security-Token")}};
  std::string hash = Sha256Hex(transport::AsBytes(r.body));
  if (signed_headers[1].value != hash) return false;
  if (signed_headers[3].value != kAwsSession) return false;
  SigV4Signature expected = SigV4Signer("eu-west-1", std::string(service))
                                .Sign(SigV4Request{r.method, r.target, signed_headers, hash},
                                      SigV4Keys{kAwsKeyId, kAwsSecret}, signed_headers[2].value);
  return authorization == expected.authorization;
}

TEST_F(AgentAuthTest, AwsSigV4ShipsSignedRequestsWithInstanceRoleKeys) {
  imds_ = std::make_unique<testing::FakeAwsImds>(&loop_, "shipper-role", std::string(kAwsKeyId),
                                                 std::string(kAwsSecret), std::string(kAwsSession));
  es_ = std::make_unique<FakeElasticsearch>(
      &loop_, [](const ReceivedRequest& r) { return SigV4Valid(r, "aoss"); });
  secrets_.push_back("imds-session-");
  StartSkiff(
      "type = \"aws_sigv4\"\nregion = \"eu-west-1\"\nservice = \"aoss\"\n"
      "metadata_url = \"" +
          imds_->url() + "\"\n",
      {{"AWS_ACCESS_KEY_ID", ""},
       {"AWS_WEB_IDENTITY_TOKEN_FILE", ""},
       {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""},
       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ""}});
  ExpectShippedWithoutLeakingSecrets();
  EXPECT_EQ(es_->rejected(), 0);
}

}  // namespace
}  // namespace auth
