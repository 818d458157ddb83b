#include "agent/status_report.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "agent/version.h"
#include "platforms/base/json_writer.h"

namespace agent {
namespace {

// Appends `"name":` after a comma unless the object has just opened.
void Key(std::string& out, std::string_view name) {
  if (out.back() != '{') out += ',';
  base::AppendJsonString(out, name);
  out += ':';
}

void Field(std::string& out, std::string_view name, uint64_t value) {
  Key(out, name);
  out += std::to_string(value);
}

void Field(std::string& out, std::string_view name, bool value) {
  Key(out, name);
  out += value ? "true" : "false";
}

void Field(std::string& out, std::string_view name, double value) {
  Key(out, name);
  char text[32];
  const int n = std::snprintf(text, sizeof(text), "%.6g", value);
  out.append(text, static_cast<std::size_t>(n > 0 ? n : 0));
}

void Field(std::string& out, std::string_view name, std::string_view value) {
  Key(out, name);
  base::AppendJsonString(out, value);
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

StatusReport::StatusReport(const Pipeline& pipeline, const ConfigReloader& reloader,
                           std::string data_dir, std::string agent_id)
    : pipeline_(pipeline),
      reloader_(reloader),
      data_dir_(std::move(data_dir)),
      agent_id_(std::move(agent_id)) {}

std::string StatusReport::RenderJson() const {
  std::string out = "{";
  Field(out, "version", std::string_view(kVersion));
  Field(out, "pid", static_cast<uint64_t>(::getpid()));
  Field(out, "uptime_seconds", Seconds(std::chrono::steady_clock::now() - started_));
  Field(out, "config_path", reloader_.config_path());
  Field(out, "data_dir", data_dir_);
  Field(out, "agent_id", agent_id_);
  const base::Status readiness = pipeline_.Readiness();
  Key(out, "readiness");
  out += '{';
  Field(out, "ready", readiness.ok());
  Field(out, "reason", readiness.ok() ? std::string_view() : readiness.message());
  out += '}';
  AppendInputs(out);
  AppendBuffer(out);
  AppendOutput(out);
  Key(out, "last_reload");
  out += reloader_.last() ? reloader_.last()->ToJson() : "null";
  out += "}\n";
  return out;
}

void StatusReport::AppendInputs(std::string& out) const {
  Key(out, "inputs");
  out += '[';
  bool first = true;
  for (const auto& input : pipeline_.inputs()) {
    if (!first) out += ',';
    first = false;
    const InputStats s = input->stats();
    out += '{';
    Field(out, "id", input->id());
    Field(out, "type", input->type());
    Field(out, "events", s.events);
    Field(out, "bytes", s.bytes);
    Field(out, "files_open", s.files_open);
    Field(out, "errors", s.errors);
    Field(out, "lag_bytes", s.lag_bytes);
    out += '}';
  }
  out += ']';
}

void StatusReport::AppendBuffer(std::string& out) const {
  const buffer::Ring& ring = pipeline_.ring();
  const buffer::RingStats s = ring.stats();
  const uint64_t max_bytes = ring.options().max_bytes;
  Key(out, "buffer");
  out += '{';
  Field(out, "bytes", s.bytes_on_disk);
  Field(out, "max_bytes", max_bytes);
  Field(
      out, "fill_ratio",
      max_bytes == 0 ? 0.0 : static_cast<double>(s.bytes_on_disk) / static_cast<double>(max_bytes));
  Field(out, "frames", s.frames);
  Field(out, "pending_batches", s.pending_batches);
  Field(out, "oldest_unacknowledged_age_seconds", Seconds(ring.OldestUnacknowledgedAge()));
  Field(out, "healthy", s.healthy);
  Field(out, "paused", s.paused);
  Field(out, "dropped_events", s.dropped_events);
  Field(out, "corrupt_frames", s.corrupt_frames);
  out += '}';
}

void StatusReport::AppendOutput(std::string& out) const {
  const transport::OutputStats& s = pipeline_.output_stats();
  Key(out, "output");
  out += '{';
  Key(out, "documents");
  out += '{';
  Field(out, "delivered", s.docs_delivered);
  Field(out, "duplicate", s.docs_duplicate);
  Field(out, "failure_store", s.docs_failure_store);
  Field(out, "dead_lettered", s.docs_dead_lettered);
  Field(out, "dead_letter_dropped", s.docs_dead_letter_dropped);
  out += '}';
  Field(out, "bytes_sent", s.bytes_sent);
  Key(out, "requests");
  out += '{';
  Field(out, "ok", s.requests_ok);
  Field(out, "retried", s.requests_retried);
  Field(out, "transport_error", s.requests_transport_error);
  Field(out, "auth_refreshed", s.requests_auth_refreshed);
  Field(out, "forbidden", s.requests_forbidden);
  Field(out, "split", s.requests_split);
  Field(out, "dead_lettered", s.requests_dead_lettered);
  out += '}';
  Field(out, "item_retries", s.item_retries);
  Field(out, "in_flight", static_cast<uint64_t>(s.in_flight < 0 ? 0 : s.in_flight));
  out += '}';
}

}  // namespace agent
