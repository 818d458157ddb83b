#include "agent/agent_metrics.h"

#include <array>
#include <chrono>
#include <span>

#include "platforms/base/log.h"
#include "platforms/metrics/metrics_routes.h"

namespace agent {

AgentMetrics::AgentMetrics(uv_loop_t* loop, const Pipeline& pipeline)
    : pipeline_(pipeline), server_(loop) {
  inputs_ = registry_.AddCollector([this](metrics::SampleWriter& w) { CollectInputs(w); });
  buffer_ = registry_.AddCollector([this](metrics::SampleWriter& w) { CollectBuffer(w); });
  output_ = registry_.AddCollector([this](metrics::SampleWriter& w) { CollectOutput(w); });
  auth_ = registry_.AddCollector([this](metrics::SampleWriter& w) { CollectAuth(w); });
  metrics::AddMetricsRoutes(server_, registry_, [this] { return pipeline_.Readiness(); });
}

base::Status AgentMetrics::Start(const config::MetricsConfig& config,
                                 const std::string& control_socket) {
  if (base::Status s = server_.ListenUnix(control_socket); !s.ok()) {
    return s.WithContext("control socket");
  }
  if (!config.listen.empty()) {
    if (base::Status s = server_.ListenTcp(config.listen); !s.ok()) {
      return s.WithContext("[metrics] listen");
    }
    base::LogInfo("agent", base::StrCat("serving /metrics, /healthz and /readyz on ", config.listen,
                                        " (port ", server_.tcp_port(), ")"));
  }
  return base::Status::Ok();
}

void AgentMetrics::CollectInputs(metrics::SampleWriter& w) const {
  for (const auto& input : pipeline_.inputs()) {
    const InputStats s = input->stats();
    const std::array<metrics::Label, 2> label_list = {
        {{"input", input->id()}, {"type", input->type()}}};
    const metrics::Labels labels{std::span<const metrics::Label>(label_list)};
    w.Counter("skiff_input_events_total", "Events read and appended to the buffer.", s.events,
              labels);
    w.Counter("skiff_input_bytes_total", "Bytes read from the source.", s.bytes, labels);
    w.Gauge("skiff_input_files_open", "Files held open.", s.files_open, labels);
    w.Gauge("skiff_input_lag_bytes", "Bytes in the input's sources not read yet.", s.lag_bytes,
            labels);
    w.Counter("skiff_input_errors_total", "Failed reads and refused appends (each logged).",
              s.errors, labels);
    w.Counter("skiff_input_json_failures_total",
              "Lines that looked like JSON but did not parse (sent with their text as message).",
              s.json_failures, labels);
    w.Counter("skiff_input_timestamp_failures_total",
              "Events whose timestamp could not be parsed (sent with the read time).",
              s.timestamp_failures, labels);
    w.Counter("skiff_input_multiline_cut_total",
              "Multiline events cut at multiline.max_lines or max_bytes.", s.multiline_cut,
              labels);
    w.Counter("skiff_input_multiline_timeouts_total",
              "Multiline events sent after multiline.timeout without their next line.",
              s.multiline_timed_out, labels);
    w.Counter("skiff_input_partial_lines_total",
              "Last lines sent without their newline (flush_partial_after, or the file ended).",
              s.partial_lines, labels);
    w.Counter("skiff_input_truncated_lines_total", "Lines cut at max_line_bytes (flagged).",
              s.truncated_lines, labels);
  }
}

void AgentMetrics::CollectBuffer(metrics::SampleWriter& w) const {
  const buffer::Ring& ring = pipeline_.ring();
  const buffer::RingStats s = ring.stats();
  const uint64_t max_bytes = ring.options().max_bytes;
  w.Gauge("skiff_buffer_bytes", "Bytes of segment files on disk.", s.bytes_on_disk);
  w.Gauge("skiff_buffer_max_bytes", "The configured bound, buffer.max_bytes.", max_bytes);
  w.Gauge(
      "skiff_buffer_fill_ratio", "skiff_buffer_bytes / skiff_buffer_max_bytes.",
      max_bytes == 0 ? 0.0 : static_cast<double>(s.bytes_on_disk) / static_cast<double>(max_bytes));
  w.Gauge("skiff_buffer_frames", "Frames not yet acknowledged by the output.", s.frames);
  w.Gauge("skiff_buffer_oldest_unacknowledged_age_seconds",
          "Age of the oldest frame not yet acknowledged (0 when none).",
          std::chrono::duration<double>(ring.OldestUnacknowledgedAge()).count());
  w.Counter("skiff_buffer_raw_bytes_written_total",
            "Uncompressed bytes of the frames written by this process.", s.raw_bytes_written);
  w.Counter("skiff_buffer_compressed_bytes_written_total",
            "Compressed bytes of the frames written by this process.", s.compressed_bytes_written);
  w.Gauge("skiff_buffer_compression_ratio",
          "Uncompressed / compressed bytes of the frames written by this process.",
          s.CompressionRatio());
  w.Counter("skiff_buffer_corrupt_frames_total",
            "Corrupt frames and regions skipped (recovery and reads).", s.corrupt_frames);
  w.Gauge("skiff_buffer_healthy", "1 while the ring can write; 0 during disk trouble.",
          s.healthy ? 1 : 0);
  w.Gauge("skiff_buffer_paused", "1 while inputs are paused (ring full or disk trouble).",
          s.paused ? 1 : 0);
  w.Gauge("skiff_buffer_pending_batches", "Batches accepted and not yet written.",
          s.pending_batches);
  w.Counter("skiff_buffer_disk_trouble_episodes_total",
            "Times writes to the ring started failing (ENOSPC, EROFS, EIO).",
            s.disk_trouble_episodes);
  w.Counter("skiff_buffer_dropped_events_total",
            "Events dropped unshipped: when_full = drop_oldest, or lost to corruption.",
            s.dropped_events);
}

void AgentMetrics::CollectOutput(metrics::SampleWriter& w) const {
  const transport::OutputStats& s = pipeline_.output_stats();
  constexpr std::string_view kDocs = "Documents by outcome.";
  w.Counter("skiff_output_documents_total", kDocs, s.docs_delivered, {{"outcome", "delivered"}});
  w.Counter("skiff_output_documents_total", kDocs, s.docs_duplicate, {{"outcome", "duplicate"}});
  w.Counter("skiff_output_documents_total", kDocs, s.docs_failure_store,
            {{"outcome", "failure_store"}});
  w.Counter("skiff_output_documents_total", kDocs, s.docs_dead_lettered,
            {{"outcome", "dead_lettered"}});
  w.Counter("skiff_output_documents_total", kDocs, s.docs_dead_letter_dropped,
            {{"outcome", "dead_letter_dropped"}});
  w.Counter("skiff_output_item_retries_total", "Documents resent alone after 429 or 5xx.",
            s.item_retries);
  constexpr std::string_view kRequests = "Bulk requests by outcome.";
  w.Counter("skiff_output_requests_total", kRequests, s.requests_ok, {{"outcome", "ok"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_retried, {{"outcome", "retried"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_transport_error,
            {{"outcome", "transport_error"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_auth_refreshed,
            {{"outcome", "auth_refreshed"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_forbidden,
            {{"outcome", "forbidden"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_split, {{"outcome", "split"}});
  w.Counter("skiff_output_requests_total", kRequests, s.requests_dead_lettered,
            {{"outcome", "dead_lettered"}});
  w.Counter("skiff_output_bytes_total", "Request body bytes sent (compressed if gzip).",
            s.bytes_sent);
  w.Gauge("skiff_output_in_flight", "Bulk requests in flight.", s.in_flight);
  w.Gauge("skiff_output_in_flight_limit",
          "The adaptive limit on bulk requests in flight (1 to max_in_flight).", s.in_flight_limit);
  w.Counter("skiff_output_documents_failure_store_total",
            "Documents accepted into a data stream's failure store (also counted delivered).",
            s.docs_failure_store);
  w.Counter("skiff_output_index_fallback_total",
            "Documents sent to index_fallback: a field their index refers to was missing.",
            s.index_fallbacks);
  w.Counter("skiff_output_host_benched_total",
            "Times a host was benched after a connection error or a 502/503/504.",
            s.host_benchings);
  w.Counter("skiff_output_connections_opened_total",
            "Connection attempts to Elasticsearch hosts (new TCP connections).",
            s.connections_opened);
  for (const transport::OutputStats::HostHealth& h : s.hosts) {
    if (h.retired) continue;  // a discovered node that left the cluster: neither up nor down
    w.Gauge("skiff_output_host_up", "1 while the host is in rotation, 0 while benched.",
            h.up ? 1 : 0, {{"host", h.name}});
  }
  CollectOutputTls(w, s.tls);
  for (std::size_t i = 0; i < s.latency.size(); ++i) {
    w.Histogram(
        "skiff_output_request_duration_seconds", "Bulk request round-trip time, by outcome.",
        s.latency[i].data(),
        {{"outcome", transport::RequestOutcomeName(static_cast<transport::RequestOutcome>(i))}});
  }
}

void AgentMetrics::CollectOutputTls(metrics::SampleWriter& w, const transport::TlsStats& tls) {
  for (const auto& [host, peer] : tls.peers) {
    for (std::size_t i = 0; i < transport::kHandshakeOutcomeCount; ++i) {
      const std::array<metrics::Label, 2> label_list = {
          {{"host", host},
           {"outcome",
            transport::HandshakeOutcomeName(static_cast<transport::HandshakeOutcome>(i))}}};
      w.Counter("skiff_output_tls_handshakes_total",
                "TLS handshakes with Elasticsearch hosts, by outcome (one per connection).",
                peer.handshakes[i], metrics::Labels{std::span<const metrics::Label>(label_list)});
    }
    w.Counter("skiff_output_tls_sessions_resumed_total",
              "TLS handshakes that resumed an earlier session (no certificate exchange).",
              peer.sessions_resumed, {{"host", host}});
    if (peer.certificate_not_after) {
      w.Gauge("skiff_output_tls_server_certificate_expiry_timestamp_seconds",
              "notAfter of the host's TLS certificate seen at the last handshake (Unix time).",
              *peer.certificate_not_after, {{"host", host}});
    }
  }
  if (tls.client_certificate_not_after) {
    w.Gauge("skiff_output_tls_client_certificate_expiry_timestamp_seconds",
            "notAfter of the client certificate in use for mutual TLS (Unix time).",
            *tls.client_certificate_not_after);
  }
}

void AgentMetrics::CollectAuth(metrics::SampleWriter& w) const {
  const transport::Credentials* credentials = pipeline_.credentials();
  if (credentials == nullptr) return;  // [auth] type = "none": nothing to show
  const transport::CredentialStats s = credentials->Stats();
  if (s.provider.empty()) return;
  const std::array<metrics::Label, 1> label_list = {{{"provider", s.provider}}};
  const metrics::Labels labels{std::span<const metrics::Label>(label_list)};
  w.Counter("skiff_auth_refreshes_total", "Credentials obtained (the first one included).",
            s.refreshes, labels);
  w.Counter("skiff_auth_refresh_failures_total",
            "Credential fetches that failed (each retried with backoff).", s.refresh_failures,
            labels);
  if (s.time_to_expiry) {
    w.Gauge("skiff_auth_credential_expiry_seconds",
            "Seconds until the current credential expires (negative once expired).",
            std::chrono::duration<double>(*s.time_to_expiry).count(), labels);
  }
}

}  // namespace agent
