// loggen: writes a reproducible log set for tests, benchmarks and the demo.
//
// Lines are a mix like real hosts produce: about two thirds nginx "combined" access lines
// and one third JSON application lines, ~200 bytes each (`--kind text` writes only the
// access lines, `--kind json` only the JSON lines). Every line carries `seq=N`, a unique
// sequence number, so a test can check that each line arrived exactly once.
//
//   loggen --out FILE|- (--lines N | --bytes N) [--start-seq N] [--append] [--seed N]
//          [--rate LINES_PER_SECOND] [--kind mixed|text|json]
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view kPaths[] = {"/api/v1/orders", "/api/v1/items",  "/static/app.js",
                                       "/healthz",       "/api/v2/search", "/login",
                                       "/cart/checkout"};
constexpr std::string_view kAgents[] = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
    "curl/7.88.1", "Go-http-client/1.1", "kube-probe/1.29",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"};
constexpr std::string_view kReferers[] = {"-", "https://shop.example.com/products/list?page=2",
                                          "https://www.example.org/blog/2026/11/release-notes",
                                          "https://shop.example.com/cart"};
constexpr std::string_view kLevels[] = {"info", "info", "info", "warn", "error", "debug"};
constexpr std::string_view kMessages[] = {
    "order accepted",         "payment authorized",     "cache miss, loading from database",
    "retrying upstream call", "user session refreshed", "slow query detected"};
constexpr int kStatuses[] = {200, 200, 200, 200, 201, 204, 301, 304, 404, 500, 503};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

template <class T, std::size_t N>
const T& Pick(std::mt19937_64& rng, const T (&items)[N]) {
  return items[rng() % N];
}

enum class Kind { kMixed, kText, kJson };

int FormatLine(char* out, std::size_t cap, std::mt19937_64& rng, uint64_t seq, std::time_t now,
               Kind kind) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  unsigned ip = static_cast<unsigned>(rng());
  const bool access_line = kind == Kind::kMixed ? rng() % 3 != 0 : kind == Kind::kText;
  if (access_line) {
    std::string_view path = Pick(rng, kPaths);
    std::string_view agent = Pick(rng, kAgents);
    std::string_view referer = Pick(rng, kReferers);
    return std::snprintf(
        out, cap,
        "10.%u.%u.%u - - [%02d/%s/%04d:%02d:%02d:%02d +0000] \"GET %.*s?seq=%" PRIu64
        " HTTP/1.1\" %d %u \"%.*s\" \"%.*s\" %u.%03u\n",
        (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, tm.tm_mday, kMonths[tm.tm_mon].data(),
        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(path.size()),
        path.data(), seq, Pick(rng, kStatuses), static_cast<unsigned>(rng() % 50000),
        static_cast<int>(referer.size()), referer.data(), static_cast<int>(agent.size()),
        agent.data(), static_cast<unsigned>(rng() % 3), static_cast<unsigned>(rng() % 1000));
  }
  std::string_view level = Pick(rng, kLevels);
  std::string_view msg = Pick(rng, kMessages);
  return std::snprintf(
      out, cap,
      "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\",\"level\":\"%.*s\",\"logger\":"
      "\"app.worker\",\"msg\":\"%.*s seq=%" PRIu64
      "\",\"trace_id\":\"%016llx\",\"duration_ms\":%u,\"user\":\"u%u\"}\n",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
      static_cast<unsigned>(rng() % 1000), static_cast<int>(level.size()), level.data(),
      static_cast<int>(msg.size()), msg.data(), seq, static_cast<unsigned long long>(rng()),
      static_cast<unsigned>(rng() % 5000), static_cast<unsigned>(rng() % 100000));
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: loggen --out FILE (--lines N | --bytes N) [--start-seq N] [--append] "
               "[--seed N] [--rate LINES_PER_SECOND] [--kind mixed|text|json]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path;
  uint64_t lines = 0, bytes = 0, start_seq = 0, seed = 42, rate = 0;
  bool append = false;
  Kind kind = Kind::kMixed;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--out")
      out_path = next();
    else if (a == "--lines")
      lines = std::strtoull(next(), nullptr, 10);
    else if (a == "--bytes")
      bytes = std::strtoull(next(), nullptr, 10);
    else if (a == "--start-seq")
      start_seq = std::strtoull(next(), nullptr, 10);
    else if (a == "--seed")
      seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--rate")
      rate = std::strtoull(next(), nullptr, 10);
    else if (a == "--append")
      append = true;
    else if (a == "--kind") {
      std::string_view k = next();
      if (k == "mixed")
        kind = Kind::kMixed;
      else if (k == "text")
        kind = Kind::kText;
      else if (k == "json")
        kind = Kind::kJson;
      else
        Usage();
    } else
      Usage();
  }
  if (out_path.empty() || (lines == 0 && bytes == 0)) Usage();

  // "-": standard output, which may be a socket (a child's output under libuv) that
  // /dev/stdout cannot reopen.
  int fd = out_path == "-"
               ? STDOUT_FILENO
               : ::open(out_path.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0) {
    std::perror(out_path.c_str());
    return 1;
  }
  std::mt19937_64 rng(seed ^ start_seq);
  std::string chunk;
  chunk.reserve(1 << 20);
  char line[512];
  uint64_t written_lines = 0, written_bytes = 0;
  auto start = std::chrono::steady_clock::now();
  std::time_t now = std::time(nullptr);
  auto flush = [&] {
    std::size_t done = 0;
    while (done < chunk.size()) {
      ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
      if (n <= 0) {
        std::perror("write");
        std::exit(1);
      }
      done += static_cast<std::size_t>(n);
    }
    chunk.clear();
  };
  while ((lines == 0 || written_lines < lines) && (bytes == 0 || written_bytes < bytes)) {
    if ((written_lines & 0xFFF) == 0) now = std::time(nullptr);
    int n = FormatLine(line, sizeof(line), rng, start_seq + written_lines, now, kind);
    chunk.append(line, static_cast<std::size_t>(n));
    written_bytes += static_cast<uint64_t>(n);
    ++written_lines;
    if (chunk.size() >= (1 << 20) - 512) flush();
    if (rate > 0 && (written_lines % 100) == 0) {
      flush();
      auto due = start + std::chrono::microseconds(written_lines * 1'000'000 / rate);
      std::this_thread::sleep_until(due);
    }
  }
  flush();
  ::close(fd);
  std::printf("%" PRIu64 " lines, %" PRIu64 " bytes\n", written_lines, written_bytes);
  return 0;
}
