// Tests for esim, the Elasticsearch test server: starts the real `esim` binary on port 0
// and talks HTTP/1.1 to it over loopback with a small client of its own.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/esim/esim_process.h"

namespace esim {
namespace {

using namespace std::chrono_literals;

// Every wait in these tests is bounded by this.
constexpr auto kIoTimeout = 10s;

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (strcasecmp(key.c_str(), std::string(name).c_str()) == 0) return value;
    }
    return "";
  }
  std::vector<std::string> HeaderValues(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : headers) {
      if (strcasecmp(key.c_str(), std::string(name).c_str()) == 0) out.push_back(value);
    }
    return out;
  }
};

// A test-only HTTP/1.1 client connection with receive timeouts.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(kIoTimeout.count()), 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool SendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  static std::string Build(std::string_view method, std::string_view target, std::string_view body,
                           std::vector<std::pair<std::string, std::string>> headers = {},
                           bool content_type = true) {
    std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n";
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      out += k + ": " + v + "\r\n";
      if (strcasecmp(k.c_str(), "content-type") == 0) has_type = true;
    }
    if (!body.empty() && content_type && !has_type) out += "Content-Type: application/x-ndjson\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    return out;
  }

  std::optional<Response> Request(std::string_view method, std::string_view target,
                                  std::string_view body = {},
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!SendRaw(Build(method, target, body, std::move(headers)))) return std::nullopt;
    return Read(method == "HEAD");
  }

  // Reads one response. nullopt on EOF or a timeout before it is complete.
  std::optional<Response> Read(bool head_only = false) {
    std::size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Response response;
    std::string_view head(in_.data(), head_end);
    if (head.size() < 12) return std::nullopt;
    response.status = std::stoi(std::string(head.substr(9, 3)));
    std::size_t length = 0;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string_view line =
          head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string key(line.substr(0, colon));
        std::string value(line.substr(colon + 1));
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (strcasecmp(key.c_str(), "content-length") == 0) length = std::stoul(value);
        response.headers.emplace_back(key, value);
      }
      pos = next;
    }
    if (head_only) length = 0;
    while (in_.size() < head_end + 4 + length) {
      if (!Fill()) return std::nullopt;
    }
    response.body = in_.substr(head_end + 4, length);
    in_.erase(0, head_end + 4 + length);
    return response;
  }

  // Reads until the peer closes; returns everything received.
  std::string ReadToEof() {
    while (Fill()) {
    }
    return std::exchange(in_, "");
  }

  const std::string& buffered() const { return in_; }
  bool Fill() {
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string in_;
};

std::string Gzip(std::string_view text) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string CreateLine(std::string_view index, std::string_view id, std::string_view doc) {
  return "{\"create\":{\"_index\":\"" + std::string(index) + "\",\"_id\":\"" + std::string(id) +
         "\"}}\n" + std::string(doc) + "\n";
}

class EsimTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(std::vector<std::string> args) {
    process_.reset();
    process_ = std::make_unique<EsimProcess>(ESIM_BINARY, args);
    ASSERT_NE(process_->port(), 0) << "esim did not start: '" << process_->first_line() << "'";
    client_ = std::make_unique<Client>(process_->port());
    ASSERT_TRUE(client_->connected());
  }

  void TearDown() override {
    client_.reset();
    if (process_) {
      EXPECT_EQ(process_->Stop(), 0) << "esim must exit 0 on SIGTERM";
    }
  }

  Response Do(std::string_view method, std::string_view target, std::string_view body = {},
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::optional<Response> response = client_->Request(method, target, body, std::move(headers));
    EXPECT_TRUE(response.has_value()) << method << " " << target << ": no response";
    return response.value_or(Response{});
  }

  simdjson::dom::element Json(const std::string& text) {
    simdjson::dom::element element;
    auto error = parser_.parse(text).get(element);
    EXPECT_EQ(error, simdjson::SUCCESS) << "not JSON: " << text;
    return element;
  }

  // A value at a JSON pointer ("/items/0/create/status") as text; "<missing>" when absent.
  std::string At(const std::string& text, std::string_view pointer) {
    simdjson::dom::element element;
    if (parser_.parse(text).get(element) != simdjson::SUCCESS) return "<not json>";
    simdjson::dom::element value;
    if (element.at_pointer(pointer).get(value) != simdjson::SUCCESS) return "<missing>";
    if (value.is_string()) return std::string(std::string_view(value));
    return simdjson::minify(value);
  }

  int64_t Count(std::string_view index) {
    Response response = Do("GET", "/" + std::string(index) + "/_count");
    if (response.status != 200) return -1;
    return std::stoll(At(response.body, "/count"));
  }

  void SetFaults(std::string_view json) {
    Response response = Do("PUT", "/_esim/faults", json, {{"Content-Type", "application/json"}});
    ASSERT_EQ(response.status, 200) << response.body;
  }

  std::unique_ptr<EsimProcess> process_;
  std::unique_ptr<Client> client_;
  simdjson::dom::parser parser_;
};

