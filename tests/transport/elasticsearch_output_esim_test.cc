// ElasticsearchOutput end to end against esim, the Elasticsearch test server
// (tests/esim), started as a child process on 127.0.0.1 port 0 with faults set through its
// admin API. Skipped when the esim binary is missing.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>

#include "auth/static_credentials.h"
#include "tests/support/memory_queue.h"
#include "tests/transport/loopback_server.h"
#include "transport/elasticsearch_output.h"
#include "transport/http_client.h"

namespace transport {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::RunUntil;

constexpr std::string_view kIndex = "logs-esim-default";

class ElasticsearchOutputEsimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    dir_ = fs::temp_directory_path() /
           ("skiff-esim-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    client_ = std::make_unique<HttpClient>(&loop_, HttpClient::Options{});
    queue_ = std::make_unique<buffer::MemoryQueue>(64 << 20);
    if (!fs::exists(SKIFF_ESIM_PATH)) GTEST_SKIP() << "esim not built at " << SKIFF_ESIM_PATH;
    StartEsim();
  }

  void TearDown() override {
    if (output_ != nullptr) {
      bool done = false;
      output_->Shutdown(milliseconds(1'000), [&] { done = true; });
      EXPECT_TRUE(RunUntil(&loop_, [&] { return done; }));
      output_.reset();
    }
    client_.reset();
    if (esim_running_) {
      uv_process_kill(process_.get(), SIGTERM);
      EXPECT_TRUE(RunUntil(&loop_, [&] { return !esim_running_; }));
    }
    process_.Reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle leaked";
    fs::remove_all(dir_);
  }

  void StartEsim() {
    std::string port_file = (dir_ / "esim.port").string();
    std::string exe = SKIFF_ESIM_PATH;
    std::vector<std::string> args = {exe, "--port", "0", "--port-file", port_file};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    uv_process_options_t options{};
    options.file = exe.c_str();
    options.args = argv.data();
    options.exit_cb = [](uv_process_t* p, int64_t, int) {
      if (p->data != nullptr)
        static_cast<ElasticsearchOutputEsimTest*>(p->data)->esim_running_ = false;
    };
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_IGNORE;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    options.stdio = stdio;
    options.stdio_count = 3;
    int rc = uv_spawn(&loop_, process_.get(), &options);
    process_.MarkInitialized();  // uv_spawn initializes the handle even when it fails
    ASSERT_EQ(rc, 0) << uv_strerror(rc);
    process_->data = this;
    esim_running_ = true;
    ASSERT_TRUE(RunUntil(&loop_, [&] {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) url_ = "http://127.0.0.1:" + std::to_string(port);
      return !url_.empty();
    })) << "esim did not write its port file";
    endpoint_ = HttpEndpoint::Parse(url_).value();
  }

  // A request to esim's admin or read API; returns the body, or "" after a test failure.
  std::string Call(std::string method, std::string target, std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"Content-Type", "application/json"}};
    if (!authorization_.empty()) r.headers.push_back({"Authorization", authorization_});
    r.body = std::move(body);
    std::optional<base::Result<HttpResponse>> out;
    EXPECT_TRUE(client_
                    ->Send(endpoint_, std::move(r),
                           [&](base::Result<HttpResponse> res) { out.emplace(std::move(res)); })
                    .ok());
    EXPECT_TRUE(RunUntil(&loop_, [&] { return out.has_value(); }));
    if (!out.has_value() || !out->has_value()) {
      ADD_FAILURE() << "esim call failed";
      return "";
    }
    EXPECT_LT((*out)->status, 300) << (*out)->body;
    return (*out)->body;
  }

  int64_t Count() {
    std::string body = Call("GET", "/" + std::string(kIndex) + "/_count");
    simdjson::dom::parser parser;
    int64_t count = -1;
    EXPECT_EQ(parser.parse(body)["count"].get_int64().get(count), simdjson::SUCCESS) << body;
    return count;
  }

  OutputOptions Options() {
    OutputOptions o;
    o.hosts = {url_};
    o.agent_id = "agent-esim";
    o.default_index = std::string(kIndex);
    o.max_batch_docs = 200;
    o.flush_interval = milliseconds(20);
    o.retry_initial = milliseconds(5);
    o.retry_max = milliseconds(50);
    o.request_timeout = milliseconds(5'000);
    o.connect_timeout = milliseconds(2'000);
    o.dead_letter_dir = (dir_ / "dead-letter").string();
    o.random = [] { return 0.5; };
    return o;
  }

  void Start(OutputOptions options, Credentials* credentials = nullptr) {
    output_ =
        std::make_unique<ElasticsearchOutput>(&loop_, *queue_, credentials, std::move(options));
    base::Status s = output_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Append(int batches, int events) {
    for (int b = 0; b < batches; ++b) {
      buffer::EventBatch batch;
      batch.source_key = "esim-src-" + std::to_string(b);
      batch.shared_fields_json = R"("host.name":"esim-test")";
      for (int e = 0; e < events; ++e) {
        buffer::Event ev;
        ev.offset = static_cast<uint64_t>(e) * 64;
        ev.time_unix_nanos = 1'795'342'323'000'000'000 + e;
        ev.message = "batch " + std::to_string(b) + " event " + std::to_string(e);
        batch.events.push_back(std::move(ev));
      }
      ++appended_;
      ASSERT_TRUE(queue_->Append(std::move(batch), [this] { ++durable_; }).ok());
    }
  }

  bool WaitAllAcked() {
    return RunUntil(
        &loop_, [&] { return durable_ == appended_ && queue_->PendingBatches() == 0; },
        milliseconds(30'000));
  }

  uv_loop_t loop_{};
  fs::path dir_;
  base::UvHandle<uv_process_t> process_;
  bool esim_running_ = false;
  std::string url_;
  HttpEndpoint endpoint_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<ElasticsearchOutput> output_;
  std::string authorization_;  // sent on Call() when set
  int appended_ = 0;
  int durable_ = 0;
};

TEST_F(ElasticsearchOutputEsimTest, DeliversEveryEventThroughItemAndRequestFaults) {
  Call("PUT", "/_esim/faults",
       R"({"item_429_ratio":0.3,"item_503_ratio":0.1,"request_status":503,"request_count":2})");
  Start(Options());
  Append(10, 100);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(Count(), 1000);
  EXPECT_EQ(output_->stats().docs_delivered, 1000u);
  EXPECT_GT(output_->stats().item_retries, 0u);
  EXPECT_EQ(output_->stats().requests_retried, 2u);
}

TEST_F(ElasticsearchOutputEsimTest, ADroppedResponseIsResentAndAnsweredAsDuplicates) {
  Call("PUT", "/_esim/faults", R"({"drop_next":1})");
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  Append(1, 100);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(Count(), 100);
  EXPECT_EQ(output_->stats().requests_transport_error, 1u);
  EXPECT_EQ(output_->stats().docs_duplicate, 100u) << "esim applied the dropped request";
}

TEST_F(ElasticsearchOutputEsimTest, DeadLettersMappingErrorsAndCountsMatch) {
  Call("PUT", "/_esim/faults", R"({"item_400_ratio":0.2})");
  Start(Options());
  Append(5, 100);
  ASSERT_TRUE(WaitAllAcked());
  const OutputStats& s = output_->stats();
  EXPECT_GT(s.docs_dead_lettered, 0u);
  EXPECT_EQ(s.docs_delivered + s.docs_dead_lettered, 500u);
  EXPECT_EQ(Count(), static_cast<int64_t>(s.docs_delivered));
}

TEST_F(ElasticsearchOutputEsimTest, SplitsRequestsAboveTheClustersSizeLimit) {
  Call("PUT", "/_esim/faults", R"({"max_request_bytes":20000})");
  Start(Options());
  Append(2, 200);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(Count(), 400);
  EXPECT_GT(output_->stats().requests_split, 0u);
}

TEST_F(ElasticsearchOutputEsimTest, AuthenticatesWithBasicCredentials) {
  Call("PUT", "/_esim/faults", R"({"require":{"basic":"shipper:s3cret"}})");
  auto credentials = auth::StaticCredentials::Basic("shipper", "s3cret");
  ASSERT_TRUE(credentials.has_value());
  Start(Options(), credentials->get());
  Append(2, 50);
  ASSERT_TRUE(WaitAllAcked());
  authorization_ = "Basic c2hpcHBlcjpzM2NyZXQ=";  // shipper:s3cret
  EXPECT_EQ(Count(), 100);
  bool done = false;
  output_->Shutdown(milliseconds(1'000), [&] { done = true; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return done; }));
  output_.reset();
}

}  // namespace
}  // namespace transport
