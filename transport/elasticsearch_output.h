// ElasticsearchOutput: the output stage. Reads batches from the EventBuffer, ships their
// events to Elasticsearch with `_bulk`, and acknowledges a batch only once every event of
// it is resolved: delivered (201), a duplicate (409 on create), accepted into the failure
// store, or kept in a dead-letter file. The stages it drives, in order: bulk_request.h
// (render), http_client.h (send), bulk_response.h (parse), retry_policy.h (decide), then
// EventBuffer::Ack or a retry or dead_letter.h.
//
// Batching: events from one or more leases are packed into a request up to max_batch_docs
// and max_batch_bytes (uncompressed). A request goes out when it is full; a partial one
// goes out at once when the buffer has run dry and nothing is in flight (lowest latency
// when idle), otherwise it waits for more events until flush_interval has passed since its
// first event or the requests in flight complete. Under load the buffer fills while the
// max_in_flight slots are busy, so every request leaves full.
//
// Retries: a whole request is resent (after backoff with full jitter, Retry-After
// honoured) on 408/429/5xx/connection errors/timeouts/malformed responses, or once at
// once after a credential refresh on 401; 413 splits it in halves; other 4xx dead-letter
// every document. Items failing with 429/5xx are resent alone in a new request, after
// backoff; items with other 4xx are dead-lettered.
//
// Hosts (host_pool.h): round-robin with passive health. A host that fails at the transport
// level or with 502/503/504 is benched with per-host exponential backoff and probed back
// with one request; a request that failed that way is resent at once to another host when
// one is up. While every host is benched, requests wait for the next probe instead of each
// connecting on its own. With `sniff`, each node-discovery answer is authoritative for the
// discovered hosts (never for configured ones): a node it no longer lists is retired (no new
// requests; those in flight finish or fail and are resent elsewhere as usual) and reused if
// a later answer lists it again. An empty or failed answer changes nothing.
//
// Concurrency (adaptive_concurrency.h): requests in flight are limited by an AIMD limit
// between 1 and max_in_flight that halves on back-pressure (429, 503, timeouts, items
// answered 429, rising latency) and grows by one per window of successes. While
// requests fail, at most 2 x max_in_flight requests' events are held (in flight or waiting
// for their retry); new events stay in the buffer until those resolve.
//
// Shutdown: while Elasticsearch answers, the output goes on shipping what is buffered
// until the buffer is empty or the deadline passes; what is left in flight then is
// abandoned (its batches stay unacknowledged for the next run). When the last attempt
// found Elasticsearch unreachable, no new request starts at all. Then `done` runs, from
// the loop.
//
// Everything runs on the loop thread. Lifetimes: `loop`, `buffer` and `credentials`
// (nullable) must outlive the output. Destroy it only after `done` ran or never started.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"
#include "platforms/metrics/histogram.h"
#include "transport/adaptive_concurrency.h"
#include "transport/backoff.h"
#include "transport/body_compressor.h"
#include "transport/bulk_request.h"
#include "transport/bulk_response.h"
#include "transport/cluster_info.h"
#include "transport/credentials.h"
#include "transport/dead_letter.h"
#include "transport/gzip_encoder.h"
#include "transport/host_pool.h"
#include "transport/http_client.h"
#include "transport/http_endpoint.h"
#include "transport/log_limiter.h"
#include "transport/node_sniffer.h"

