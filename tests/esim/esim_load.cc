// esim_load: a load generator for bulk ingestion. Builds bulk bodies of realistic log
// documents (create actions with `_id`s, ~250-byte ECS-shaped documents), posts them over
// N keep-alive connections for a bounded time or byte count, checks every response, and
// prints the rate. Usable against any ES; `make bench` runs it in self-test mode.
//
//   esim_load --port P [--host 127.0.0.1] [--connections 4] [--seconds 5] [--max-bytes N]
//             [--request-bytes 5242880] [--index logs-bench-default]
//             [--filter-path errors,items.*.error,items.*.status] [--reset] [--json]
//   esim_load --self-test-server PATH/TO/esim [--runs 3] [other options]
//
// Self-test mode starts esim itself, twice (storing documents, then with --no-source),
// and for each does one warm-up run and --runs measured runs (each after a reset, 1 GB
// by default), printing every run with esim's CPU time per GB and the median rate.
//
// Exit status: 0 when every request succeeded with "errors":false, 1 otherwise, 2 usage.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "tests/esim/esim_process.h"

namespace {

constexpr int kExitUsage = 2;
// Width of the generated `_id`s: fixed, so ids are rewritten in place between requests.
constexpr std::size_t kIdChars = 20;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int connections = 4;
  double seconds = 5.0;
  uint64_t max_bytes = 0;  // 0: no byte bound
  std::size_t request_bytes = 5 * 1024 * 1024;
  std::string index = "logs-bench-default";
  std::string filter_path = "errors,items.*.error,items.*.status";
  bool reset = false;
  bool json = false;
  std::string self_test_server;  // esim binary to start and measure
  int runs = 1;
};

// A blocking HTTP/1.1 client connection, enough for request/response on keep-alive.
class Connection {
 public:
  Connection() = default;
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Connect(const std::string& host, uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return false;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }

  // Sends one request and reads the response. Returns the status, or nullopt on I/O error.
  std::optional<int> RoundTrip(std::string_view method, std::string_view target,
                               std::string_view body, std::string& response_body) {
    head_.clear();
    head_ += method;
    head_ += ' ';
    head_ += target;
    head_ +=
        " HTTP/1.1\r\nHost: esim\r\nContent-Type: application/x-ndjson\r\n"
        "Content-Length: ";
    head_ += std::to_string(body.size());
    head_ += "\r\n\r\n";
    if (!SendAll(head_) || !SendAll(body)) return std::nullopt;
    return ReadResponse(response_body);
  }

