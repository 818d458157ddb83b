#include "transport/elasticsearch_output.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "auth/static_credentials.h"
#include "tests/support/memory_queue.h"
#include "tests/transport/loopback_server.h"

namespace transport {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::HttpResponseText;
using testing::LoopbackServer;
using testing::ReceivedRequest;
using testing::Reply;
using testing::RunUntil;

// A scripted stand-in for Elasticsearch's `_bulk` on the test's loop: stores documents by
// _id (409 for a known one, as `create` does), answers per item what the test asks, and
// replays scripted whole-request replies first.
class FakeElasticsearch {
 public:
  explicit FakeElasticsearch(uv_loop_t* loop)
      : server_(loop, [this](const ReceivedRequest& r) { return Handle(r); }) {}

  std::string url() const { return server_.url(); }
  void Close() { server_.Close(); }
  std::size_t open_connections() const { return server_.open_connections(); }

  // Replies used, in order, for the next bulk requests instead of processing them.
  std::deque<Reply> scripted;
  // Status of an item from its document line and how often its id was seen before.
  std::function<int(std::string_view doc, int seen)> item_status;
  std::size_t max_request_bytes = 0;  // 413 beyond; 0: no limit
  std::string require_authorization;  // 401 unless the header matches; empty: none
  std::string version = "8.15.0";     // GET /'s version.number (with X-Elastic-Product)
  bool refuse_compatible = false;     // 406 to compatible-with media types (OpenSearch)

  // GET /_nodes/http (sniff): answered with `nodes_status` and `nodes_answer`.
  int nodes_status = 200;
  std::string nodes_answer = "{}";
  int nodes_requests = 0;

  int info_requests = 0;
  std::vector<ReceivedRequest> bulk_requests;
  std::vector<std::vector<std::string>> bulk_ids;  // ids per bulk request processed
  std::map<std::string, std::string> docs;         // by _id
  std::map<std::string, int> seen;

 private:
  Reply Handle(const ReceivedRequest& r) {
    if (!require_authorization.empty() &&
        FindHeader(r.headers, "Authorization").value_or("") != require_authorization) {
      return Reply{HttpResponseText(
          401,
          R"({"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401})",
          {{"WWW-Authenticate", "Basic realm=\"security\""}})};
    }
    if (r.method == "GET" && r.target == "/") {
      ++info_requests;
      return Reply{HttpResponseText(
          200,
          R"({"name":"n1","version":{"number":")" + version +
              R"(","build_flavor":"default"},"tagline":"You Know, for Search"})",
          {{"X-Elastic-Product", "Elasticsearch"}})};
    }
    if (r.method == "GET" && r.target.starts_with("/_nodes/http")) {
      ++nodes_requests;
      return Reply{HttpResponseText(nodes_status, nodes_answer)};
    }
    bulk_requests.push_back(r);
    if (refuse_compatible &&
        FindHeader(r.headers, "Content-Type").value_or("").find("compatible-with") !=
            std::string_view::npos) {
      return Reply{HttpResponseText(
          406, R"({"error":"Content-Type header [vnd] is not supported","status":406})")};
    }
    if (!scripted.empty()) {
      Reply reply = std::move(scripted.front());
      scripted.pop_front();
      return reply;
    }
    if (max_request_bytes != 0 && r.body.size() > max_request_bytes) {
      return Reply{HttpResponseText(413, "")};
    }
    std::string items;
    bool errors = false;
    std::vector<std::string> ids;
    std::string_view body = r.body;
    simdjson::dom::parser parser;
    while (!body.empty()) {
      std::size_t nl = body.find('\n');
      std::string action(body.substr(0, nl));
      body.remove_prefix(nl + 1);
      nl = body.find('\n');
      std::string doc(body.substr(0, nl));
      body.remove_prefix(nl + 1);
      std::string_view id_view;
      std::string id;
      if (parser.parse(action)["create"]["_id"].get_string().get(id_view) == simdjson::SUCCESS) {
        id = std::string(id_view);
      } else {
        id = "auto-" + std::to_string(docs.size());
      }
      ids.push_back(id);
      int status = item_status ? item_status(doc, seen[id]) : 201;
      ++seen[id];
      if (status == 201 && docs.count(id) != 0) status = 409;
      if (status == 201) docs[id] = doc;
      if (!items.empty()) items += ',';
      items += R"({"create":{"status":)" + std::to_string(status);
      if (status >= 300) {
        errors = true;
        items += R"(,"error":{"type":"test_exception_)" + std::to_string(status) +
                 R"(","reason":"made up for )" + std::to_string(status) + R"("})";
      }
      items += "}}";
    }
    bulk_ids.push_back(std::move(ids));
    return Reply{HttpResponseText(200, std::string(R"({"errors":)") + (errors ? "true" : "false") +
                                           R"(,"items":[)" + items + "]}")};
  }

  LoopbackServer server_;
};

class ElasticsearchOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    es_ = std::make_unique<FakeElasticsearch>(&loop_);
    queue_ = std::make_unique<buffer::MemoryQueue>(64 << 20);
    dir_ = fs::temp_directory_path() /
           ("skiff-output-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void TearDown() override {
    if (output_ != nullptr) Stop();
    output_.reset();
    es_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle leaked";
    fs::remove_all(dir_);
  }

  OutputOptions Options() {
    OutputOptions o;
    o.hosts = {es_->url()};
    o.agent_id = "agent-test";
    o.default_index = "logs-test-default";
    o.max_batch_docs = 50;
    o.max_batch_bytes = 1 << 20;
    o.flush_interval = milliseconds(20);
    o.max_in_flight = 2;
    o.retry_initial = milliseconds(1);
    o.retry_max = milliseconds(4);
    o.request_timeout = milliseconds(2'000);
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

  // Appends `batches` batches of `events` events; message "b<batch>-e<event>[suffix]".
  void Append(int batches, int events, const std::function<std::string(int, int)>& suffix = {},
              const std::string& source_prefix = "src-") {
    for (int b = 0; b < batches; ++b) {
      buffer::EventBatch batch;
      batch.source_key = source_prefix + std::to_string(next_batch_);
      batch.shared_fields_json = R"("host.name":"test")";
      for (int e = 0; e < events; ++e) {
        buffer::Event ev;
        ev.offset = static_cast<uint64_t>(e) * 100;
        ev.time_unix_nanos = 1'795'342'323'000'000'000;
        ev.message = "b" + std::to_string(next_batch_) + "-e" + std::to_string(e) +
                     (suffix ? suffix(next_batch_, e) : "");
        batch.events.push_back(std::move(ev));
      }
      ++next_batch_;
      ++appended_;
      ASSERT_TRUE(queue_->Append(std::move(batch), [this] { ++durable_; }).ok());
    }
  }

  bool WaitAllAcked() {
    return RunUntil(&loop_, [&] { return durable_ == appended_ && queue_->PendingBatches() == 0; });
  }

  void Stop(milliseconds deadline = milliseconds(1'000)) {
    bool done = false;
    output_->Shutdown(deadline, [&] { done = true; });
    ASSERT_TRUE(RunUntil(&loop_, [&] { return done; }));
  }

  std::vector<std::string> DeadLetterLines() {
    std::vector<std::string> lines;
    if (!fs::exists(dir_ / "dead-letter")) return lines;
    for (const auto& entry : fs::directory_iterator(dir_ / "dead-letter")) {
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    return lines;
  }

  std::size_t TotalItemsSent() const {
    std::size_t n = 0;
    for (const auto& ids : es_->bulk_ids) n += ids.size();
    return n;
  }

  uv_loop_t loop_{};
  std::unique_ptr<FakeElasticsearch> es_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<ElasticsearchOutput> output_;
  fs::path dir_;
  int next_batch_ = 0;
  int appended_ = 0;
  int durable_ = 0;
};

TEST_F(ElasticsearchOutputTest, DeliversEveryEventAndAcknowledgesEveryBatch) {
  Start(Options());
  Append(5, 40);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 200u);
  EXPECT_EQ(output_->stats().docs_delivered, 200u);
  EXPECT_EQ(output_->stats().docs_duplicate, 0u);
  EXPECT_GE(es_->bulk_requests.size(), 4u);
  for (const auto& ids : es_->bulk_ids) EXPECT_LE(ids.size(), 50u);
  const ReceivedRequest& r = es_->bulk_requests.front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target,
            "/_bulk?filter_path=errors,items.*.error,items.*.status,items.*.failure_store");
  // Plain types until GET / told the version (the media-type tests below cover the rest).
  const std::string_view content_type = FindHeader(r.headers, "Content-Type").value_or("");
  EXPECT_TRUE(content_type == kPlainMediaTypes.content_type ||
              content_type == kCompatible8MediaTypes.content_type)
      << content_type;
  EXPECT_TRUE(FindHeader(r.headers, "User-Agent").value_or("").starts_with("skiff/"));
  EXPECT_GT(output_->stats().bytes_sent, 0u);
  EXPECT_EQ(output_->stats().in_flight, 0);
}

TEST_F(ElasticsearchOutputTest, AsksTheClusterForItsVersionOnceAtStart) {
  Start(Options());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->info_requests == 1; }));
}

