#include "agent/status_snapshot.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "platforms/base/log.h"

namespace agent {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

uint64_t Unsigned(const object& o, std::string_view key) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return 0;
  uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return u;
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS && d > 0) return static_cast<uint64_t>(d);
  return 0;
}

double Double(const object& o, std::string_view key) {
  element e;
  double d = 0;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return 0;
}

bool Bool(const object& o, std::string_view key, bool otherwise) {
  bool b = otherwise;
  element e;
  if (o.at_key(key).get(e) == simdjson::SUCCESS && e.get_bool().get(b) == simdjson::SUCCESS) {
    return b;
  }
  return otherwise;
}

std::string String(const object& o, std::string_view key) {
  std::string_view s;
  element e;
  if (o.at_key(key).get(e) == simdjson::SUCCESS && e.get_string().get(s) == simdjson::SUCCESS) {
    return std::string(s);
  }
  return {};
}

object Object(const object& o, std::string_view key) {
  object inner;
  element e;
  if (o.at_key(key).get(e) == simdjson::SUCCESS) {
    if (e.get_object().get(inner) == simdjson::SUCCESS) return inner;
  }
  return {};
}

bool HasObject(const object& o, std::string_view key) {
  element e;
  object inner;
  return o.at_key(key).get(e) == simdjson::SUCCESS &&
         e.get_object().get(inner) == simdjson::SUCCESS;
}

void ReadBuffer(const object& b, BufferSnapshot& out) {
  out.bytes = Unsigned(b, "bytes");
  out.max_bytes = Unsigned(b, "max_bytes");
  out.fill_ratio = Double(b, "fill_ratio");
  out.frames = Unsigned(b, "frames");
  out.pending_batches = Unsigned(b, "pending_batches");
  out.oldest_unacknowledged_age_seconds = Double(b, "oldest_unacknowledged_age_seconds");
  out.healthy = Bool(b, "healthy", true);
  out.paused = Bool(b, "paused", false);
  out.dropped_events = Unsigned(b, "dropped_events");
  out.corrupt_frames = Unsigned(b, "corrupt_frames");
}

void ReadOutput(const object& o, OutputSnapshot& out) {
  if (HasObject(o, "documents")) {
    const object d = Object(o, "documents");
    out.delivered = Unsigned(d, "delivered");
    out.duplicate = Unsigned(d, "duplicate");
    out.failure_store = Unsigned(d, "failure_store");
    out.dead_lettered = Unsigned(d, "dead_lettered");
    out.dead_letter_dropped = Unsigned(d, "dead_letter_dropped");
  }
  if (HasObject(o, "requests")) {
    const object r = Object(o, "requests");
    out.requests_ok = Unsigned(r, "ok");
    out.requests_retried = Unsigned(r, "retried");
    out.requests_transport_error = Unsigned(r, "transport_error");
    out.requests_auth_refreshed = Unsigned(r, "auth_refreshed");
    out.requests_forbidden = Unsigned(r, "forbidden");
    out.requests_split = Unsigned(r, "split");
    out.requests_dead_lettered = Unsigned(r, "dead_lettered");
  }
  out.bytes_sent = Unsigned(o, "bytes_sent");
  out.item_retries = Unsigned(o, "item_retries");
  out.in_flight = Unsigned(o, "in_flight");
}

void ReadLastReload(const object& r, StatusSnapshot& out) {
  out.last_reload_result = String(r, "result");
  out.last_reload_at = String(r, "at");
  out.last_reload_trigger = String(r, "trigger");
  element e;
  simdjson::dom::array errors;
  if (r.at_key("errors").get(e) != simdjson::SUCCESS ||
      e.get_array().get(errors) != simdjson::SUCCESS) {
    return;
  }
  for (element item : errors) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) {
      out.last_reload_errors.emplace_back(text);
    }
  }
}

std::string Padded(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string Number(uint64_t n) { return std::to_string(n); }

}  // namespace

