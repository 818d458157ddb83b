// TaskOutput: turns one task run's output lines and its start and end into events in the
// event buffer. `skiff exec` feeds it from two PipeReaders, and so does each run of the
// daemon's [[inputs.exec]] (command_run.h).
//
// Sources and document ids: each run has three sources, "exec/<run_id>/stdout",
// "exec/<run_id>/stderr" and "exec/<run_id>/task" (the lifecycle events). An event's
// offset is its sequence number within its source (0, 1, 2, ...; for "task": 0 = started,
// 1 = finished), so its _id is a function of (agent id, run id, stream, sequence): a resend
// after a crash or by the daemon that adopts an orphaned ring is a 409, never a duplicate.
//
// Fields (ECS names): every event carries `shared_fields_json` (host, agent, task.name,
// task.run_id, process.pid, process.command_line, the user's fields); lines add
// `log.stream` ("stdout" | "stderr"); text is made valid UTF-8 (flag invalid_utf8), lines
// longer than max_line_bytes are cut (flag truncated) and an unfinished last line is
// flagged partial. The lifecycle events are documented at TaskStarted() and TaskFinished().
//
// Parsing (optional, `format`): each stream's lines go through its own EventAssembler
// (event_assembler.h: multiline, JSON lines, text timestamps), as a file's do. A line's
// offset is then its sequence number in its stream, and an event's offset that of its
// first line, so ids stay deterministic; what the assembler holds is sent after
// multiline.timeout, or when the run finishes.
//
// Batching: a stream's lines go into one batch, appended once it holds `batch_bytes` or
// `flush_delay` after its first line, whichever comes first, and at Flush().
//
// Backpressure, nothing dropped: a batch the buffer refuses (it is Full()) is held, in
// order, and appended again when the buffer has room. Blocked() is true while the buffer
// is Full() or a batch is held; the producer stops reading then (PipeReader::Pause) and
// resumes from `on_unblocked`. `skiff exec` lets TaskOutput take the buffer's one on-space
// slot; the daemon's inputs share it, so there `own_on_space` is false and the input calls
// OnBufferSpace() itself. What one read chunk brings after Blocked() turns true is
// still taken, so held memory stays within a few batches.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/inputs/child_process.h"
#include "agent/inputs/event_assembler.h"
#include "agent/line_splitter.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {

enum class TaskStream { kStdout = 0, kStderr = 1 };

std::string_view TaskStreamName(TaskStream stream);

struct TaskOutputOptions {
  std::string run_id;
  std::string index;  // empty: the output's index
  // JSON object members every event carries, without braces (agent/shared_fields.h plus
  // the task and process fields).
  std::string shared_fields_json;
  // At most a quarter of the buffer's max_bytes: a bigger batch might never fit in it.
  std::size_t batch_bytes = 1024 * 1024;
  // Bounds the delay a quiet task's lines wait for their batch to fill.
  std::chrono::milliseconds flush_delay{100};
  // Start() registers OnBufferSpace() with buffer.SetOnSpace (and Stop() clears it).
  bool own_on_space = true;
  // Borrowed, must outlive the TaskOutput; null: every line is an event as it is.
  EventFormat* format = nullptr;
};

struct TaskStreamCounters {
  uint64_t lines = 0;
  uint64_t bytes = 0;  // line bytes as read, before truncation, without line endings
  uint64_t truncated_lines = 0;
  uint64_t invalid_utf8_lines = 0;
  uint64_t partial_lines = 0;
};

