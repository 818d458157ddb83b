// Rendering speed of the `_bulk` NDJSON body (BulkRequest), in MB/s of body produced.
// Typical access-log lines with shared fields, deterministic ids on and off.
#include <benchmark/benchmark.h>

#include <random>

#include "transport/bulk_request.h"

namespace transport {
namespace {

buffer::EventBatch MakeBatch(std::size_t events, std::size_t message_bytes, bool with_fields) {
  buffer::EventBatch batch;
  batch.source_key = "dev=2049,ino=1311,fp=9f3a22c1";
  batch.index = "logs-nginx.access-default";
  batch.shared_fields_json =
      R"("log.file.path":"/var/log/nginx/access.log","host.name":"web-1","agent.id":"6f1d2c4e-agent")";
  std::mt19937_64 rng(42);  // fixed seed: the same text every run
  const std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 /.-:\"";
  uint64_t offset = 0;
  for (std::size_t i = 0; i < events; ++i) {
    buffer::Event e;
    e.offset = offset;
    e.time_unix_nanos = 1'795'342'323'000'000'000 + static_cast<int64_t>(i) * 1'000'000;
    e.message.reserve(message_bytes);
    for (std::size_t j = 0; j < message_bytes; ++j) e.message += alphabet[rng() % alphabet.size()];
    if (with_fields) e.fields_json = R"("http.response.status_code":200,"url.path":"/index.html")";
    offset += message_bytes + 1;
    batch.events.push_back(std::move(e));
  }
  return batch;
}

void RenderBulkBody(benchmark::State& state) {
  const bool ids = state.range(0) != 0;
  const auto message_bytes = static_cast<std::size_t>(state.range(1));
  buffer::EventBatch batch = MakeBatch(1000, message_bytes, true);
  BulkRequest request(BulkRequestOptions{"6f1d2c4e-agent", "logs-generic-default", ids});
  std::size_t bytes = 0;
  uint64_t lease = 0;
  for (auto _ : state) {
    request.Clear();
    ++lease;  // a new lease each round: the per-batch cache is rebuilt as in real use
    for (uint32_t i = 0; i < batch.events.size(); ++i) request.Add(lease, batch, i);
    bytes += request.body().size();
    benchmark::DoNotOptimize(request.body().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(batch.events.size()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(RenderBulkBody)
    ->ArgNames({"ids", "message_bytes"})
    ->Args({1, 200})
    ->Args({0, 200})
    ->Args({1, 1000});

}  // namespace
}  // namespace transport

BENCHMARK_MAIN();
