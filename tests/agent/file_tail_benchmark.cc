// Throughput of FileTailInput alone: a generated file of ~200-byte lines is read into a
// MemoryQueue that acknowledges every batch at once. Reports bytes/s and lines/s; the
// CPU time column is the process CPU time (the loop thread does all the work).
//   SKIFF_BENCH_MB=200 ./file_tail_benchmark --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/inputs/file_tail.h"
#include "tests/support/memory_queue.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kLineBytes = 200;
constexpr std::size_t kDefaultFileMiB = 200;

struct BenchFile {
  fs::path dir;
  std::string path;
  std::size_t bytes = 0;
  std::size_t lines = 0;
};

const BenchFile& GeneratedFile() {
  static const BenchFile file = [] {
    BenchFile f;
    std::string pattern = (fs::temp_directory_path() / "file_tail_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    f.dir = pattern;
    f.path = (f.dir / "bench.log").string();
    const char* mb = std::getenv("SKIFF_BENCH_MB");
    const std::size_t target = (mb ? std::strtoull(mb, nullptr, 10) : kDefaultFileMiB) << 20;
    std::ofstream out(f.path, std::ios::binary);
    std::string line;
    for (std::size_t i = 0; f.bytes < target; ++i) {
      line = "2026-11-22T09:12:03.123Z INFO [worker-" + std::to_string(i % 16) +
             "] GET /api/v1/items/" + std::to_string(i) +
             " status=200 bytes=" + std::to_string(i * 7 % 100000) +
             " user_agent=\"curl/8.0\" trace=";
      while (line.size() < kLineBytes - 1)
        line += static_cast<char>('a' + (line.size() * 31 + i) % 26);
      line += '\n';
      out << line;
      f.bytes += line.size();
      ++f.lines;
    }
    return f;
  }();
  return file;
}

void BM_FileTailReadsIntoAckingQueue(benchmark::State& state) {
  const BenchFile& file = GeneratedFile();
  for (auto _ : state) {
    state.PauseTiming();
    uv_loop_t loop;
    uv_loop_init(&loop);
    fs::remove(file.dir / "checkpoints");
    auto store = buffer::CheckpointStore::Open((file.dir / "checkpoints").string());
    buffer::MemoryQueue queue(64 << 20);
    std::size_t lines = 0;
    auto drain = [&] {
      while (auto lease = queue.Read()) {
        lines += lease->batch->events.size();
        queue.Ack(lease->id);
      }
    };
    queue.SetOnReadable(drain);
    drain();  // the queue calls on_readable only after a Read() came back empty
    base::RealClock clock;
    FileTailOptions options;
    options.id = "bench";
    options.paths = {file.path};
    options.start_at_end = false;
    options.index = "logs-bench";
    options.shared_fields_json = R"("host.name":"bench")";
    FileTailInput input(&loop, queue, *store, options, clock);
    state.ResumeTiming();
    if (!input.Start().ok()) std::abort();
    while (lines < file.lines) uv_run(&loop, UV_RUN_ONCE);
    state.PauseTiming();
    input.Stop();
    base::CloseLoop(&loop);
    state.ResumeTiming();
  }
  const auto iterations = static_cast<std::size_t>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(iterations * file.bytes));
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(iterations * file.lines), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FileTailReadsIntoAckingQueue)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace agent

BENCHMARK_MAIN();