 private:
  bool SendAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool Fill() {
    char chunk[64 * 1024];
    ssize_t n;
    do {
      n = ::recv(fd_, chunk, sizeof(chunk), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    in_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  std::optional<int> ReadResponse(std::string& body) {
    std::size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::string_view head(in_.data(), head_end);
    if (head.size() < 12) return std::nullopt;
    int status = 0;
    std::from_chars(head.data() + 9, head.data() + 12, status);
    std::size_t length = 0;
    for (std::string_view key : {"content-length:", "Content-Length:"}) {
      std::size_t at = head.find(key);
      if (at == std::string_view::npos) continue;
      std::size_t v = at + key.size();
      while (v < head.size() && head[v] == ' ') ++v;
      std::from_chars(head.data() + v, head.data() + head.size(), length);
    }
    const std::size_t total = head_end + 4 + length;
    while (in_.size() < total) {
      if (!Fill()) return std::nullopt;
    }
    body.assign(in_, head_end + 4, length);
    in_.erase(0, total);
    return status;
  }

  int fd_ = -1;
  std::string head_;
  std::string in_;
};

// Builds a bulk body of about `target_bytes` and records where each `_id` sits.
void BuildBody(const Options& options, int worker, std::string& body,
               std::vector<std::size_t>& id_offsets) {
  static constexpr std::string_view kPaths[] = {"/var/log/nginx/access.log",
                                                "/var/log/app/server.log", "/var/log/syslog"};
  static constexpr std::string_view kWords[] = {
      "GET",      "POST",     "/api/v1/orders", "/healthz", "200",     "404",  "503",
      "upstream", "timeout",  "connection",     "reset",    "by",      "peer", "user",
      "login",    "accepted", "cache",          "miss",     "latency", "ms",   "retry"};
  std::string timestamp;
  uint64_t seed = uint64_t{0x9e3779b97f4a7c15} * (static_cast<uint64_t>(worker) + 1);
  auto next = [&seed] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  const int64_t base_nanos = 1'795'000'000'000'000'000LL;
  std::string message;
  for (uint64_t n = 0; body.size() < options.request_bytes; ++n) {
    body += "{\"create\":{\"_index\":";
    base::AppendJsonString(body, options.index);
    body += ",\"_id\":\"";
    id_offsets.push_back(body.size());
    body.append(kIdChars, '0');
    body += "\"}}\n{\"@timestamp\":";
    base::AppendJsonTimestamp(body, base_nanos + static_cast<int64_t>(n) * 1'000'000);
    message.clear();
    const std::size_t words = 8 + next() % 10;
    for (std::size_t w = 0; w < words; ++w) {
      if (w > 0) message += ' ';
      message += kWords[next() % std::size(kWords)];
    }
    body += ",\"message\":";
    base::AppendJsonString(body, message);
    body += ",\"log\":{\"file\":{\"path\":";
    base::AppendJsonString(body, kPaths[next() % std::size(kPaths)]);
    body += "},\"offset\":";
    body += std::to_string(n * 173);
    body += "},\"host\":{\"name\":\"web-0";
    body += std::to_string(worker);
    body +=
        "\"},\"agent\":{\"name\":\"skiff\",\"id\":\"4f1c2a9e-7d3b-4c55-9a0e-2b8d6f1e3c7a\"},"
        "\"event\":{\"dataset\":\"app.log\"}}\n";
  }
}

// Writes `value` as kIdChars lowercase hex digits at `at`.
void WriteId(std::string& body, std::size_t at, uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < kIdChars; ++i) {
    body[at + kIdChars - 1 - i] = kHex[value & 15];
    value >>= 4;
  }
}

struct WorkerResult {
  uint64_t requests = 0;
  uint64_t bytes = 0;
  uint64_t docs = 0;
  uint64_t failures = 0;
  std::string first_failure;
};

void RunWorker(const Options& options, int worker, std::chrono::steady_clock::time_point deadline,
               std::atomic<uint64_t>& bytes_sent, WorkerResult& result) {
  std::string body;
  std::vector<std::size_t> id_offsets;
  BuildBody(options, worker, body, id_offsets);
  Connection connection;
  if (!connection.Connect(options.host, options.port)) {
    result.failures++;
    result.first_failure = "connect failed";
    return;
  }
  std::string target = "/_bulk";
  if (!options.filter_path.empty()) target += "?filter_path=" + options.filter_path;
  std::string response;
  // Ids: worker in the top bits, a running document number below: unique per run.
  uint64_t doc_number = static_cast<uint64_t>(worker) << 56;
  while (std::chrono::steady_clock::now() < deadline &&
         (options.max_bytes == 0 || bytes_sent.load() < options.max_bytes)) {
    for (std::size_t at : id_offsets) WriteId(body, at, doc_number++);
    std::optional<int> status = connection.RoundTrip("POST", target, body, response);
    if (!status) {
      result.failures++;
      if (result.first_failure.empty()) result.first_failure = "connection lost";
      return;
    }
    bytes_sent.fetch_add(body.size());
    result.requests++;
    result.bytes += body.size();
    result.docs += id_offsets.size();
    if (*status != 200 || !response.starts_with("{\"errors\":false")) {
      result.failures++;
      if (result.first_failure.empty()) {
        result.first_failure = "status " + std::to_string(*status) + ": " + response.substr(0, 300);
      }
    }
  }
}

template <class T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--reset") {
      options.reset = true;
      continue;
    }
    if (arg == "--json") {
      options.json = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "esim_load: %s needs a value\n", argv[i]);
      return false;
    }
    std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--host") {
      options.host = std::string(value);
    } else if (arg == "--port") {
      ok = ParseNumber(value, &options.port);
    } else if (arg == "--connections") {
      ok = ParseNumber(value, &options.connections) && options.connections > 0;
    } else if (arg == "--seconds") {
      ok = ParseNumber(value, &options.seconds) && options.seconds > 0;
    } else if (arg == "--max-bytes") {
      ok = ParseNumber(value, &options.max_bytes);
    } else if (arg == "--request-bytes") {
      ok = ParseNumber(value, &options.request_bytes) && options.request_bytes > 0;
    } else if (arg == "--index") {
      options.index = std::string(value);
    } else if (arg == "--filter-path") {
      options.filter_path = std::string(value);
    } else if (arg == "--self-test-server") {
      options.self_test_server = std::string(value);
    } else if (arg == "--runs") {
      ok = ParseNumber(value, &options.runs) && options.runs > 0;
    } else {
      std::fprintf(stderr, "esim_load: unknown argument %s\n", argv[i - 1]);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "esim_load: bad value for %s\n", argv[i - 1]);
      return false;
    }
  }
  if (options.port == 0 && options.self_test_server.empty()) {
    std::fprintf(stderr, "esim_load: --port or --self-test-server is required\n");
    return false;
  }
  return true;
}

}  // namespace

struct RunResult {
  WorkerResult total;
  double seconds = 0;
  double mb_per_s = 0;
  double docs_per_s = 0;
};

bool Reset(const Options& options) {
  Connection admin;
  std::string response;
  return admin.Connect(options.host, options.port) &&
         admin.RoundTrip("POST", "/_esim/reset", "", response) == 200;
}