TEST_F(EsimTest, InfoAnswersLikeElasticsearch8WithProductHeader) {
  Response response = Do("GET", "/");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("X-Elastic-Product"), "Elasticsearch");
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(At(response.body, "/version/number"), "8.15.0");
  EXPECT_EQ(At(response.body, "/version/build_flavor"), "default");
  EXPECT_EQ(At(response.body, "/tagline"), "You Know, for Search");
  EXPECT_NE(At(response.body, "/cluster_uuid"), "<missing>");

  Response head = Do("HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), std::to_string(response.body.size()));
  EXPECT_TRUE(head.body.empty());
}

TEST_F(EsimTest, BulkCreatesDocumentsAndAnswersEveryItemInOrder) {
  std::string body = CreateLine("app", "a", R"({"message":"one"})") +
                     CreateLine("app", "b", R"({"message":"two"})") +
                     "{\"index\":{\"_index\":\"app\",\"_id\":\"c\"}}\n{\"message\":\"three\"}\n";
  Response response = Do("POST", "/_bulk", body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("X-Elastic-Product"), "Elasticsearch");
  EXPECT_EQ(At(response.body, "/errors"), "false");
  EXPECT_NE(At(response.body, "/took"), "<missing>");
  EXPECT_EQ(At(response.body, "/items/0/create/_id"), "a");
  EXPECT_EQ(At(response.body, "/items/0/create/_index"), "app");
  EXPECT_EQ(At(response.body, "/items/0/create/status"), "201");
  EXPECT_EQ(At(response.body, "/items/0/create/result"), "created");
  EXPECT_EQ(At(response.body, "/items/0/create/_version"), "1");
  EXPECT_EQ(At(response.body, "/items/0/create/_seq_no"), "0");
  EXPECT_EQ(At(response.body, "/items/0/create/_primary_term"), "1");
  EXPECT_EQ(At(response.body, "/items/0/create/_shards"),
            R"({"total":2,"successful":1,"failed":0})");
  EXPECT_EQ(At(response.body, "/items/1/create/_seq_no"), "1");
  EXPECT_EQ(At(response.body, "/items/2/index/_id"), "c");
  EXPECT_EQ(Count("app"), 3);

  Response doc = Do("GET", "/app/_doc/b");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(At(doc.body, "/found"), "true");
  EXPECT_EQ(At(doc.body, "/_source/message"), "two");
  EXPECT_EQ(Do("GET", "/app/_doc/zzz").status, 404);
}

TEST_F(EsimTest, DefaultIndexComesFromTheUrlAndIdsAreGeneratedWhenAbsent) {
  Response response =
      Do("PUT", "/web/_bulk", "{\"create\":{}}\n{\"m\":1}\n{\"index\":{}}\n{\"m\":2}\n");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(At(response.body, "/items/0/create/_index"), "web");
  std::string id0 = At(response.body, "/items/0/create/_id");
  std::string id1 = At(response.body, "/items/1/index/_id");
  EXPECT_EQ(id0.size(), 20u) << id0;
  EXPECT_EQ(id1.size(), 20u) << id1;
  EXPECT_NE(id0, id1);
  EXPECT_EQ(Count("web"), 2);
}

