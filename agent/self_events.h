// SelfEvents: `[self] ship = true` puts skiff's own status and its own warnings and
// errors into the ring as events, shipped to `[self] index` like any input's, so every
// agent's health can be read from Elasticsearch alone.
//  - Every `interval`: one "skiff status" event (event.kind "metric") whose `skiff`
//    member is the /status document (agent/status_report.h): inputs, buffer fill and age,
//    output counters, reload state.
//  - Every log line at or above `min_level`: one event with log.level, log.logger and the
//    message, at the line's time. Lines are captured by a process-wide queue through
//    base::SetLogObserver (any thread may log), bounded at kMaxQueuedLines; more are
//    dropped, counted, and the count is in the next status event and in a log line.
// Events skip the processors and go straight into the ring. While the ring is Full() a
// status tick is skipped and log lines wait in the queue (bounded as above).
// Document ids: source_key "self:<agent id>:<start unix nanos>", offsets a sequence, so
// each event has its own _id and a resend from the ring keeps it.
// Lives on the loop thread; Start() after the pipeline's, Stop() before it is destroyed.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "agent/shared_fields.h"
#include "agent/status_report.h"
#include "buffer/event_buffer.h"
#include "config/config.h"
#include "platforms/base/clock.h"
#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

class SelfEvents {
 public:
  static constexpr std::size_t kMaxQueuedLines = 1000;

  // All references are borrowed and must outlive this object.
  SelfEvents(uv_loop_t* loop, const config::SelfConfig& config, buffer::EventBuffer& buffer,
             const StatusReport& status, const AgentIdentity& identity, const base::Clock& clock);
  SelfEvents(const SelfEvents&) = delete;
  SelfEvents& operator=(const SelfEvents&) = delete;
  ~SelfEvents();

  // Does nothing unless config.ship.
  base::Status Start();
  // Appends what is queued (when there is room), then stops capturing.
  void Stop();

  uint64_t events_appended() const { return next_offset_; }

 private:
  void AppendStatus();
  void AppendQueuedLines();
  void Append(buffer::EventBatch batch);

  uv_loop_t* loop_;
  config::SelfConfig config_;
  buffer::EventBuffer& buffer_;
  const StatusReport& status_;
  const base::Clock& clock_;
  std::string shared_fields_json_;
  std::string source_key_;
  uint64_t next_offset_ = 0;
  uint64_t skipped_ticks_ = 0;
  bool started_ = false;
  base::UvHandle<uv_timer_t> timer_;
  base::UvHandle<uv_async_t> wake_;
};

}  // namespace agent