RunResult RunOnce(const Options& options) {
  std::vector<WorkerResult> results(static_cast<std::size_t>(options.connections));
  std::vector<std::thread> threads;
  std::atomic<uint64_t> bytes_sent{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  for (int w = 0; w < options.connections; ++w) {
    threads.emplace_back(RunWorker, std::cref(options), w, deadline, std::ref(bytes_sent),
                         std::ref(results[static_cast<std::size_t>(w)]));
  }
  for (std::thread& t : threads) t.join();
  RunResult run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const WorkerResult& r : results) {
    run.total.requests += r.requests;
    run.total.bytes += r.bytes;
    run.total.docs += r.docs;
    run.total.failures += r.failures;
    if (run.total.first_failure.empty()) run.total.first_failure = r.first_failure;
  }
  run.mb_per_s = static_cast<double>(run.total.bytes) / 1e6 / run.seconds;
  run.docs_per_s = static_cast<double>(run.total.docs) / run.seconds;
  return run;
}

void PrintRun(const Options& options, const RunResult& run) {
  const WorkerResult& total = run.total;
  if (options.json) {
    std::printf(
        "{\"connections\":%d,\"seconds\":%.3f,\"requests\":%llu,\"bytes\":%llu,\"docs\":%llu,"
        "\"failures\":%llu,\"mb_per_s\":%.1f,\"docs_per_s\":%.0f}\n",
        options.connections, run.seconds, static_cast<unsigned long long>(total.requests),
        static_cast<unsigned long long>(total.bytes), static_cast<unsigned long long>(total.docs),
        static_cast<unsigned long long>(total.failures), run.mb_per_s, run.docs_per_s);
  } else {
    std::printf(
        "esim_load: %d connections, %.2f s, %llu requests, %.1f MB, %llu docs: %.1f MB/s, "
        "%.0f docs/s, %llu failed requests\n",
        options.connections, run.seconds, static_cast<unsigned long long>(total.requests),
        static_cast<double>(total.bytes) / 1e6, static_cast<unsigned long long>(total.docs),
        run.mb_per_s, run.docs_per_s, static_cast<unsigned long long>(total.failures));
  }
  if (total.failures > 0) {
    std::fprintf(stderr, "esim_load: first failure: %s\n", total.first_failure.c_str());
  }
}

// Measures esim storing documents and with --no-source. Returns the exit status.
int RunSelfTest(Options options) {
  if (options.max_bytes == 0) options.max_bytes = 1'000'000'000;
  options.seconds = std::max(options.seconds, 30.0);  // the byte budget ends each run
  options.reset = true;
  options.json = false;
  int status = 0;
  for (const bool keep_source : {true, false}) {
    const char* mode = keep_source ? "storing documents" : "--no-source";
    esim::EsimProcess server(
        options.self_test_server,
        keep_source ? std::vector<std::string>{} : std::vector<std::string>{"--no-source"});
    if (server.port() == 0) {
      std::fprintf(stderr, "esim_load: %s did not start\n", options.self_test_server.c_str());
      return 1;
    }
    options.port = server.port();
    std::vector<double> rates;
    for (int run = 0; run <= options.runs; ++run) {
      if (!Reset(options)) {
        std::fprintf(stderr, "esim_load: reset failed\n");
        return 1;
      }
      const double cpu_before = server.CpuSeconds();
      RunResult result = RunOnce(options);
      const double cpu = server.CpuSeconds() - cpu_before;
      if (result.total.failures > 0) status = 1;
      std::printf(
          "esim %s, %s: %.0f MB/s, %.2f M docs/s, %.0f MB in %.2f s; esim CPU %.2f s/GB%s\n", mode,
          run == 0 ? "warm-up" : ("run " + std::to_string(run)).c_str(), result.mb_per_s,
          result.docs_per_s / 1e6, static_cast<double>(result.total.bytes) / 1e6, result.seconds,
          cpu / (static_cast<double>(result.total.bytes) / 1e9),
          run == 0 ? " (fresh memory: includes page faults)" : "");
      if (result.total.failures > 0) PrintRun(options, result);
      if (run > 0) rates.push_back(result.mb_per_s);
    }
    std::sort(rates.begin(), rates.end());
    std::printf("esim %s: median %.0f MB/s over %d runs (%d connections, %zu-byte requests)\n",
                mode, rates[rates.size() / 2], options.runs, options.connections,
                options.request_bytes);
    std::fflush(stdout);
  }
  return status;
}

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) return kExitUsage;
  if (!options.self_test_server.empty()) return RunSelfTest(options);
  if (options.reset && !Reset(options)) {
    std::fprintf(stderr, "esim_load: reset failed\n");
    return 1;
  }
  RunResult run = RunOnce(options);
  PrintRun(options, run);
  return run.total.failures > 0 ? 1 : 0;
}