TEST_F(ElasticsearchOutputTest, CountsConflictsOnResendAsDeliveredDuplicates) {
  Start(Options());
  Append(1, 30, {}, "same");
  ASSERT_TRUE(WaitAllAcked());
  next_batch_ = 0;  // the same source, offsets and so ids again: a resend after a crash
  Append(1, 30, {}, "same");
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 30u);
  EXPECT_EQ(output_->stats().docs_delivered, 60u);
  EXPECT_EQ(output_->stats().docs_duplicate, 30u);
}

TEST_F(ElasticsearchOutputTest, RetriesOnlyThe429ItemsInANewRequest) {
  es_->item_status = [](std::string_view doc, int seen) {
    return seen == 0 && doc.find("-e3") != std::string_view::npos ? 429 : 201;
  };
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  Append(4, 10);  // events e3 of each batch fail once
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 40u);
  EXPECT_EQ(output_->stats().item_retries, 4u);
  EXPECT_EQ(TotalItemsSent(), 44u) << "only the failed items are sent again";
  bool saw_retry_only_request = false;
  for (const auto& ids : es_->bulk_ids) saw_retry_only_request |= ids.size() == 4;
  EXPECT_TRUE(saw_retry_only_request);
}

TEST_F(ElasticsearchOutputTest, RetriesAWhole503RequestAfterBackoff) {
  es_->scripted.push_back(Reply{
      HttpResponseText(503, R"({"error":{"type":"unavailable","reason":"down"},"status":503})")});
  es_->scripted.push_back(Reply{HttpResponseText(503, "", {{"Retry-After", "0"}})});
  Start(Options());
  Append(1, 20);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 20u);
  EXPECT_EQ(output_->stats().requests_retried, 2u);
  EXPECT_EQ(output_->stats().docs_delivered, 20u);
}

TEST_F(ElasticsearchOutputTest, SplitsARequestRejectedAsTooLargeInHalves) {
  OutputOptions o = Options();
  o.max_batch_docs = 40;
  Start(o);
  Append(1, 40);
  std::string probe_doc_size;  // a 40-event body is ~5 KiB; allow about 12 events
  es_->max_request_bytes = 1500;
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 40u);
  EXPECT_GE(output_->stats().requests_split, 3u);
  EXPECT_EQ(output_->stats().docs_dead_lettered, 0u);
}

TEST_F(ElasticsearchOutputTest, DeadLettersASingleDocumentTooLargeForTheCluster) {
  es_->max_request_bytes = 1000;
  Start(Options());
  Append(1, 3, [](int, int e) { return e == 1 ? std::string(2000, 'x') : std::string(); });
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 2u);
  EXPECT_EQ(output_->stats().docs_dead_lettered, 1u);
  std::vector<std::string> lines = DeadLetterLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("status":413)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("b0-e1xxxx"), std::string::npos);
}

TEST_F(ElasticsearchOutputTest, DeadLettersRejected400ItemsWithTheirReasons) {
  es_->item_status = [](std::string_view doc, int) {
    return doc.find("bad") != std::string_view::npos ? 400 : 201;
  };
  Start(Options());
  Append(3, 20, [](int, int e) { return e % 5 == 0 ? std::string("-bad") : std::string(); });
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 48u);
  EXPECT_EQ(output_->stats().docs_delivered, 48u);
  EXPECT_EQ(output_->stats().docs_dead_lettered, 12u);
  std::vector<std::string> lines = DeadLetterLines();
  ASSERT_EQ(lines.size(), 12u);
  simdjson::dom::parser parser;
  for (const std::string& line : lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    int64_t status = 0;
    std::string_view reason, index, message;
    ASSERT_EQ(doc["status"].get_int64().get(status), simdjson::SUCCESS);
    EXPECT_EQ(status, 400);
    ASSERT_EQ(doc["error"]["reason"].get_string().get(reason), simdjson::SUCCESS);
    EXPECT_EQ(reason, "made up for 400");
    ASSERT_EQ(doc["index"].get_string().get(index), simdjson::SUCCESS);
    EXPECT_EQ(index, "logs-test-default");
    ASSERT_EQ(doc["document"]["message"].get_string().get(message), simdjson::SUCCESS);
    EXPECT_TRUE(message.ends_with("-bad"));
  }
}

