// A real Prometheus server scrapes a registry served by HttpServer, and the values are
// read back through Prometheus's HTTP API: proof that the exposition is what Prometheus
// parses (escaping, histograms, content type), not just what our own tests expect.
//
// The registry is served from a loop on a second thread (everything set before the
// thread starts, never touched again); the test thread drives Prometheus with blocking
// HTTP calls to its API. Prometheus is killed on every path: by the fixture's TearDown,
// and by the kernel (PR_SET_PDEATHSIG) if this process dies first.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "platforms/base/uv_handle.h"
#include "platforms/metrics/http_server.h"
#include "platforms/metrics/metrics_routes.h"
#include "platforms/metrics/registry.h"

namespace metrics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Prometheus needs a few seconds to start and its first scrape comes within one interval.
constexpr seconds kScrapeWait{60};
constexpr seconds kStopWait{10};
constexpr milliseconds kPollInterval{200};
constexpr milliseconds kHttpTimeout{2000};
constexpr std::string_view kWeirdLabel = "a \"quoted\" \\back\\slash\nnext line";

std::string FindPrometheus() {
  if (const char* env = std::getenv("SKIFF_PROMETHEUS"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/prometheus";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A port nobody listens on right now (the kernel's pick); Prometheus binds it soon after.
uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:port/target, blocking, every step bounded by kHttpTimeout.
std::optional<HttpReply> HttpGet(uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{};
  tv.tv_sec = kHttpTimeout.count() / 1000;
  tv.tv_usec = (kHttpTimeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string raw;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      std::array<char, 16 * 1024> chunk{};
      ssize_t n = 0;
      while ((n = ::recv(fd, chunk.data(), chunk.size(), 0)) > 0) {
        raw.append(chunk.data(), static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  std::size_t head_end = raw.find("\r\n\r\n");
  std::size_t space = raw.find(' ');
  if (head_end == std::string::npos || space == std::string::npos) return std::nullopt;
  return HttpReply{std::atoi(raw.c_str() + space + 1), raw.substr(head_end + 4)};
}

std::string UrlEncode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// One series of an instant query's answer.
struct Series {
  std::map<std::string, std::string> labels;
  std::string value;  // as Prometheus prints it
};

// A process started by the test and stopped (TERM, then KILL) whatever happens.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Stop(); }

  bool started() const { return pid_ > 0; }

  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kStopWait;
    while (!Exited() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
};

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_ = FindPrometheus();
    if (prometheus_.empty()) {
      GTEST_SKIP() << "the prometheus binary is not installed (Debian: apt-get install "
                      "prometheus; scripts/install-deps.sh installs it), or set SKIFF_PROMETHEUS";
    }
    char dir[] = "/tmp/skiff-prometheus-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    loop_initialized_ = true;
  }

  void TearDown() override {
    prometheus_process_.reset();
    StopServing();
    if (loop_initialized_) {
      int rc = uv_loop_close(&loop_);
      EXPECT_EQ(rc, 0) << "handles left open on the loop";
      if (rc != 0) base::CloseLoop(&loop_);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Fills the registry with known values: one of each kind, a labelled counter, and a
  // collector whose label value needs every escape.
  void FillRegistry() {
    registry_.AddCounter("skiff_test_counter", "A counter the test sets to 42.").Increment(42);
    registry_.AddGauge("skiff_test_gauge", "A gauge.\nHelp with a newline and a \\.").Set(2.5);
    registry_.AddCounter("skiff_test_requests_total", "Requests by outcome.", {{"outcome", "ok"}})
        .Increment(7);
    registry_
        .AddCounter("skiff_test_requests_total", "Requests by outcome.", {{"outcome", "error"}})
        .Increment(3);
    Histogram& latency = registry_.AddHistogram("skiff_test_latency_seconds", "Latency.",
                                                std::array<double, 2>{0.1, 1});
    for (double v : {0.0625, 0.5, 0.5, 4.0}) latency.Observe(v);
    collector_ = registry_.AddCollector([](SampleWriter& w) {
      w.Gauge("skiff_test_collected", "From a collector.", 5, {{"input", kWeirdLabel}});
    });
  }

  // Serves the registry on 127.0.0.1 from a loop on its own thread.
  void StartServing() {
    server_ = std::make_unique<HttpServer>(&loop_);
    AddMetricsRoutes(*server_, registry_, nullptr);
    base::Status status = server_->ListenTcp("127.0.0.1:0");
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(uv_async_init(&loop_, stop_.get(),
                            [](uv_async_t* a) {
                              auto* self = static_cast<PrometheusScrapeTest*>(a->data);
                              self->server_->Close();
                              self->stop_.Reset();
                            }),
              0);
    stop_.MarkInitialized();
    stop_->data = this;
    loop_thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }

  void StopServing() {
    if (!loop_thread_.joinable()) return;
    uv_async_send(stop_.get());
    loop_thread_.join();
    server_.reset();
  }

  void StartPrometheus() {
    prometheus_port_ = FreeLoopbackPort();
    ASSERT_NE(prometheus_port_, 0);
    std::string config_path = dir_ + "/prometheus.yml";
    std::ofstream(config_path) << "global:\n"
                                  "  scrape_interval: 1s\n"
                                  "  scrape_timeout: 1s\n"
                                  "  evaluation_interval: 1s\n"
                                  "scrape_configs:\n"
                                  "  - job_name: skiff\n"
                                  "    static_configs:\n"
                                  "      - targets: ['127.0.0.1:"
                               << server_->tcp_port() << "']\n";
    log_path_ = dir_ + "/prometheus.log";
    prometheus_process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            prometheus_,
            "--config.file=" + config_path,
            "--storage.tsdb.path=" + dir_ + "/data",
            "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_),
            "--log.level=warn",
        },
        log_path_);
    ASSERT_TRUE(prometheus_process_->started());
  }

  std::string PrometheusLog() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The series an instant query returns; empty when Prometheus is not answering yet.
  std::vector<Series> Query(std::string_view promql) {
    std::optional<HttpReply> reply =
        HttpGet(prometheus_port_, "/api/v1/query?query=" + UrlEncode(promql));
    std::vector<Series> out;
    if (!reply.has_value() || reply->status != 200) return out;
    simdjson::dom::element doc;
    if (parser_.parse(reply->body).get(doc) != simdjson::SUCCESS) return out;
    simdjson::dom::array result;
    if (doc.at_pointer("/data/result").get(result) != simdjson::SUCCESS) return out;
    for (simdjson::dom::element item : result) {
      Series series;
      simdjson::dom::object labels;
      if (item["metric"].get(labels) == simdjson::SUCCESS) {
        for (auto field : labels) {
          std::string_view value;
          if (field.value.get(value) == simdjson::SUCCESS) {
            series.labels[std::string(field.key)] = std::string(value);
          }
        }
      }
      std::string_view value;
      if (item.at_pointer("/value/1").get(value) == simdjson::SUCCESS) series.value = value;
      out.push_back(std::move(series));
    }
    return out;
  }

  // The value of the single series `promql` selects, or "" when there is not exactly one.
  std::string QueryValue(std::string_view promql) {
    std::vector<Series> series = Query(promql);
    return series.size() == 1 ? series[0].value : "";
  }

  std::string prometheus_;
  std::string dir_;
  std::string log_path_;
  uint16_t prometheus_port_ = 0;
  uv_loop_t loop_{};
  bool loop_initialized_ = false;
  Registry registry_;
  CollectorHandle collector_;
  std::unique_ptr<HttpServer> server_;
  base::UvHandle<uv_async_t> stop_;
  std::thread loop_thread_;
  std::unique_ptr<ChildProcess> prometheus_process_;
  simdjson::dom::parser parser_;
};

TEST_F(PrometheusScrapeTest, PrometheusScrapesTheRegistryAndReturnsTheValuesSet) {
  FillRegistry();
  ASSERT_NO_FATAL_FAILURE(StartServing());
  ASSERT_NO_FATAL_FAILURE(StartPrometheus());

  auto deadline = std::chrono::steady_clock::now() + kScrapeWait;
  bool scraped = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (QueryValue("skiff_test_counter") == "42") {
      scraped = true;
      break;
    }
    ASSERT_FALSE(prometheus_process_->Exited()) << "prometheus exited:\n" << PrometheusLog();
    std::this_thread::sleep_for(kPollInterval);
  }
  if (!scraped) {
    std::optional<HttpReply> targets = HttpGet(prometheus_port_, "/api/v1/targets");
    FAIL() << "skiff_test_counter did not reach 42 within " << kScrapeWait.count()
           << " s. Targets: " << (targets ? targets->body : "<no answer>") << "\nPromethus log:\n"
           << PrometheusLog();
  }

  EXPECT_EQ(QueryValue("up{job=\"skiff\"}"), "1");
  EXPECT_EQ(QueryValue("skiff_test_gauge"), "2.5");
  EXPECT_EQ(QueryValue("skiff_test_requests_total{outcome=\"ok\"}"), "7");
  EXPECT_EQ(QueryValue("skiff_test_requests_total{outcome=\"error\"}"), "3");
  EXPECT_EQ(QueryValue("skiff_test_latency_seconds_bucket{le=\"0.1\"}"), "1");
  EXPECT_EQ(QueryValue("skiff_test_latency_seconds_bucket{le=\"1\"}"), "3");
  EXPECT_EQ(QueryValue("skiff_test_latency_seconds_bucket{le=\"+Inf\"}"), "4");
  EXPECT_EQ(QueryValue("skiff_test_latency_seconds_count"), "4");
  EXPECT_EQ(QueryValue("skiff_test_latency_seconds_sum"), "5.0625");
  // Prometheus's own reading of the buckets: half of 4 observations lie at or below 0.55.
  EXPECT_EQ(QueryValue("histogram_quantile(0.5, skiff_test_latency_seconds_bucket)"), "0.55");

  std::vector<Series> collected = Query("skiff_test_collected");
  ASSERT_EQ(collected.size(), 1u);
  EXPECT_EQ(collected[0].value, "5");
  EXPECT_EQ(collected[0].labels["input"], kWeirdLabel);  // every escape survived the trip
}

}  // namespace
}  // namespace metrics
