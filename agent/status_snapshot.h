// StatusSnapshot: one `GET /status` answer (status_report.h, docs/operations.md) parsed
// back into values, for `skiff status` (FormatStatusText) and `skiff top` (top_view.h).
// Parsing is lenient about what it does not know: a newer agent may add fields, and a
// field it lacks reads as zero, so the CLI and the daemon need not be the same version.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"

namespace agent {

struct InputSnapshot {
  std::string id;
  std::string type;
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t files_open = 0;
  uint64_t errors = 0;
};

struct BufferSnapshot {
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;
  double fill_ratio = 0;
  uint64_t frames = 0;
  uint64_t pending_batches = 0;
  double oldest_unacknowledged_age_seconds = 0;
  bool healthy = true;
  bool paused = false;
  uint64_t dropped_events = 0;
  uint64_t corrupt_frames = 0;
};

struct OutputSnapshot {
  uint64_t delivered = 0;
  uint64_t duplicate = 0;
  uint64_t failure_store = 0;
  uint64_t dead_lettered = 0;
  uint64_t dead_letter_dropped = 0;
  uint64_t bytes_sent = 0;
  uint64_t requests_ok = 0;
  uint64_t requests_retried = 0;
  uint64_t requests_transport_error = 0;
  uint64_t requests_auth_refreshed = 0;
  uint64_t requests_forbidden = 0;
  uint64_t requests_split = 0;
  uint64_t requests_dead_lettered = 0;
  uint64_t item_retries = 0;
  uint64_t in_flight = 0;

  // Requests that did not go through at the first attempt, and retried items.
  uint64_t Retries() const {
    return requests_retried + requests_transport_error + requests_forbidden + item_retries;
  }
};

struct StatusSnapshot {
  std::string version;
  uint64_t pid = 0;
  double uptime_seconds = 0;  // the agent's clock: rates are computed on it
  std::string config_path;
  std::string data_dir;
  std::string agent_id;
  bool ready = false;
  std::string not_ready_reason;
  std::vector<InputSnapshot> inputs;
  BufferSnapshot buffer;
  OutputSnapshot output;
  // The last reload, if any: "applied" | "rejected" | "failed", when, and its errors.
  std::string last_reload_result;
  std::string last_reload_at;
  std::string last_reload_trigger;
  std::vector<std::string> last_reload_errors;
};

// kCorruption when `json` is not a JSON object.
base::Result<StatusSnapshot> ParseStatusSnapshot(std::string_view json);

// `skiff status` as aligned text: the agent, then a table of inputs, the buffer and the
// output, one fact per line.
std::string FormatStatusText(const StatusSnapshot& status);

// "1.5 MiB", "512 B": binary units, one decimal.
std::string FormatBytes(double bytes);
// "3d 4h", "2h 5m", "5m 3s", "42s".
std::string FormatDuration(double seconds);

}  // namespace agent