class TaskOutput {
 public:
  // Borrows `loop`, `buffer` and `clock` for its lifetime.
  TaskOutput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
             TaskOutputOptions options);
  TaskOutput(const TaskOutput&) = delete;
  TaskOutput& operator=(const TaskOutput&) = delete;
  ~TaskOutput() = default;

  // `on_unblocked` runs each time the buffer has room again and nothing is held (the
  // producer resumes reading). Registers with buffer.SetOnSpace.
  base::Status Start(std::function<void()> on_unblocked);

  // "task started": event.action "task-started", event.start.
  void TaskStarted(int64_t start_unix_nanos);
  void AddLine(TaskStream stream, const LineSplitter::Line& line, bool partial);
  // "task finished" (or "task failed"): event.action "task-finished", event.outcome
  // success | failure, event.duration (ns), event.start, event.end, process.exit_code (the
  // shell status: 128 + N for signal N), process.signal.number and .name when a signal
  // ended it, and task.<stream>.lines / .bytes for both streams.
  // `reason`, when not empty, becomes event.reason (a run stopped at its timeout).
  void TaskFinished(const ChildExit& exit, int64_t end_unix_nanos, std::string_view reason = {});
  // A run skiff stopped (input removed or changed, agent shutting down): the same event
  // with event.outcome "unknown", event.reason `reason`, and process.exit_code only when
  // the exit is known.
  void TaskInterrupted(const std::optional<ChildExit>& exit, int64_t end_unix_nanos,
                       std::string_view reason);
  // A command that could not be started: "task failed to start" with error.message,
  // event.outcome failure and process.exit_code (127 or 126).
  void TaskFailedToStart(std::string_view error, int exit_code, int64_t unix_nanos);

  // Appends every partly filled batch (or holds it, when the buffer is Full()).
  void Flush();
  // Sends what the streams' assemblers hold (the run ended), then Flush().
  void FlushAll();
  bool Blocked() const { return !held_.empty() || buffer_.Full(); }
  // Events held because the buffer was Full() (nothing is lost while the process runs).
  std::size_t HeldEvents() const;
  // Resumes appending after the buffer had been Full(); Start() wires it to SetOnSpace.
  void OnBufferSpace();
  // Stops the flush timer and clears the buffer's on-space callback.
  void Stop();

  const TaskStreamCounters& counters(TaskStream stream) const {
    return counters_[static_cast<std::size_t>(stream)];
  }
  uint64_t append_errors() const { return append_errors_; }
  // Events the buffer took (lines or assembled events, and lifecycle events).
  uint64_t events_appended() const { return events_appended_; }

 private:
  struct Source {
    std::string source_key;
    std::string shared_fields_json;
    buffer::EventBatch batch;
    std::size_t batch_bytes = 0;
    uint64_t next_seq = 0;
    std::unique_ptr<EventAssembler> assembler;  // stdout and stderr, with a format
  };
  class StreamSink;

  static void OnFlushTimer(uv_timer_t* timer);
  void AddLifecycleEvent(std::string_view message, std::string fields_json, int64_t unix_nanos);
  void AddFinished(const std::optional<ChildExit>& exit, std::string_view outcome,
                   std::string_view reason, int64_t end_unix_nanos);
  void AssembleLine(Source& source, TaskStreamCounters& c, const LineSplitter::Line& line,
                    uint32_t flags);
  void AddEvent(Source& source, buffer::Event event);
  bool AssemblersHolding() const;
  void StartBatch(Source& source);
  void AppendBatch(Source& source);
  void Submit(buffer::EventBatch batch);
  void ArmFlushTimer();
  void UpdateBlocked();

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  const base::Clock& clock_;
  const TaskOutputOptions options_;
  std::array<Source, 3> sources_;  // stdout, stderr, task
  std::array<TaskStreamCounters, 2> counters_;
  std::deque<buffer::EventBatch> held_;  // refused by a Full() buffer, in append order
  base::UvHandle<uv_timer_t> flush_timer_;
  bool timer_armed_ = false;
  bool stopped_ = false;
  int64_t start_unix_nanos_ = 0;
  uint64_t append_errors_ = 0;
  uint64_t events_appended_ = 0;
  std::function<void()> on_unblocked_;
  std::string line_text_;  // the sanitized text of the line being assembled, reused
};

}  // namespace agent