TEST_F(ElasticsearchOutputTest, DeadLettersEveryDocumentOfARequestRejectedWhole) {
  es_->scripted.push_back(Reply{HttpResponseText(
      400,
      R"({"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400})")});
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  Append(1, 10);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(output_->stats().requests_dead_lettered, 1u);
  EXPECT_EQ(output_->stats().docs_dead_lettered, 10u);
  std::vector<std::string> lines = DeadLetterLines();
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_NE(lines[0].find("terminated by a newline"), std::string::npos);
}

TEST_F(ElasticsearchOutputTest, RetriesAGarbageResponseAndADroppedConnectionWithoutLoss) {
  es_->scripted.push_back(Reply{"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!"});
  es_->scripted.push_back(Reply{"<html>garbage</html>\r\n\r\n"});
  es_->scripted.push_back(Reply{});  // close without answering
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  Append(2, 10);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 20u);
  EXPECT_EQ(output_->stats().requests_retried, 1u);  // 200 with an unparsable body
  EXPECT_EQ(output_->stats().requests_transport_error, 2u);
}

TEST_F(ElasticsearchOutputTest, RetriesTheWholeRequestWhenTheItemCountIsWrong) {
  es_->scripted.push_back(
      Reply{HttpResponseText(200, R"({"errors":false,"items":[{"create":{"status":201}}]})")});
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  Append(1, 5);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 5u);
  EXPECT_EQ(output_->stats().requests_retried, 1u);
}

TEST_F(ElasticsearchOutputTest, RefreshesStaticCredentialsOnceOn401AndRetries) {
  auto credentials = auth::StaticCredentials::Basic("shipper", "p@ss:w0rd");
  ASSERT_TRUE(credentials.has_value());
  es_->require_authorization = "Basic c2hpcHBlcjpwQHNzOncwcmQ=";
  es_->scripted.push_back(Reply{HttpResponseText(401, R"({"error":"expired","status":401})")});
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o, credentials->get());
  Append(1, 10);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 10u);
  EXPECT_EQ((*credentials)->refreshes(), 1);
  EXPECT_EQ(output_->stats().requests_auth_refreshed, 1u);
  for (const ReceivedRequest& r : es_->bulk_requests) {
    EXPECT_EQ(FindHeader(r.headers, "Authorization").value_or(""), es_->require_authorization);
  }
  Stop();
  output_.reset();
}

TEST_F(ElasticsearchOutputTest, KeepsRetryingWithBackoffWhileCredentialsAreRejected) {
  auto credentials = auth::StaticCredentials::Basic("shipper", "wrong");
  ASSERT_TRUE(credentials.has_value());
  es_->require_authorization = "Basic c2hpcHBlcjpwQHNzOncwcmQ=";
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o, credentials->get());
  Append(1, 10);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return output_->stats().requests_retried >= 3; }));
  EXPECT_EQ((*credentials)->refreshes(), 1) << "one refresh, then plain backoff";
  EXPECT_EQ(output_->stats().docs_dead_lettered, 0u);
  EXPECT_EQ(durable_, 0);
  Stop();
  output_.reset();
}

TEST_F(ElasticsearchOutputTest, StopsReadingNewEventsWhileRequestsKeepFailing) {
  for (int i = 0; i < 30; ++i) es_->scripted.push_back(Reply{HttpResponseText(503, "")});
  OutputOptions o = Options();
  o.max_in_flight = 1;
  o.max_batch_docs = 5;
  Start(o);
  Append(10, 5);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->bulk_requests.size() >= 20; }));
  std::set<std::string> batches_seen;
  for (const ReceivedRequest& r : es_->bulk_requests) {
    for (std::size_t pos = r.body.find("\"message\":\"b"); pos != std::string::npos;
         pos = r.body.find("\"message\":\"b", pos + 1)) {
      batches_seen.insert(r.body.substr(pos + 12, r.body.find('-', pos) - pos - 12));
    }
  }
  // Two requests per in-flight slot may be held; each holds one batch of 5 events here.
  EXPECT_LE(batches_seen.size(), 2u);
  EXPECT_EQ(durable_, 0);
}

