// Throughput of the processing stage on one core: events/s through a chain of five typical
// processors (exclude health checks, parse nginx, edit fields, redact, sample) over
// generated nginx access-log lines, against the same batches with no processors. The
// difference, as CPU seconds per GiB of log, is the stage's overhead (docs/processors.md).
//
// Each iteration copies a 1,000-event template batch (the input's work, measured by the
// baseline) and runs the chain over it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>

#include "agent/processors/processor_chain.h"
#include "config/processors_config.h"

namespace {

using config::ProcessorConfig;
using config::ProcessorType;

constexpr int kEventsPerBatch = 1000;
constexpr int64_t kReadTimeUnixNanos = 1'795'348'800'000'000'000;

buffer::EventBatch TemplateBatch() {
  std::mt19937_64 random(42);  // fixed: every run sees the same lines
  const char* paths[] = {"/api/v1/orders",
                         "/index.html",
                         "/static/app.js",
                         "/healthz",
                         "/api/v1/users?email=ann@example.org",
                         "/login"};
  const char* agents[] = {"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
                          "curl/8.4.0", "kube-probe/1.28"};
  buffer::EventBatch batch;
  batch.shared_fields_json = R"("log.file.path":"/var/log/nginx/access.log","host.name":"web-1")";
  for (int i = 0; i < kEventsPerBatch; ++i) {
    char line[512];
    int n = std::snprintf(
        line, sizeof(line),
        "10.%d.%d.%d - - [22/Nov/2026:11:%02d:%02d +0000] \"GET %s HTTP/1.1\" %d %d \"-\" \"%s\"",
        static_cast<int>(random() % 256), static_cast<int>(random() % 256),
        static_cast<int>(random() % 256), static_cast<int>(random() % 60),
        static_cast<int>(random() % 60), paths[random() % 6], random() % 10 == 0 ? 404 : 200,
        static_cast<int>(random() % 50000), agents[random() % 3]);
    buffer::Event e;
    e.offset = static_cast<uint64_t>(i) * 200;
    e.time_unix_nanos = kReadTimeUnixNanos;
    e.message.assign(line, static_cast<std::size_t>(n));
    batch.events.push_back(std::move(e));
  }
  return batch;
}

config::ProcessorConfigs FiveProcessors() {
  config::ProcessorConfigs c;
  ProcessorConfig exclude;
  exclude.type = ProcessorType::kExclude;
  exclude.name = "processors[0]";
  exclude.patterns = {"GET /healthz "};
  c.push_back(exclude);
  ProcessorConfig parse;
  parse.type = ProcessorType::kParse;
  parse.name = "processors[1]";
  parse.preset = "nginx";
  c.push_back(parse);
  ProcessorConfig fields;
  fields.type = ProcessorType::kFields;
  fields.name = "processors[2]";
  fields.add = {{"service.name", "\"shop\""}};
  fields.rename = {{"source.address", "source.ip"}};
  c.push_back(fields);
  ProcessorConfig redact;
  redact.type = ProcessorType::kRedact;
  redact.name = "processors[3]";
  redact.builtin_patterns = {"email", "bearer_token", "credit_card"};
  c.push_back(redact);
  ProcessorConfig sample;
  sample.type = ProcessorType::kSample;
  sample.name = "processors[4]";
  sample.every = 10;
  sample.when.kind = config::ConditionConfig::Kind::kMatches;
  sample.when.field = "user_agent.original";
  sample.when.value = "^kube-probe/";
  c.push_back(sample);
  return c;
}

void Run(benchmark::State& state, const config::ProcessorConfigs& processors) {
  auto chain = agent::BuildProcessorChain(processors, {});
  if (!chain.has_value()) {
    state.SkipWithError(chain.error().ToString().c_str());
    return;
  }
  const buffer::EventBatch templ = TemplateBatch();
  std::size_t bytes = 0;
  for (const buffer::Event& e : templ.events) bytes += e.message.size() + 1;
  std::size_t kept = 0;
  for (auto _ : state) {
    buffer::EventBatch batch = templ;
    chain->Run(batch);
    kept += batch.events.size();
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * kEventsPerBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["kept_ratio"] =
      static_cast<double>(kept) / static_cast<double>(state.iterations() * kEventsPerBatch);
}

void BM_NoProcessors(benchmark::State& state) { Run(state, {}); }
void BM_FiveProcessors(benchmark::State& state) { Run(state, FiveProcessors()); }

void BM_EachProcessorAlone(benchmark::State& state) {
  config::ProcessorConfigs all = FiveProcessors();
  Run(state, {all[static_cast<std::size_t>(state.range(0))]});
}

BENCHMARK(BM_NoProcessors)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_FiveProcessors)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_EachProcessorAlone)->DenseRange(0, 4)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
