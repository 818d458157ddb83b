// Ring throughput and compression on generated log-like lines (a mix of nginx access
// lines and JSON application lines). Reports MB/s of uncompressed message bytes through
// Append + Read + Ack on a real disk (fsync never: the CPU cost of framing, zstd and
// FlatBuffers, not the disk's fsync latency) and the compression ratios.
//
// The loop is shaped like the agent's pipeline: append while the ring is not Full(), read
// and acknowledge whatever is readable, and otherwise let the event loop run (compression
// and decompression finish on the libuv thread pool). Throughput is measured in wall time
// and the CPU column is the whole process's, so work moved to the pool is neither hidden
// nor double counted.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <zstd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "platforms/base/uv_handle.h"

namespace buffer {
namespace {

constexpr std::size_t kEventsPerBatch = 1000;

std::string AccessLine(std::mt19937_64& rng, int64_t second) {
  static constexpr std::array<const char*, 6> kPaths = {
      "/api/v1/items", "/api/v1/users", "/static/app.js", "/healthz", "/api/v1/orders", "/login"};
  static constexpr std::array<const char*, 4> kAgents = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0",
      "curl/7.88.1", "kube-probe/1.28", "Go-http-client/2.0"};
  static constexpr std::array<int, 6> kStatus = {200, 200, 200, 304, 404, 500};
  std::string line = "10." + std::to_string(rng() % 4) + "." + std::to_string(rng() % 256) + "." +
                     std::to_string(rng() % 256) +
                     " - - [22/Nov/2026:10:" + std::to_string(10 + second / 60 % 50) + ":" +
                     std::to_string(10 + second % 50) + " +0000] \"GET " +
                     kPaths[rng() % kPaths.size()] + "/" + std::to_string(rng() % 100000) +
                     " HTTP/1.1\" " + std::to_string(kStatus[rng() % kStatus.size()]) + " " +
                     std::to_string(rng() % 50000) + " \"-\" \"" + kAgents[rng() % kAgents.size()] +
                     "\"";
  return line;
}

std::string JsonLine(std::mt19937_64& rng, int64_t millis) {
  static constexpr std::array<const char*, 4> kLevels = {"info", "info", "warn", "error"};
  static constexpr std::array<const char*, 4> kMessages = {
      "request completed", "cache miss, loading from database", "retrying upstream call",
      "order placed"};
  return R"({"ts":"2026-11-22T10:)" + std::to_string(10 + millis / 60000 % 50) + ":" +
         std::to_string(10 + millis / 1000 % 50) + "." + std::to_string(100 + millis % 900) +
         R"(Z","level":")" + kLevels[rng() % kLevels.size()] + R"(","msg":")" +
         kMessages[rng() % kMessages.size()] + R"(","trace_id":")" + std::to_string(rng()) +
         R"(","user_id":)" + std::to_string(rng() % 10000) + R"(,"duration_ms":)" +
         std::to_string(rng() % 2000) + "}";
}

EventBatch EmptyBatch() {
  return EventBatch{"dev:2049/ino:1234/fp:9f86d081",
                    0,
                    "logs-app-default",
                    R"("log":{"file":{"path":"/var/log/app/access.log"}},"host":{"name":"web-1"})",
                    {}};
}