TEST_F(ElasticsearchOutputTest, FailsOverToTheNextHostWhenOneIsDown) {
  // A port that was just closed refuses connections.
  int dead_port = 0;
  {
    LoopbackServer closed(&loop_, [](const ReceivedRequest&) { return Reply{}; });
    dead_port = closed.port();
  }
  OutputOptions o = Options();
  o.hosts = {"http://127.0.0.1:" + std::to_string(dead_port), es_->url()};
  o.max_batch_docs = 5;
  o.max_in_flight = 1;
  Start(o);
  Append(4, 10);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 40u);
  EXPECT_EQ(output_->stats().docs_delivered, 40u);
  // The dead host is tried at most a few times, then skipped while it is down.
  EXPECT_LE(output_->stats().requests_transport_error, 3u);
}

TEST_F(ElasticsearchOutputTest, SendsGzipBodiesWhenAsked) {
  OutputOptions o = Options();
  o.gzip = true;
  Start(o);
  Append(2, 50);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 100u);
  EXPECT_EQ(FindHeader(es_->bulk_requests.front().headers, "Content-Encoding").value_or(""),
            "gzip");
  std::size_t uncompressed = 0;
  for (const ReceivedRequest& r : es_->bulk_requests) uncompressed += r.body.size();
  EXPECT_LT(output_->stats().bytes_sent, uncompressed);
}

TEST_F(ElasticsearchOutputTest, GzipOffTheLoopKeepsIdsOrderAndRetriesUnchanged) {
  // The same events through the same faults, once plain and once gzipped: Elasticsearch
  // must see the same requests (each with the same ids in the same order) either way. Which
  // goes first, a retry due at once or the next batch, is a race either way, so the
  // requests are compared as a set.
  auto run = [&](bool gzip) {
    es_ = std::make_unique<FakeElasticsearch>(&loop_);
    appended_ = durable_ = next_batch_ = 0;
    queue_ = std::make_unique<buffer::MemoryQueue>(64 << 20);
    OutputOptions o = Options();
    o.gzip = gzip;
    o.max_in_flight = 1;  // one request at a time
    // The first request fails whole; then every document whose message ends in 7 is
    // answered 429 once and resent alone.
    es_->scripted.push_back(Reply{HttpResponseText(503, "", {{"Retry-After", "0"}})});
    es_->item_status = [](std::string_view doc, int seen) {
      return doc.find("7\"") != std::string_view::npos && seen == 0 ? 429 : 201;
    };
    Append(4, 30);
    Start(o);
    EXPECT_TRUE(WaitAllAcked());
    Stop();
    output_.reset();
    EXPECT_EQ(es_->docs.size(), 120u);
    auto requests = es_->bulk_ids;
    std::sort(requests.begin(), requests.end());
    return std::make_pair(requests, es_->bulk_requests.size());
  };
  auto [plain_ids, plain_requests] = run(false);
  auto [gzip_ids, gzip_requests] = run(true);
  EXPECT_EQ(gzip_requests, plain_requests);
  EXPECT_EQ(gzip_ids, plain_ids);
  EXPECT_EQ(FindHeader(es_->bulk_requests.back().headers, "Content-Encoding").value_or(""),
            "gzip");
}

TEST_F(ElasticsearchOutputTest, SendsCompatibleWith8MediaTypesOnceTheClusterSaysElasticsearch8) {
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->info_requests == 1; }));
  Append(3, 50);
  ASSERT_TRUE(WaitAllAcked());
  const ReceivedRequest& last = es_->bulk_requests.back();
  EXPECT_EQ(FindHeader(last.headers, "Content-Type").value_or(""),
            "application/vnd.elasticsearch+x-ndjson; compatible-with=8");
  EXPECT_EQ(FindHeader(last.headers, "Accept").value_or(""),
            "application/vnd.elasticsearch+json; compatible-with=8");
}

TEST_F(ElasticsearchOutputTest, SendsPlainMediaTypesToElasticsearch7) {
  es_->version = "7.17.24";
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->info_requests == 1; }));
  Append(3, 50);
  ASSERT_TRUE(WaitAllAcked());
  for (const ReceivedRequest& r : es_->bulk_requests) {
    EXPECT_EQ(FindHeader(r.headers, "Content-Type").value_or(""), "application/x-ndjson");
    EXPECT_EQ(FindHeader(r.headers, "Accept").value_or(""), "application/json");
  }
}