base::Result<StatusSnapshot> ParseStatusSnapshot(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  element doc;
  object root;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return base::Corruption("the agent's /status is not a JSON object");
  }
  StatusSnapshot s;
  s.version = String(root, "version");
  s.pid = Unsigned(root, "pid");
  s.uptime_seconds = Double(root, "uptime_seconds");
  s.config_path = String(root, "config_path");
  s.data_dir = String(root, "data_dir");
  s.agent_id = String(root, "agent_id");
  if (HasObject(root, "readiness")) {
    const object r = Object(root, "readiness");
    s.ready = Bool(r, "ready", false);
    s.not_ready_reason = String(r, "reason");
  }
  element e;
  simdjson::dom::array inputs;
  if (root.at_key("inputs").get(e) == simdjson::SUCCESS &&
      e.get_array().get(inputs) == simdjson::SUCCESS) {
    for (element item : inputs) {
      object in;
      if (item.get_object().get(in) != simdjson::SUCCESS) continue;
      s.inputs.push_back(InputSnapshot{String(in, "id"), String(in, "type"), Unsigned(in, "events"),
                                       Unsigned(in, "bytes"), Unsigned(in, "files_open"),
                                       Unsigned(in, "errors")});
    }
  }
  if (HasObject(root, "buffer")) ReadBuffer(Object(root, "buffer"), s.buffer);
  if (HasObject(root, "output")) ReadOutput(Object(root, "output"), s.output);
  if (HasObject(root, "last_reload")) ReadLastReload(Object(root, "last_reload"), s);
  return s;
}

std::string FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof(text), "%.0f B", bytes);
  } else {
    std::snprintf(text, sizeof(text), "%.1f %s", bytes, kUnits[unit]);
  }
  return text;
}

std::string FormatDuration(double seconds) {
  const auto s = static_cast<uint64_t>(std::max(0.0, seconds));
  if (s >= 86400) return base::StrCat(s / 86400, "d ", s % 86400 / 3600, "h");
  if (s >= 3600) return base::StrCat(s / 3600, "h ", s % 3600 / 60, "m");
  if (s >= 60) return base::StrCat(s / 60, "m ", s % 60, "s");
  return base::StrCat(s, "s");
}

std::string FormatStatusText(const StatusSnapshot& s) {
  std::string out;
  auto line = [&out](std::string_view label, std::string_view value) {
    out += Padded(label, 12);
    out += value;
    out += '\n';
  };
  line("skiff",
       base::StrCat(s.version, ", pid ", s.pid, ", up ", FormatDuration(s.uptime_seconds)));
  line("config", s.config_path);
  line("data_dir", s.data_dir);
  line("ready", s.ready ? "yes" : base::StrCat("no: ", s.not_ready_reason));
  if (!s.last_reload_result.empty()) {
    line("reload", base::StrCat(s.last_reload_result, " at ", s.last_reload_at, " (",
                                s.last_reload_trigger, ")"));
    for (const std::string& e : s.last_reload_errors) line("", e);
  }

  // Inputs: one row each, columns as wide as their widest cell.
  const std::vector<std::string> header = {"INPUT", "TYPE", "EVENTS", "BYTES", "FILES", "ERRORS"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const InputSnapshot& in : s.inputs) {
    rows.push_back({in.id, in.type, Number(in.events), FormatBytes(static_cast<double>(in.bytes)),
                    Number(in.files_open), Number(in.errors)});
  }
  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  out += '\n';
  for (const auto& row : rows) {
    std::string text;
    for (std::size_t i = 0; i < row.size(); ++i) {
      // Names left-aligned, numbers right-aligned.
      const std::size_t pad = widths[i] - row[i].size();
      if (i < 2) {
        text += row[i] + std::string(pad, ' ');
      } else {
        text += std::string(pad, ' ') + row[i];
      }
      if (i + 1 < row.size()) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + '\n';
  }
  if (s.inputs.empty()) out += "(no inputs)\n";
  out += '\n';

  const BufferSnapshot& b = s.buffer;
  char ratio[16];
  std::snprintf(ratio, sizeof(ratio), "%.1f%%", b.fill_ratio * 100);
  line("buffer", base::StrCat(FormatBytes(static_cast<double>(b.bytes)), " of ",
                              FormatBytes(static_cast<double>(b.max_bytes)), " (", ratio, "), ",
                              b.frames, " frames unacknowledged, oldest ",
                              FormatDuration(b.oldest_unacknowledged_age_seconds)));
  line("",
       base::StrCat(b.healthy ? "healthy" : "DISK TROUBLE", b.paused ? ", inputs paused" : "", ", ",
                    b.dropped_events, " events dropped, ", b.corrupt_frames, " corrupt frames"));
  const OutputSnapshot& o = s.output;
  line("output", base::StrCat(o.delivered, " documents delivered (", o.duplicate,
                              " already present), ", FormatBytes(static_cast<double>(o.bytes_sent)),
                              " sent, ", o.in_flight, " requests in flight"));
  line("",
       base::StrCat("requests: ", o.requests_ok, " ok, ", o.requests_retried, " retried, ",
                    o.requests_transport_error, " transport errors, ", o.requests_forbidden,
                    " forbidden, ", o.requests_split, " split; ", o.item_retries, " item retries"));
  line("", base::StrCat("dead letters: ", o.dead_lettered, " documents (", o.dead_letter_dropped,
                        " beyond the cap)"));
  return out;
}

}  // namespace agent