TEST_F(EsimTest, CreateOfAnExistingIdIsAnItemLevel409WithTheEsReason) {
  ASSERT_EQ(Do("POST", "/_bulk", CreateLine("dup", "x1", "{}")).status, 200);
  Response response =
      Do("POST", "/_bulk", CreateLine("dup", "x1", "{}") + CreateLine("dup", "x2", "{}"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(At(response.body, "/errors"), "true");
  EXPECT_EQ(At(response.body, "/items/0/create/status"), "409");
  EXPECT_EQ(At(response.body, "/items/0/create/error/type"), "version_conflict_engine_exception");
  EXPECT_EQ(At(response.body, "/items/0/create/error/reason"),
            "[x1]: version conflict, document already exists (current version [1])");
  EXPECT_EQ(At(response.body, "/items/0/create/error/shard"), "0");
  EXPECT_EQ(At(response.body, "/items/0/create/error/index"), "dup");
  EXPECT_EQ(At(response.body, "/items/1/create/status"), "201");
  EXPECT_EQ(Count("dup"), 2);
}

TEST_F(EsimTest, IndexOverwritesAndBumpsTheVersion) {
  ASSERT_EQ(
      Do("POST", "/_bulk", "{\"index\":{\"_index\":\"v\",\"_id\":\"1\"}}\n{\"n\":1}\n").status,
      200);
  Response response =
      Do("POST", "/_bulk", "{\"index\":{\"_index\":\"v\",\"_id\":\"1\"}}\n{\"n\":2}\n");
  EXPECT_EQ(At(response.body, "/items/0/index/result"), "updated");
  EXPECT_EQ(At(response.body, "/items/0/index/_version"), "2");
  EXPECT_EQ(At(response.body, "/items/0/index/status"), "200");
  EXPECT_EQ(At(Do("GET", "/v/_doc/1").body, "/_source/n"), "2");
}

TEST_F(EsimTest, FilterPathKeepsOnlyTheRequestedFields) {
  ASSERT_EQ(Do("POST", "/_bulk", CreateLine("f", "1", "{}")).status, 200);
  std::string body = CreateLine("f", "1", "{}") + CreateLine("f", "2", "{}");
  Response shipper = Do("POST", "/_bulk?filter_path=errors,items.*.error,items.*.status", body);
  ASSERT_EQ(shipper.status, 200);
  simdjson::dom::element root = Json(shipper.body);
  simdjson::dom::object top = root.get_object();
  EXPECT_EQ(top.size(), 2u) << shipper.body;
  EXPECT_EQ(At(shipper.body, "/errors"), "true");
  EXPECT_EQ(At(shipper.body, "/items/0/create/status"), "409");
  EXPECT_EQ(At(shipper.body, "/items/0/create/error/type"), "version_conflict_engine_exception");
  EXPECT_EQ(At(shipper.body, "/items/0/create/_id"), "<missing>");
  EXPECT_EQ(At(shipper.body, "/items/1/create"), R"({"status":201})");

  Response ids = Do("POST", "/_bulk?filter_path=items.*._id", CreateLine("f", "3", "{}"));
  EXPECT_EQ(ids.body, R"({"items":[{"create":{"_id":"3"}}]})");

  Response nested =
      Do("POST", "/_bulk?filter_path=items.*.error.type,took", CreateLine("f", "3", "{}"));
  EXPECT_EQ(At(nested.body, "/items/0/create/error"),
            R"({"type":"version_conflict_engine_exception"})");
  EXPECT_NE(At(nested.body, "/took"), "<missing>");

  Response nothing = Do("POST", "/_bulk?filter_path=items.*.error", CreateLine("f", "4", "{}"));
  EXPECT_EQ(nothing.body, "{}");

  // Filtering applies to every API, with wildcards, ** and exclusions.
  EXPECT_EQ(Do("GET", "/f/_count?filter_path=count").body, R"({"count":4})");
  EXPECT_EQ(Do("GET", "/f/_count?filter_path=_sh*.total").body, R"({"_shards":{"total":1}})");
  EXPECT_EQ(Do("GET", "/?filter_path=**.number").body, R"({"version":{"number":"8.15.0"}})");
  EXPECT_EQ(At(Do("GET", "/f/_count?filter_path=-_shards").body, ""), R"({"count":4})");
}

TEST_F(EsimTest, BodyNotEndingInNewlineIsAWholeRequest400) {
  Response response = Do("POST", "/_bulk", "{\"create\":{\"_index\":\"n\"}}\n{}");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(At(response.body, "/error/type"), "illegal_argument_exception");
  EXPECT_EQ(At(response.body, "/error/reason"),
            "The bulk request must be terminated by a newline [\\n]");
  EXPECT_EQ(At(response.body, "/error/root_cause/0/type"), "illegal_argument_exception");
  EXPECT_EQ(At(response.body, "/status"), "400");
  EXPECT_EQ(Count("n"), -1) << "nothing may be stored";
}

TEST_F(EsimTest, MalformedActionLineFailsTheWholeRequestNamingTheLine) {
  Response response =
      Do("POST", "/_bulk", "{\"index\":{\"_index\":\"m\",\"_id\":\"1\"}}\n{\"f\":1}\n{}\n",
         {{"Content-Type", "application/json"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(At(response.body, "/error/reason"),
            "Malformed action/metadata line [3], expected FIELD_NAME but found [END_OBJECT]");
  EXPECT_EQ(Count("m"), -1);

  Response unknown = Do("POST", "/_bulk", "{\"upsert\":{\"_index\":\"m\"}}\n{}\n");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(At(unknown.body, "/error/reason"),
            "Malformed action/metadata line [1], expected field [create], [delete], [index] or "
            "[update] but found [upsert]");
  Response param = Do("POST", "/_bulk", "{\"index\":{\"_index\":\"m\",\"_type\":\"doc\"}}\n{}\n");
  EXPECT_EQ(At(param.body, "/error/reason"),
            "Action/metadata line [1] contains an unknown parameter [_type]");
  Response array = Do("POST", "/_bulk", "[1]\n");
  EXPECT_EQ(At(array.body, "/error/reason"),
            "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]");
}

TEST_F(EsimTest, MalformedSourceLineFailsOnlyItsItem) {
  Response response = Do("POST", "/_bulk",
                         CreateLine("s", "1", "{\"a\":") + CreateLine("s", "2", "{\"a\":1}") +
                             CreateLine("s", "3", "[1,2]"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(At(response.body, "/errors"), "true");
  EXPECT_EQ(At(response.body, "/items/0/create/status"), "400");
  EXPECT_EQ(At(response.body, "/items/0/create/error/type"), "document_parsing_exception");
  EXPECT_EQ(At(response.body, "/items/1/create/status"), "201");
  EXPECT_EQ(At(response.body, "/items/2/create/status"), "400");
  EXPECT_EQ(Count("s"), 1);
}

TEST_F(EsimTest, RequestValidationErrorsMatchElasticsearch) {
  Response no_index = Do("POST", "/_bulk", "{\"create\":{}}\n{}\n");
  EXPECT_EQ(no_index.status, 400);
  EXPECT_EQ(At(no_index.body, "/error/type"), "action_request_validation_exception");
  EXPECT_EQ(At(no_index.body, "/error/reason"), "Validation Failed: 1: index is missing;");

  Response empty = Do("POST", "/_bulk", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(At(empty.body, "/error/reason"), "request body is required");

  Response empty_id = Do("POST", "/_bulk", CreateLine("e", "", "{}"));
  EXPECT_EQ(At(empty_id.body, "/items/0/create/error/reason"),
            "if _id is specified it must not be empty");

  Response upper = Do("POST", "/_bulk", CreateLine("Upper", "1", "{}"));
  EXPECT_EQ(At(upper.body, "/items/0/create/error/type"), "invalid_index_name_exception");

  Response text =
      Do("POST", "/_bulk", CreateLine("t", "1", "{}"), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 406);
  EXPECT_EQ(text.body,
            R"({"error":"Content-Type header [text/plain] is not supported","status":406})");

  Response compat =
      Do("POST", "/_bulk", CreateLine("t", "1", "{}"),
         {{"Content-Type", "application/vnd.elasticsearch+x-ndjson; compatible-with=8"}});
  EXPECT_EQ(compat.status, 200);
  EXPECT_EQ(Do("GET", "/_bulk").status, 405);
  Response unknown_param =
      Do("POST", "/_bulk?refresh=false&colour=blue", CreateLine("t", "2", "{}"));
  EXPECT_EQ(unknown_param.status, 400);
  EXPECT_EQ(At(unknown_param.body, "/error/reason"),
            "request [/_bulk] contains unrecognized parameter: [colour]");
  EXPECT_EQ(Do("GET", "/a/b/c/d").status, 400);
}

TEST_F(EsimTest, DataStreamsTakeOnlyCreateAndRequireTimestamp) {
  Response response = Do(
      "POST", "/_bulk",
      "{\"index\":{\"_index\":\"logs-app-default\"}}\n{\"@timestamp\":\"2026-01-01T00:00:00Z\"}\n" +
          CreateLine("logs-app-default", "1", "{\"message\":\"x\"}") +
          CreateLine("logs-app-default", "2", "{\"@timestamp\":\"2026-01-01T00:00:00Z\"}"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(At(response.body, "/items/0/index/status"), "400");
  EXPECT_EQ(At(response.body, "/items/0/index/error/reason"),
            "only write ops with an op_type of create are allowed in data streams");
  EXPECT_EQ(At(response.body, "/items/1/create/status"), "400");
  EXPECT_EQ(At(response.body, "/items/1/create/error/type"), "document_parsing_exception");
  EXPECT_EQ(At(response.body, "/items/1/create/error/caused_by/reason"),
            "data stream timestamp field [@timestamp] is missing");
  EXPECT_EQ(At(response.body, "/items/2/create/status"), "201");
  EXPECT_TRUE(At(response.body, "/items/2/create/_index").starts_with(".ds-logs-app-default-"));
  EXPECT_EQ(Count("logs-app-default"), 1);
}

TEST_F(EsimTest, ItemFaultsRejectItemsWithoutStoringThem) {
  std::string body;
  for (int i = 0; i < 50; ++i) body += CreateLine("q", "id" + std::to_string(i), "{}");
  SetFaults(R"({"item_429_ratio":1})");
  Response rejected = Do("POST", "/_bulk", body);
  ASSERT_EQ(rejected.status, 200);
  EXPECT_EQ(At(rejected.body, "/errors"), "true");
  EXPECT_EQ(At(rejected.body, "/items/0/create/status"), "429");
  EXPECT_EQ(At(rejected.body, "/items/0/create/error/type"), "es_rejected_execution_exception");
  EXPECT_EQ(At(rejected.body, "/items/49/create/status"), "429");
  EXPECT_EQ(Count("q"), 0);

  SetFaults(R"({"item_400_ratio":0.3,"item_503_ratio":0.3})");
  Response mixed = Do("POST", "/_bulk", body);
  int s201 = 0, s400 = 0, s503 = 0;
  for (int i = 0; i < 50; ++i) {
    std::string status = At(mixed.body, "/items/" + std::to_string(i) + "/create/status");
    s201 += status == "201";
    s400 += status == "400";
    s503 += status == "503";
  }
  EXPECT_EQ(s201 + s400 + s503, 50);
  EXPECT_GT(s400, 0);
  EXPECT_GT(s503, 0);
  EXPECT_GT(s201, 0);
  EXPECT_EQ(Count("q"), s201);

  ASSERT_EQ(Do("DELETE", "/_esim/faults").status, 200);
  Response retry = Do("POST", "/_bulk", body);
  EXPECT_EQ(Count("q"), 50) << "a retry stores what the faults rejected";
  EXPECT_EQ(At(retry.body, "/errors"), "true") << "the earlier successes now conflict";
}

TEST_F(EsimTest, RequestFaultAnswersTheNextRequestsWholeWithEsErrorBodies) {
  SetFaults(R"({"request_status":429,"request_count":2,"retry_after_s":3})");
  Response first = Do("POST", "/_bulk", CreateLine("r", "1", "{}"));
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.Header("Retry-After"), "3");
  EXPECT_EQ(At(first.body, "/error/type"), "es_rejected_execution_exception");
  EXPECT_EQ(At(first.body, "/status"), "429");
  EXPECT_EQ(Do("POST", "/_bulk", CreateLine("r", "1", "{}")).status, 429);
  EXPECT_EQ(Count("r"), -1);
  EXPECT_EQ(Do("POST", "/_bulk", CreateLine("r", "1", "{}")).status, 200);
  EXPECT_EQ(Count("r"), 1);

  SetFaults(R"({"request_status":429,"request_error":"circuit_breaking_exception"})");
  Response breaker = Do("POST", "/_bulk", CreateLine("r", "2", "{}"));
  EXPECT_EQ(breaker.status, 429);
  EXPECT_EQ(At(breaker.body, "/error/type"), "circuit_breaking_exception");
  EXPECT_EQ(At(breaker.body, "/error/durability"), "TRANSIENT");

  SetFaults(R"({"request_status":503})");
  Response unavailable = Do("POST", "/_bulk", CreateLine("r", "2", "{}"));
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(At(unavailable.body, "/status"), "503");
  EXPECT_EQ(Do("POST", "/_bulk", CreateLine("r", "2", "{}")).status, 200);

  EXPECT_EQ(
      Do("PUT", "/_esim/faults", R"({"item_429_ratio":2})", {{"Content-Type", "application/json"}})
          .status,
      400);
  EXPECT_EQ(
      Do("PUT", "/_esim/faults", R"({"no_such_fault":1})", {{"Content-Type", "application/json"}})
          .status,
      400);
}

TEST_F(EsimTest, DelayFaultHoldsEachBulkResponse) {
  SetFaults(R"({"delay_ms":300})");
  const auto start = std::chrono::steady_clock::now();
  Response response = Do("POST", "/_bulk", CreateLine("d", "1", "{}"));
  EXPECT_EQ(response.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST_F(EsimTest, DropFaultClosesTheConnectionMidResponseAfterApplyingTheRequest) {
  SetFaults(R"({"drop_next":1})");
  ASSERT_TRUE(client_->SendRaw(Client::Build("POST", "/_bulk", CreateLine("x", "1", "{}"))));
  std::string partial = client_->ReadToEof();
  EXPECT_FALSE(partial.empty());
  EXPECT_TRUE(partial.starts_with("HTTP/1.1 200")) << partial;
  EXPECT_EQ(partial.find("\r\n\r\n"), std::string::npos) << "the head must be cut short";

  client_ = std::make_unique<Client>(process_->port());
  EXPECT_EQ(Count("x"), 1) << "the request was applied before its response was lost";
  Response retry = Do("POST", "/_bulk", CreateLine("x", "1", "{}"));
  EXPECT_EQ(At(retry.body, "/items/0/create/status"), "409");
  EXPECT_EQ(At(Do("GET", "/_esim/stats").body, "/connections_dropped"), "1");
}

TEST_F(EsimTest, RequiredCredentialsAreCheckedWith401AndWwwAuthenticate) {
  SetFaults(R"({"require":{"basic":"user:pass","api_key":"a2V5OnNlY3JldA==","bearer":"tok"}})");
  Response missing = Do("GET", "/");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("X-Elastic-Product"), "Elasticsearch");
  std::vector<std::string> realms = missing.HeaderValues("WWW-Authenticate");
  EXPECT_EQ(realms, (std::vector<std::string>{"Basic realm=\"security\" charset=\"UTF-8\"",
                                              "Bearer realm=\"security\"", "ApiKey"}));
  EXPECT_EQ(At(missing.body, "/error/type"), "security_exception");
  EXPECT_EQ(At(missing.body, "/error/reason"),
            "missing authentication credentials for REST request [/]");
  EXPECT_EQ(At(missing.body, "/error/header/WWW-Authenticate/2"), "ApiKey");

  Response wrong = Do("POST", "/_bulk", CreateLine("a", "1", "{}"),
                      {{"Authorization", "Basic dXNlcjp3cm9uZw=="}});  // user:wrong
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(At(wrong.body, "/error/reason"),
            "unable to authenticate user [user] for REST request [/_bulk]");
  EXPECT_EQ(Count("a"), -1);

  EXPECT_EQ(Do("GET", "/", "", {{"Authorization", "Basic dXNlcjpwYXNz"}}).status, 200);
  EXPECT_EQ(Do("GET", "/", "", {{"Authorization", "ApiKey a2V5OnNlY3JldA=="}}).status, 200);
  EXPECT_EQ(Do("GET", "/", "", {{"Authorization", "Bearer tok"}}).status, 200);
  EXPECT_EQ(Do("GET", "/", "", {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(Do("GET", "/_esim/stats").status, 200) << "the admin API needs no credentials";
}

TEST_F(EsimTest, CommandLineCredentialsAreRequiredFromTheStart) {
  Start({"--require-api-key", "c2VjcmV0"});
  EXPECT_EQ(Do("GET", "/").status, 401);
  EXPECT_EQ(Do("GET", "/", "", {{"Authorization", "ApiKey c2VjcmV0"}}).status, 200);
}

TEST_F(EsimTest, OversizedBodiesGet413AndTheConnectionStaysUsable) {
  SetFaults(R"({"max_request_bytes":100})");
  std::string big;
  for (int i = 0; i < 10; ++i)
    big += CreateLine("big", std::to_string(i), "{\"padding\":\"xxxxxxxxxx\"}");
  Response response = Do("POST", "/_bulk", big);
  EXPECT_EQ(response.status, 413);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(Do("POST", "/_bulk", CreateLine("big", "1", "{}")).status, 200);
  EXPECT_EQ(Count("big"), 1);

  Start({"--max-request-bytes", "64"});
  EXPECT_EQ(Do("POST", "/_bulk", big).status, 413);
  EXPECT_EQ(Do("GET", "/").status, 200);
}

TEST_F(EsimTest, GzipBodiesAreDecoded) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += CreateLine("gz", std::to_string(i), "{\"message\":\"compressed\"}");
  Response response = Do("POST", "/_bulk", Gzip(body), {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(At(response.body, "/errors"), "false");
  EXPECT_EQ(Count("gz"), 100);
  Response corrupt = Do("POST", "/_bulk", "not gzip at all\n", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400);
}

TEST_F(EsimTest, ChunkedBodiesAreReassembled) {
  std::string body = CreateLine("ch", "1", "{\"a\":1}") + CreateLine("ch", "2", "{\"a\":2}");
  std::string raw =
      "POST /_bulk HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 7) {
    std::string piece = body.substr(at, 7);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", piece.size());
    raw += std::string(size) + "\r\n" + piece + "\r\n";
  }
  raw += "0\r\n\r\n";
  ASSERT_TRUE(client_->SendRaw(raw));
  std::optional<Response> response = client_->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(Count("ch"), 2);
}

TEST_F(EsimTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  std::string body = CreateLine("ec", "1", "{}");
  std::string head =
      "POST /_bulk HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_TRUE(client_->SendRaw(head));
  std::optional<Response> interim = client_->Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client_->SendRaw(body));
  std::optional<Response> response = client_->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(Count("ec"), 1);
}

TEST_F(EsimTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string raw = Client::Build("POST", "/_bulk", CreateLine("p", "1", "{}")) +
                    Client::Build("GET", "/p/_count", "") +
                    Client::Build("POST", "/_bulk", CreateLine("p", "1", "{}")) +
                    Client::Build("GET", "/p/_doc/1", "");
  ASSERT_TRUE(client_->SendRaw(raw));
  std::optional<Response> a = client_->Read();
  std::optional<Response> b = client_->Read();
  std::optional<Response> c = client_->Read();
  std::optional<Response> d = client_->Read();
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(At(a->body, "/items/0/create/status"), "201");
  EXPECT_EQ(At(b->body, "/count"), "1");
  EXPECT_EQ(At(c->body, "/items/0/create/status"), "409");
  EXPECT_EQ(At(d->body, "/_id"), "1");
}

TEST_F(EsimTest, ConnectionCloseEndsTheConnectionAfterTheResponse) {
  ASSERT_TRUE(client_->SendRaw(Client::Build("GET", "/", "", {{"Connection", "close"}})));
  std::optional<Response> response = client_->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_EQ(client_->ReadToEof(), "");
}

TEST_F(EsimTest, StatsDumpAndCountReflectWhatWasStored) {
  ASSERT_EQ(Do("POST", "/_bulk",
               CreateLine("s1", "a", R"({"k":"v"})") + CreateLine("s2", "b", "{}") +
                   CreateLine("s2", "b", "{}"))
                .status,
            200);
  Response stats = Do("GET", "/_esim/stats");
  EXPECT_EQ(At(stats.body, "/bulk_requests"), "1");
  EXPECT_EQ(At(stats.body, "/documents_stored"), "2");
  EXPECT_EQ(At(stats.body, "/items_by_status/201"), "2");
  EXPECT_EQ(At(stats.body, "/items_by_status/409"), "1");
  EXPECT_EQ(At(stats.body, "/requests_by_status/200"), "1");
  EXPECT_EQ(At(stats.body, "/indices/s2"), "1");
  EXPECT_NE(At(stats.body, "/bulk_bytes_received"), "0");

  Response dump = Do("GET", "/_esim/dump?index=s1");
  EXPECT_EQ(dump.Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(dump.body, "{\"_index\":\"s1\",\"_id\":\"a\",\"_source\":{\"k\":\"v\"}}\n");
  Response all = Do("GET", "/_esim/dump");
  EXPECT_EQ(std::count(all.body.begin(), all.body.end(), '\n'), 2);
  EXPECT_EQ(Count("s*"), 2);
  EXPECT_EQ(Count("s1,s2"), 2);
  EXPECT_EQ(Count("nope"), -1);

  ASSERT_EQ(Do("POST", "/_esim/reset").status, 200);
  EXPECT_EQ(At(Do("GET", "/_esim/stats").body, "/documents_stored"), "0");
  EXPECT_EQ(Count("s1"), -1);
}

TEST_F(EsimTest, IndexManagementEndpointsUseEsShapes) {
  EXPECT_EQ(Do("HEAD", "/mi").status, 404);
  Response created = Do("PUT", "/mi");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(At(created.body, "/acknowledged"), "true");
  EXPECT_EQ(Do("PUT", "/mi").status, 400);
  EXPECT_EQ(Do("HEAD", "/mi").status, 200);
  EXPECT_EQ(Do("POST", "/mi/_refresh").status, 200);
  Response single = Do("PUT", "/mi/_doc/7", R"({"n":7})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(single.status, 201);
  EXPECT_EQ(At(single.body, "/result"), "created");
  Response conflict =
      Do("PUT", "/mi/_create/7", R"({"n":7})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(At(conflict.body, "/error/type"), "version_conflict_engine_exception");
  EXPECT_EQ(Do("DELETE", "/mi").status, 200);
  EXPECT_EQ(Do("DELETE", "/mi").status, 404);
  EXPECT_EQ(At(Do("GET", "/mi/_count").body, "/error/type"), "index_not_found_exception");
}

TEST_F(EsimTest, WritesThroughAnAliasLandInItsWriteIndex) {
  ASSERT_EQ(Do("PUT", "/backing-1", R"({"aliases":{"current":{"is_write_index":true}}})",
               {{"Content-Type", "application/json"}})
                .status,
            200);
  ASSERT_EQ(Do("PUT", "/backing-0").status, 200);
  ASSERT_EQ(Do("PUT", "/backing-0/_alias/current").status, 200);
  Response response = Do("POST", "/_bulk?require_alias=true",
                         CreateLine("current", "1", "{}") + CreateLine("plain", "1", "{}"));
  EXPECT_EQ(At(response.body, "/items/0/create/_index"), "backing-1");
  EXPECT_EQ(At(response.body, "/items/1/create/status"), "404");
  EXPECT_EQ(At(response.body, "/items/1/create/error/type"), "index_not_found_exception");
  EXPECT_EQ(Count("current"), 1);
  EXPECT_EQ(Count("backing-0"), 0);
}

TEST_F(EsimTest, NoSourceKeepsIdsAndCountsButNotBodies) {
  Start({"--no-source"});
  ASSERT_EQ(Do("POST", "/_bulk", CreateLine("ns", "1", R"({"big":"body"})")).status, 200);
  EXPECT_EQ(Count("ns"), 1);
  Response doc = Do("GET", "/ns/_doc/1");
  EXPECT_EQ(At(doc.body, "/found"), "true");
  EXPECT_EQ(At(doc.body, "/_source"), "<missing>");
  EXPECT_EQ(At(Do("POST", "/_bulk", CreateLine("ns", "1", "{}")).body, "/items/0/create/status"),
            "409");
}

TEST_F(EsimTest, PortFileIsWrittenAtomically) {
  std::string path = ::testing::TempDir() + "esim_port_" + std::to_string(getpid());
  Start({"--port-file", path});
  std::ifstream in(path);
  int port = 0;
  in >> port;
  EXPECT_EQ(port, process_->port());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

// The made-here response fixtures describe ES's item error shapes; esim's must match them.
TEST_F(EsimTest, ConflictItemHasTheFieldsOfTheResponseFixture) {
  std::ifstream in(std::string(ESIM_VECTORS_DIR) + "/es-bulk-responses/bulk-responses.json");
  if (!in) GTEST_SKIP() << "vectors not found at " << ESIM_VECTORS_DIR;
  std::string fixtures((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string expected_error =
      At(fixtures, "/fixtures/mixed_item_errors/body/items/1/create/error");
  ASSERT_NE(expected_error, "<missing>");
  ASSERT_EQ(Do("POST", "/_bulk", CreateLine("fx", "b", "{}")).status, 200);
  Response response = Do("POST", "/_bulk", CreateLine("fx", "b", "{}"));
  std::string actual_error = At(response.body, "/items/0/create/error");

  auto keys = [this](const std::string& json) {
    std::vector<std::string> out;
    simdjson::dom::element element;
    if (parser_.parse(json).get(element) != simdjson::SUCCESS) return out;
    for (auto [key, value] : simdjson::dom::object(element)) out.emplace_back(key);
    return out;
  };
  EXPECT_EQ(keys(actual_error), keys(expected_error));
  EXPECT_EQ(At(response.body, "/items/0/create/error/reason"),
            std::string("[b]: version conflict, document already exists (current version [1])"));
  EXPECT_EQ(At(fixtures, "/fixtures/mixed_item_errors/body/items/1/create/error/reason"),
            "[b]: version conflict, document already exists (current version [1])");
}

}  // namespace
}  // namespace esim