TEST_F(ElasticsearchOutputTest, FallsBackToPlainMediaTypesWhenTheClusterRefusesCompatibleOnes) {
  es_->refuse_compatible = true;  // claims 8.15.0 but answers like OpenSearch
  OutputOptions o = Options();
  o.max_in_flight = 1;
  Start(o);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->info_requests == 1; }));
  Append(3, 50);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->docs.size(), 150u);
  EXPECT_EQ(output_->stats().docs_dead_lettered, 0u);
  EXPECT_EQ(FindHeader(es_->bulk_requests.back().headers, "Content-Type").value_or(""),
            "application/x-ndjson");
  EXPECT_TRUE(DeadLetterLines().empty());
}

TEST_F(ElasticsearchOutputTest, LeavesIdsToElasticsearchWhenDeterministicIdsAreOff) {
  OutputOptions o = Options();
  o.deterministic_ids = false;
  Start(o);
  Append(1, 5);
  ASSERT_TRUE(WaitAllAcked());
  EXPECT_EQ(es_->bulk_requests.front().body.find("\"_id\""), std::string::npos);
}

TEST_F(ElasticsearchOutputTest, ShutdownWithAnUnreachableHostFinishesAtOnceAndKeepsTheEvents) {
  int dead_port = 0;
  {
    LoopbackServer closed(&loop_, [](const ReceivedRequest&) { return Reply{}; });
    dead_port = closed.port();
  }
  OutputOptions o = Options();
  o.hosts = {"http://127.0.0.1:" + std::to_string(dead_port)};
  o.retry_initial = milliseconds(50);
  o.retry_max = milliseconds(200);
  Start(o);
  Append(2, 10);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return output_->stats().requests_transport_error >= 1; }));
  auto started = std::chrono::steady_clock::now();
  Stop(milliseconds(5'000));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1'000));
  EXPECT_EQ(durable_, 0);
  EXPECT_EQ(queue_->PendingBatches(), 2u);
  output_.reset();
}

TEST_F(ElasticsearchOutputTest, ShutdownGivesUpOnAHangingRequestAtTheDeadline) {
  es_->scripted.push_back(Reply{"", false, /*hang=*/true});
  Start(Options());
  Append(1, 5);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return es_->bulk_requests.size() == 1; }));
  auto started = std::chrono::steady_clock::now();
  Stop(milliseconds(100));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(90));
  EXPECT_EQ(durable_, 0);
  output_.reset();
}

TEST_F(ElasticsearchOutputTest, RefusesMissingOptionsAtStart) {
  OutputOptions o = Options();
  o.dead_letter_dir.clear();
  ElasticsearchOutput no_dir(&loop_, *queue_, nullptr, o);
  EXPECT_EQ(no_dir.Start().code(), base::StatusCode::kInvalidArgument);
}

// ---- Node discovery (sniff = true) ----------------------------------------------------------

// A GET /_nodes/http answer (under filter_path) listing `urls` as publish addresses.
std::string NodesAnswer(const std::vector<std::string>& urls) {
  std::string out = R"({"nodes":{)";
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (i > 0) out += ',';
    std::string address = urls[i].substr(urls[i].find("://") + 3);
    out +=
        R"("node-)" + std::to_string(i) + R"(":{"http":{"publish_address":")" + address + R"("}})";
  }
  return out + "}}";
}

class ElasticsearchOutputSniffTest : public ElasticsearchOutputTest {
 protected:
  void SetUp() override {
    ElasticsearchOutputTest::SetUp();
    second_ = std::make_unique<FakeElasticsearch>(&loop_);
  }
  void TearDown() override {
    if (output_ != nullptr) Stop();
    output_.reset();
    second_.reset();
    ElasticsearchOutputTest::TearDown();
  }

  OutputOptions SniffOptions() {
    OutputOptions o = Options();
    o.sniff = true;
    o.sniff_interval = milliseconds(10);
    o.max_batch_docs = 5;
    return o;
  }

  // Both nodes answer node discovery alike (the output asks either).
  void Answer(int status, const std::string& body) {
    for (FakeElasticsearch* es : {es_.get(), second_.get()}) {
      es->nodes_status = status;
      es->nodes_answer = body;
    }
  }