namespace transport {

using std::chrono::milliseconds;

struct OutputOptions {
  std::vector<std::string> hosts;  // "http://es-1:9200"; round-robin
  std::string agent_id;            // in every _id
  std::string default_index = "logs-generic-default";
  uint64_t max_batch_bytes = 2 * 1024 * 1024;  // uncompressed body
  uint64_t max_batch_docs = 10'000;
  milliseconds flush_interval{1'000};
  int max_in_flight = 4;
  milliseconds retry_initial{500};
  milliseconds retry_max{30'000};
  milliseconds request_timeout{60'000};
  milliseconds connect_timeout{10'000};
  bool deterministic_ids = true;
  // Stamp agent.identity (the credential's JWT subject) on every document: an audit trail
  // of which workload identity shipped what.
  bool stamp_identity = false;
  bool gzip = false;
  // Node discovery (node_sniffer.h): add the cluster's nodes to `hosts`, asked at start,
  // every sniff_interval and soon after a host fails.
  bool sniff = false;
  milliseconds sniff_interval{300'000};
  // zlib level for gzip bodies, 1 (fastest; most of the gain) to 9. Bodies are compressed
  // on libuv's thread pool (body_compressor.h), never on the loop.
  int compression_level = GzipEncoder::kDefaultLevel;
  // https: trust and client certificate (tls_options.h). Proxy: "http://host:3128", or
  // empty to use `proxy_env` (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; proxy_resolver.h).
  TlsOptions tls;
  std::string proxy;
  EnvLookup proxy_env;
  // Index templates (index_template.h) and data streams (bulk_request.h).
  std::string index_fallback = "logs-generic-default";
  bool data_stream = false;
  bool require_data_stream = false;             // ?require_data_stream=true (Elasticsearch 8.13+)
  std::string dead_letter_dir;                  // required: DATA_DIR/dead-letter
  uint64_t dead_letter_max_bytes = 1ull << 30;  // 1 GiB
  std::string user_agent;                       // empty: "skiff/<version>"
  // Test seams. Empty: a seeded generator / the real clock.
  Backoff::RandomUnit random;
  const base::Clock* clock = nullptr;
};

// What became of a request, for the latency histogram: ok (2xx; items may still have been
// retried), retried (whole-request 429/5xx/403/401/413, or items answered 429), a transport
// error (no answer), rejected (other 4xx: dead-lettered).
enum class RequestOutcome { kOk, kRetried, kTransportError, kRejected, kCount };
std::string_view RequestOutcomeName(RequestOutcome outcome);

struct OutputStats {
  // Documents Elasticsearch has: created, plus the two subsets below.
  uint64_t docs_delivered = 0;
  uint64_t docs_duplicate = 0;            // 409 on create (a resend of something it had)
  uint64_t docs_failure_store = 0;        // accepted into the data stream's failure store
  uint64_t docs_dead_lettered = 0;        // written to the dead-letter files
  uint64_t docs_dead_letter_dropped = 0;  // rejected beyond the dead-letter size cap
  uint64_t item_retries = 0;              // items resent alone after 429/5xx
  // Requests by outcome.
  uint64_t requests_ok = 0;               // 2xx with every item accounted for
  uint64_t requests_retried = 0;          // resent whole (status, malformed response)
  uint64_t requests_transport_error = 0;  // no response: refused, reset, timeout (resent)
  uint64_t requests_auth_refreshed = 0;   // 401 answered by a credential refresh
  uint64_t requests_forbidden = 0;        // 403 (resent after backoff)
  uint64_t requests_split = 0;            // 413 split in halves
  uint64_t requests_dead_lettered = 0;    // other 4xx: all documents dead-lettered
  uint64_t bytes_sent = 0;                // request bodies as sent (compressed if gzip)
  uint64_t index_fallbacks = 0;           // documents sent to index_fallback (missing field)
  uint64_t host_benchings = 0;            // times a host was benched
  uint64_t connections_opened = 0;        // connection attempts (new TCP connections)
  int in_flight = 0;
  int in_flight_limit = 0;  // the adaptive limit, 1..max_in_flight
  struct HostHealth {
    std::string name;  // "http://es-1:9200"
    bool up = true;    // in rotation (false while benched or retired)
    // A discovered node the last node discovery no longer listed: no request goes there.
    bool retired = false;
  };
  std::vector<HostHealth> hosts;
  // https only: handshakes by host and outcome, resumed sessions, certificate expiry
  // (tls_context.h). Copied from the HTTP client's TLS context when it changed, at each
  // answer or failure.
  TlsStats tls;
  // Request round-trip times by RequestOutcome, in metrics::kLatencyBucketsSeconds.
  struct Latency {
    std::array<uint64_t, metrics::kLatencyBucketsSeconds.size() + 1> buckets{};
    double sum_seconds = 0;
    metrics::HistogramData data() const {
      return {metrics::kLatencyBucketsSeconds, buckets, sum_seconds};
    }
  };
  std::array<Latency, static_cast<std::size_t>(RequestOutcome::kCount)> latency;
};

class ElasticsearchOutput {
 public:
  ElasticsearchOutput(uv_loop_t* loop, buffer::EventBuffer& buffer, Credentials* credentials,
                      OutputOptions options);
  ~ElasticsearchOutput();
  ElasticsearchOutput(const ElasticsearchOutput&) = delete;
  ElasticsearchOutput& operator=(const ElasticsearchOutput&) = delete;

  // Checks the options, opens the dead-letter directory, asks `GET /` for the cluster's
  // flavour and version (logged; 401/403 and unreachable hosts are not fatal) and starts
  // reading the buffer.
  base::Status Start();

  void Shutdown(milliseconds deadline, std::function<void()> done);

  const OutputStats& stats() const { return stats_; }
  // OK while shipping; otherwise why not (unreachable, or 403 on bulk requests). Served by
  // /readyz: no secrets.
  base::Status Readiness() const;

 private:
  // Events to send (or resend) together.
  struct Work {
    std::vector<BulkItemRef> items;
    int attempt = 0;         // retries so far
    bool refreshed = false;  // already resent after a credential refresh
    std::chrono::steady_clock::time_point not_before{};
  };
  struct InFlight {
    Work work;
    std::size_t host = 0;
    bool probe = false;  // the one request let through to a benched host
    std::chrono::steady_clock::time_point sent_at{};
    uint64_t generation = 0;  // AdaptiveConcurrency::generation() when sent
    HttpRequest request;      // until handed to the client
    bool compressing = false;  // its body is being gzipped on the thread pool
  };
  struct LeaseState {
    const buffer::EventBatch* batch = nullptr;  // valid until Ack
    uint32_t packed = 0;                        // events [0, packed) are in some request
    uint32_t unresolved = 0;                    // events not yet delivered or dead-lettered
  };
  struct Host {
    HttpEndpoint endpoint;
    std::string name;
  };
  struct PendingDeadLetter {
    BulkItemRef ref;
    int status;
    const ElasticsearchError* error;
  };

  void SchedulePump();
  void Pump();
  bool FillOpen(std::chrono::steady_clock::time_point now);  // true: the buffer ran dry
  bool OpenFull() const;
  void ArmWakeTimer(std::chrono::steady_clock::time_point now);
  void SendWork(Work work, std::string body, HostPool::Pick pick);
  void OnCompressed(uint64_t id, BodyCompressor::Outcome outcome);
  // Adds the credential's headers (if any), then sends.
  void Authorize(uint64_t id);
  void SendHttp(uint64_t id);
  void OnResponse(uint64_t id, base::Result<HttpResponse> result);
  void HandleStatus(InFlight flight, const HttpResponse& response);
  void HandleItems(InFlight flight, const HttpResponse& response);
  void Retry(Work work, std::optional<milliseconds> retry_after, std::string_view host,
             std::string_view why, bool failover = false);
  void Resolve(const BulkItemRef& ref);
  // Writes the dead letters and resolves their items; on a write error they are retried.
  void DeadLetterItems(std::span<const PendingDeadLetter> letters, const Work& work);
  // A host failed a request (transport error, 502/503/504); true when `work` may be resent
  // at once because another host is up.
  bool HostFailed(const InFlight& flight);
  void SyncHostStats();
  // Copies the TLS counters into stats_ when they changed (a version compare otherwise).
  void SyncTlsStats();
  void Observe(const InFlight& flight, RequestOutcome outcome, AdaptiveConcurrency::Signal signal);
  void LogDecision(base::LogLevel level, const std::string& line);
  void SendProbe();
  void SendSniff();
  void OnSniff(base::Result<HttpResponse> result, std::size_t host);
  // Makes the answer authoritative for discovered hosts: adds the new ones, reinstates the
  // retired ones it lists again, retires those it no longer lists. An answer without a
  // usable address changes nothing. `through`: the host that answered, for the log.
  void ApplySniff(std::span<const std::string> addresses, std::string_view through);
  // Sniffs again after `delay` unless a sniff is due sooner.
  void ScheduleSniff(milliseconds delay);
  void OnProbe(base::Result<HttpResponse> result, std::size_t host);
  void FinishShutdown();
  std::chrono::steady_clock::time_point Now() const { return clock_->Now(); }

  uv_loop_t* const loop_;
  buffer::EventBuffer& buffer_;
  // The subject to stamp on documents now (empty: none).
  std::string_view StampedIdentity() const;

  Credentials* const credentials_;
  const OutputOptions options_;
  base::RealClock real_clock_;
  const base::Clock* clock_;
  Backoff backoff_;
  std::vector<Host> hosts_;
  HostPool host_pool_;
  AdaptiveConcurrency concurrency_;
  std::string bulk_target_;
  uint64_t fallbacks_logged_ = 0;
  std::string user_agent_;
  BulkRequest open_;  // the request being filled with new events
  // The next event did not fit in open_: it is full even though below max_batch_bytes.
  bool open_overflowed_ = false;
  std::chrono::steady_clock::time_point open_since_{};
  BulkRequest render_;                      // scratch for re-rendering retries
  std::optional<uint64_t> packing_lease_;   // the lease whose events are still being packed
  std::map<uint64_t, LeaseState> leases_;   // by lease id
  std::deque<Work> waiting_;                // retries waiting for their backoff
  std::map<uint64_t, InFlight> in_flight_;  // by request id; nodes stay put
  uint64_t next_request_id_ = 1;
  BulkResponse response_;
  BodyCompressor compressor_;
  // The media types of bulk requests (cluster_info.h): plain until GET / tells the version;
  // plain for good once a cluster refused the compatible ones with 406.
  MediaTypes media_ = kPlainMediaTypes;
  bool compatible_refused_ = false;
  std::string dead_letter_scratch_;
  DeadLetterWriter dead_letters_;
  LogLimiter retry_log_;
  OutputStats stats_;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  // Shutdown: still shipping what is buffered, until it is empty or the deadline passes.
  bool draining_ = false;
  // The last request (or GET /) got an HTTP answer; a transport error clears it.
  bool reachable_ = false;
  // The last bulk answer was 403 (the role lacks privileges); cleared by the next 2xx.
  bool forbidden_ = false;
  int probe_attempt_ = 0;
  std::function<void()> done_;
  // Lets callbacks from a credential provider notice that the output is gone: providers
  // may complete after we are destroyed (shared_ptr for weak_ptr; nothing else holds it).
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  // A uv timer and what it runs; the handle's data points at `run`.
  struct Timer {
    base::UvHandle<uv_timer_t> handle;
    std::function<void()> run;
  };
  Timer pump_timer_;      // 1 ms kicks: Pump never runs re-entrantly
  Timer wake_timer_;      // the next retry or flush deadline
  Timer probe_timer_;     // GET / retries
  Timer sniff_timer_;     // the next GET /_nodes/http (sniff = true)
  bool sniffing_ = false;
  std::chrono::steady_clock::time_point next_sniff_{};
  Timer shutdown_timer_;  // the shutdown deadline
  Timer done_timer_;      // runs `done` from the loop
  // Declared last: destroyed first, so no HTTP callback can reach a half-destroyed output.
  HttpClient client_;
};

}  // namespace transport
