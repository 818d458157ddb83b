// Throughput of the framing and parsing stage alone (not a CTest test): generated lines
// through EventAssembler into a sink that only counts. Reports bytes/s of line text.
//   ./event_assembler_benchmark --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "agent/inputs/event_assembler.h"

namespace agent {
namespace {

class CountingSink final : public EventSink {
 public:
  void Emit(buffer::Event event) override {
    ++events;
    bytes += event.message.size() + event.fields_json.size();
  }
  uint64_t events = 0;
  uint64_t bytes = 0;
};

// About 4 MiB of lines, so the working set is not all in cache.
constexpr std::size_t kSetBytes = 4 * 1024 * 1024;

std::vector<std::string> JavaLines() {
  std::vector<std::string> lines;
  std::size_t total = 0;
  for (int i = 0; total < kSetBytes; ++i) {
    lines.push_back("2024-05-01 12:00:00,001 INFO  [main] c.e.App - request " + std::to_string(i) +
                    " served in 12 ms");
    if (i % 10 == 0) {
      lines.push_back("2024-05-01 12:00:00,002 ERROR [http-1] c.e.OrderController - failed");
      lines.push_back("java.lang.IllegalStateException: order " + std::to_string(i));
      for (int f = 0; f < 8; ++f) {
        lines.push_back("\tat com.example.OrderService.step" + std::to_string(f) +
                        "(OrderService.java:" + std::to_string(40 + f) + ")");
      }
      lines.push_back("\t... 12 more");
    }
    for (std::size_t k = lines.size() - (i % 10 == 0 ? 12 : 1); k < lines.size(); ++k) {
      total += lines[k].size() + 1;
    }
  }
  return lines;
}

std::vector<std::string> JsonLines() {
  std::vector<std::string> lines;
  std::size_t total = 0;
  for (int i = 0; total < kSetBytes; ++i) {
    lines.push_back(
        R"({"@timestamp":"2024-05-01T12:00:00.)" + std::to_string(100 + i % 900) +
        R"(Z","level":"info","msg":"request served","http":{"method":"GET","status":200,)"
        R"("path":"/api/orders/)" +
        std::to_string(i) + R"("},"duration_ms":12.5,"user":{"id":)" + std::to_string(i % 1000) +
        R"(,"roles":["a","b"]},"ok":true})");
    total += lines.back().size() + 1;
  }
  return lines;
}

std::vector<std::string> CriLines() {
  std::vector<std::string> lines;
  std::size_t total = 0;
  for (int i = 0; total < kSetBytes; ++i) {
    std::string text = "request " + std::to_string(i) + " served in 12 ms by worker 3 of 8";
    if (i % 20 == 0) {
      lines.push_back("2024-05-01T12:00:00.123456789Z stdout P " + text);
      total += lines.back().size() + 1;
    }
    lines.push_back("2024-05-01T12:00:00.123456789Z stdout F " + text);
    total += lines.back().size() + 1;
  }
  return lines;
}

void Run(benchmark::State& state, const EventFormatOptions& options,
         const std::vector<std::string>& lines) {
  auto format = EventFormat::Create(options);
  if (!format.has_value()) {
    state.SkipWithError(format.error().ToString().c_str());
    return;
  }
  EventAssembler assembler(**format);
  CountingSink sink;
  std::size_t bytes = 0;
  for (const std::string& line : lines) bytes += line.size() + 1;
  const auto now = std::chrono::steady_clock::time_point{};
  for (auto _ : state) {
    uint64_t offset = 0;
    for (const std::string& line : lines) {
      SourceLine source;
      source.text = line;
      source.offset = offset;
      offset += line.size() + 1;
      assembler.Add(source, now, sink);
    }
    assembler.FlushAll(sink);
  }
  benchmark::DoNotOptimize(sink.events);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
  state.counters["events/iter"] =
      static_cast<double>(sink.events) / static_cast<double>(state.iterations());
}

void BM_TextLines(benchmark::State& state) {
  static const std::vector<std::string> lines = JavaLines();
  Run(state, EventFormatOptions{}, lines);
}
BENCHMARK(BM_TextLines)->Unit(benchmark::kMillisecond);

void BM_MultilineJavaPreset(benchmark::State& state) {
  static const std::vector<std::string> lines = JavaLines();
  EventFormatOptions options;
  for (const config::MultilinePreset& p : config::MultilinePresets()) {
    if (p.name == "java") options.parsing.multiline.continue_pattern = p.continue_pattern;
  }
  options.parsing.multiline.max_bytes = options.max_line_bytes;
  Run(state, options, lines);
}
BENCHMARK(BM_MultilineJavaPreset)->Unit(benchmark::kMillisecond);

void BM_MultilineStartPattern(benchmark::State& state) {
  static const std::vector<std::string> lines = JavaLines();
  EventFormatOptions options;
  options.parsing.multiline.start = R"(^\d{4}-\d{2}-\d{2} )";
  options.parsing.multiline.max_bytes = options.max_line_bytes;
  Run(state, options, lines);
}
BENCHMARK(BM_MultilineStartPattern)->Unit(benchmark::kMillisecond);

void BM_JsonLines(benchmark::State& state) {
  static const std::vector<std::string> lines = JsonLines();
  EventFormatOptions options;
  options.body = BodyFormat::kJson;
  Run(state, options, lines);
}
BENCHMARK(BM_JsonLines)->Unit(benchmark::kMillisecond);

void BM_CriLines(benchmark::State& state) {
  static const std::vector<std::string> lines = CriLines();
  EventFormatOptions options;
  options.container = ContainerFormat::kCri;
  Run(state, options, lines);
}
BENCHMARK(BM_CriLines)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agent

BENCHMARK_MAIN();