  // Waits until two more discoveries were asked: the first of them was sent after the
  // change of answer, and its answer was applied before the second was sent.
  bool WaitTwoSniffs() {
    int start = es_->nodes_requests + second_->nodes_requests;
    return RunUntil(&loop_,
                    [&] { return es_->nodes_requests + second_->nodes_requests >= start + 2; });
  }

  // Ships `batches` x 5 events and returns how many bulk requests the second node got.
  std::size_t ShipAndCountSecond(int batches) {
    std::size_t before = second_->bulk_requests.size();
    Append(batches, 5);
    EXPECT_TRUE(WaitAllAcked());
    return second_->bulk_requests.size() - before;
  }

  std::unique_ptr<FakeElasticsearch> second_;
};

TEST_F(ElasticsearchOutputSniffTest, RetiresADiscoveredNodeTheClusterNoLongerLists) {
  Answer(200, NodesAnswer({es_->url(), second_->url()}));
  Start(SniffOptions());
  ASSERT_TRUE(WaitTwoSniffs());
  ASSERT_EQ(output_->stats().hosts.size(), 2u);
  EXPECT_GT(ShipAndCountSecond(20), 0u) << "the discovered node got nothing";

  Answer(200, NodesAnswer({es_->url()}));
  ASSERT_TRUE(WaitTwoSniffs());
  ASSERT_EQ(output_->stats().hosts.size(), 2u);
  EXPECT_TRUE(output_->stats().hosts[1].retired);
  EXPECT_FALSE(output_->stats().hosts[1].up);
  EXPECT_EQ(ShipAndCountSecond(20), 0u) << "a retired node still gets requests";
  EXPECT_EQ(es_->docs.size() + second_->docs.size(), 200u);
  // Its idle keep-alive connections were closed.
  EXPECT_TRUE(RunUntil(&loop_, [&] { return second_->open_connections() == 0; }));
}

TEST_F(ElasticsearchOutputSniffTest, ReusesARetiredNodeThatComesBack) {
  Answer(200, NodesAnswer({es_->url(), second_->url()}));
  Start(SniffOptions());
  ASSERT_TRUE(WaitTwoSniffs());
  Answer(200, NodesAnswer({es_->url()}));
  ASSERT_TRUE(WaitTwoSniffs());
  ASSERT_TRUE(output_->stats().hosts[1].retired);

  Answer(200, NodesAnswer({second_->url(), es_->url()}));
  ASSERT_TRUE(WaitTwoSniffs());
  ASSERT_EQ(output_->stats().hosts.size(), 2u) << "the returning node was added twice";
  EXPECT_FALSE(output_->stats().hosts[1].retired);
  EXPECT_TRUE(output_->stats().hosts[1].up);
  EXPECT_GT(ShipAndCountSecond(20), 0u) << "the returning node got nothing";
}

TEST_F(ElasticsearchOutputSniffTest, AnEmptyOrFailedAnswerChangesNothing) {
  Answer(200, NodesAnswer({es_->url(), second_->url()}));
  Start(SniffOptions());
  ASSERT_TRUE(WaitTwoSniffs());
  for (auto [status, body] : std::vector<std::pair<int, std::string>>{
           {200, R"({"nodes":{}})"},
           {200, "{}"},
           {200, R"({"nodes":{"n":{"http":{"publish_address":"not an address"}}}})"},
           {200, "not json"},
           {500, R"({"error":{"type":"x","reason":"y"},"status":500})"}}) {
    Answer(status, body);
    ASSERT_TRUE(WaitTwoSniffs());
    ASSERT_EQ(output_->stats().hosts.size(), 2u);
    EXPECT_FALSE(output_->stats().hosts[1].retired) << status << " " << body;
  }
  EXPECT_GT(ShipAndCountSecond(20), 0u);
}

TEST_F(ElasticsearchOutputSniffTest, NeverRetiresAConfiguredHost) {
  Answer(200, NodesAnswer({es_->url()}));
  OutputOptions o = SniffOptions();
  o.hosts = {es_->url(), second_->url()};
  Start(o);
  ASSERT_TRUE(WaitTwoSniffs());
  ASSERT_TRUE(WaitTwoSniffs());
  EXPECT_FALSE(output_->stats().hosts[1].retired);
  EXPECT_GT(ShipAndCountSecond(20), 0u) << "a configured host was dropped";
}

}  // namespace
}  // namespace transport