// Batches of the lines of `path` (at most `count` batches).
std::vector<EventBatch> BatchesFromFile(const char* path, int count, uint64_t* message_bytes) {
  std::ifstream in(path);
  std::vector<EventBatch> batches;
  std::string line;
  uint64_t offset = 0;
  int64_t t = 0;
  *message_bytes = 0;
  while (static_cast<int>(batches.size()) < count) {
    EventBatch batch = EmptyBatch();
    while (batch.events.size() < kEventsPerBatch && std::getline(in, line)) {
      *message_bytes += line.size();
      batch.events.push_back(
          Event{offset, 1'763'800'000'000'000'000 + t++ * 1'000'000, 0, line, ""});
      offset += line.size() + 1;
    }
    if (batch.events.empty()) break;
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::vector<EventBatch> MakeBatches(int count, uint64_t* message_bytes) {
  if (const char* path = std::getenv("SKIFF_RING_BENCH_LOG")) {
    return BatchesFromFile(path, count, message_bytes);
  }
  std::mt19937_64 rng(42);
  std::vector<EventBatch> batches;
  uint64_t offset = 0;
  int64_t t = 0;
  *message_bytes = 0;
  for (int b = 0; b < count; ++b) {
    EventBatch batch = EmptyBatch();
    for (std::size_t i = 0; i < kEventsPerBatch; ++i, ++t) {
      std::string line = rng() % 2 == 0 ? AccessLine(rng, t / 100) : JsonLine(rng, t);
      *message_bytes += line.size();
      batch.events.push_back(Event{offset, 1'763'800'000'000'000'000 + t * 1'000'000, 0, line, ""});
      offset += line.size() + 1;
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

class StubClock final : public base::Clock {
 public:
  int64_t NowUnixNanos() const override { return 0; }
  std::chrono::steady_clock::time_point Now() const override { return {}; }
};

void BM_RingAppendReadAck(benchmark::State& state) {
  uint64_t message_bytes = 0;
  const std::vector<EventBatch> batches = MakeBatches(32, &message_bytes);
  std::string dir = (std::filesystem::temp_directory_path() / "skiff-ring-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  PosixFilesystem fs;
  StubClock clock;
  RingOptions options;
  options.dir = dir + "/ring";
  options.max_bytes = 256u * 1024 * 1024;
  options.fsync = FsyncMode::kNever;
  options.compression_level = static_cast<int>(state.range(0));
  RingStats stats;
  {
    auto ring = Ring::Open(&loop, fs, options, clock);
    if (!ring) {
      state.SkipWithError(ring.error().ToString().c_str());
      return;
    }
    Ring& r = **ring;
    // One pass over `batches`; false when an append fails.
    auto pass = [&] {
      std::size_t appended = 0;
      std::size_t read = 0;
      while (read < batches.size()) {
        while (appended < batches.size() && !r.Full()) {
          if (!r.Append(batches[appended++], nullptr).ok()) return false;
        }
        bool progressed = false;
        while (auto lease = r.Read()) {
          benchmark::DoNotOptimize(lease->batch->events.size());
          r.Ack(lease->id);
          ++read;
          progressed = true;
        }
        if (!progressed) uv_run(&loop, UV_RUN_ONCE);
      }
      return true;
    };
    for (auto _ : state) {
      if (!pass()) {
        state.SkipWithError("append failed");
        break;
      }
    }
    if (!r.Flush().ok()) state.SkipWithError("flush failed");
    stats = (*ring)->stats();
  }
  base::CloseLoop(&loop);
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message_bytes));
  // Message bytes per byte on disk: what matters for the size of the ring.
  const double frames_per_iteration = static_cast<double>(batches.size());
  const double disk_bytes = static_cast<double>(stats.compressed_bytes_written) /
                            static_cast<double>(state.iterations()) / frames_per_iteration;
  state.counters["ratio_text"] =
      static_cast<double>(message_bytes) / frames_per_iteration / disk_bytes;
  state.counters["ratio_flatbuffers"] = stats.CompressionRatio();
}
BENCHMARK(BM_RingAppendReadAck)
    ->Arg(1)
    ->Arg(3)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The physical limit of the design, in the same run on the same bytes: one core of zstd
// compressing the message text at the same level, in frames of about the ring's size
// (every byte the ring stores is compressed once).
void BM_ZstdSameBytes(benchmark::State& state) {
  uint64_t message_bytes = 0;
  const std::vector<EventBatch> batches = MakeBatches(32, &message_bytes);
  std::vector<std::string> texts;
  for (const EventBatch& batch : batches) {
    std::string text;
    for (const Event& e : batch.events) {
      text += e.message;
      text += '\n';
    }
    texts.push_back(std::move(text));
  }
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<char> out;
  uint64_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (const std::string& text : texts) {
      out.resize(ZSTD_compressBound(text.size()));
      std::size_t n = ZSTD_compressCCtx(cctx, out.data(), out.size(), text.data(), text.size(),
                                        static_cast<int>(state.range(0)));
      if (ZSTD_isError(n)) {
        state.SkipWithError(ZSTD_getErrorName(n));
        break;
      }
      compressed += n;
    }
  }
  ZSTD_freeCCtx(cctx);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message_bytes));
  state.counters["ratio_text"] =
      static_cast<double>(message_bytes) / static_cast<double>(compressed);
}
BENCHMARK(BM_ZstdSameBytes)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace buffer

BENCHMARK_MAIN();
