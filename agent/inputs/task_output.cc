#include "agent/inputs/task_output.h"

#include <csignal>
#include <cstring>
#include <utility>

#include "agent/utf8_sanitizer.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// What EventBatch::ByteSize() charges per event besides its text.
constexpr std::size_t kEventOverheadBytes = 32;
constexpr std::size_t kTaskSource = 2;

void AppendMember(std::string& out, std::string_view key) {
  if (!out.empty()) out += ',';
  base::AppendJsonString(out, key);
  out += ':';
}

void AppendUintMember(std::string& out, std::string_view key, uint64_t value) {
  AppendMember(out, key);
  out += std::to_string(value);
}

void AppendStringMember(std::string& out, std::string_view key, std::string_view value) {
  AppendMember(out, key);
  base::AppendJsonString(out, value);
}

void AppendTimeMember(std::string& out, std::string_view key, int64_t unix_nanos) {
  AppendMember(out, key);
  base::AppendJsonTimestamp(out, unix_nanos);
}

std::string SignalName(int signum) {
  const char* abbrev = sigabbrev_np(signum);
  if (abbrev == nullptr) return base::StrCat("SIG", signum);
  return base::StrCat("SIG", abbrev);
}

}  // namespace

std::string_view TaskStreamName(TaskStream stream) {
  return stream == TaskStream::kStdout ? "stdout" : "stderr";
}

TaskOutput::TaskOutput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
                       TaskOutputOptions options)
    : loop_(loop), buffer_(buffer), clock_(clock), options_(std::move(options)) {
  static constexpr std::string_view kSourceNames[] = {"stdout", "stderr", "task"};
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    Source& source = sources_[i];
    source.source_key = base::StrCat("exec/", options_.run_id, "/", kSourceNames[i]);
    source.shared_fields_json = options_.shared_fields_json;
    if (i != kTaskSource) {
      AppendStringMember(source.shared_fields_json, "log.stream", kSourceNames[i]);
    }
    StartBatch(source);
    if (i != kTaskSource && options_.format != nullptr) {
      source.assembler = std::make_unique<EventAssembler>(*options_.format);
    }
  }
}

// The EventSink a stream's assembler emits into: that stream's batch.
class TaskOutput::StreamSink final : public EventSink {
 public:
  // Borrows both for the duration of one assembler call.
  StreamSink(TaskOutput& output, Source& source) : output_(output), source_(source) {}
  void Emit(buffer::Event event) override { output_.AddEvent(source_, std::move(event)); }

 private:
  TaskOutput& output_;
  Source& source_;
};

base::Status TaskOutput::Start(std::function<void()> on_unblocked) {
  on_unblocked_ = std::move(on_unblocked);
  if (int rc = uv_timer_init(loop_, flush_timer_.get()); rc != 0) {
    return base::UvStatus(rc, "init timer");
  }
  flush_timer_.MarkInitialized();
  flush_timer_->data = this;
  if (options_.own_on_space) buffer_.SetOnSpace([this] { OnBufferSpace(); });
  return base::Status::Ok();
}

void TaskOutput::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (options_.own_on_space) buffer_.SetOnSpace(nullptr);
  flush_timer_.Reset();
  timer_armed_ = false;
}

void TaskOutput::TaskStarted(int64_t start_unix_nanos) {
  start_unix_nanos_ = start_unix_nanos;
  std::string fields;
  AppendStringMember(fields, "event.action", "task-started");
  AppendTimeMember(fields, "event.start", start_unix_nanos);
  AddLifecycleEvent("task started", std::move(fields), start_unix_nanos);
}

void TaskOutput::TaskFinished(const ChildExit& exit, int64_t end_unix_nanos,
                              std::string_view reason) {
  AddFinished(exit, exit.success() ? "success" : "failure", reason, end_unix_nanos);
}

void TaskOutput::TaskInterrupted(const std::optional<ChildExit>& exit, int64_t end_unix_nanos,
                                 std::string_view reason) {
  AddFinished(exit, "unknown", reason, end_unix_nanos);
}

void TaskOutput::AddFinished(const std::optional<ChildExit>& exit, std::string_view outcome,
                             std::string_view reason, int64_t end_unix_nanos) {
  std::string fields;
  AppendStringMember(fields, "event.action", "task-finished");
  AppendStringMember(fields, "event.outcome", outcome);
  if (!reason.empty()) AppendStringMember(fields, "event.reason", reason);
  const int64_t duration = end_unix_nanos - start_unix_nanos_;
  AppendUintMember(fields, "event.duration", duration > 0 ? static_cast<uint64_t>(duration) : 0);
  AppendTimeMember(fields, "event.start", start_unix_nanos_);
  AppendTimeMember(fields, "event.end", end_unix_nanos);
  if (exit) {
    AppendMember(fields, "process.exit_code");
    fields += std::to_string(exit->ShellStatus());
    if (exit->term_signal != 0) {
      AppendUintMember(fields, "process.signal.number", static_cast<uint64_t>(exit->term_signal));
      AppendStringMember(fields, "process.signal.name", SignalName(exit->term_signal));
    }
  }
  for (TaskStream stream : {TaskStream::kStdout, TaskStream::kStderr}) {
    const TaskStreamCounters& c = counters(stream);
    const std::string prefix = base::StrCat("task.", TaskStreamName(stream), ".");
    AppendUintMember(fields, prefix + "lines", c.lines);
    AppendUintMember(fields, prefix + "bytes", c.bytes);
  }
  std::string message =
      !exit ? std::string("task finished: stopped, exit unknown")
      : exit->term_signal != 0
          ? base::StrCat("task finished: killed by ", SignalName(exit->term_signal))
          : base::StrCat("task finished with exit code ", exit->exit_status);
  if (!reason.empty()) message = base::StrCat(message, " (", reason, ")");
  AddLifecycleEvent(message, std::move(fields), end_unix_nanos);
}

void TaskOutput::TaskFailedToStart(std::string_view error, int exit_code, int64_t unix_nanos) {
  std::string fields;
  AppendStringMember(fields, "event.action", "task-failed-to-start");
  AppendStringMember(fields, "event.outcome", "failure");
  AppendMember(fields, "process.exit_code");
  fields += std::to_string(exit_code);
  AppendStringMember(fields, "error.message", error);
  AddLifecycleEvent("task failed to start", std::move(fields), unix_nanos);
}

void TaskOutput::AddLifecycleEvent(std::string_view message, std::string fields_json,
                                   int64_t unix_nanos) {
  Source& source = sources_[kTaskSource];
  buffer::Event& event = source.batch.events.emplace_back();
  event.offset = source.next_seq++;
  event.time_unix_nanos = unix_nanos;
  event.message = message;
  event.fields_json = std::move(fields_json);
  // Lifecycle events are rare and matter: ship them without waiting for the timer.
  AppendBatch(source);
}

void TaskOutput::AddLine(TaskStream stream, const LineSplitter::Line& line, bool partial) {
  const auto index = static_cast<std::size_t>(stream);
  Source& source = sources_[index];
  TaskStreamCounters& c = counters_[index];
  if (source.assembler) {
    AssembleLine(source, c, line, partial ? static_cast<uint32_t>(buffer::kFlagPartial) : 0u);
    return;
  }
  buffer::Event& event = source.batch.events.emplace_back();
  event.offset = source.next_seq++;
  event.time_unix_nanos = clock_.NowUnixNanos();
  if (Utf8Sanitizer::Assign(line.text, event.message)) {
    event.flags |= buffer::kFlagInvalidUtf8;
    ++c.invalid_utf8_lines;
  }
  if (line.truncated) {
    event.flags |= buffer::kFlagTruncated;
    ++c.truncated_lines;
  }
  if (partial) {
    event.flags |= buffer::kFlagPartial;
    ++c.partial_lines;
  }
  ++c.lines;
  c.bytes += line.text.size();
  source.batch_bytes += event.message.size() + kEventOverheadBytes;
  if (source.batch_bytes >= options_.batch_bytes) {
    AppendBatch(source);
  } else {
    ArmFlushTimer();
  }
}

void TaskOutput::AssembleLine(Source& source, TaskStreamCounters& c, const LineSplitter::Line& line,
                              uint32_t flags) {
  SourceLine source_line;
  source_line.offset = source.next_seq++;
  source_line.time_unix_nanos = clock_.NowUnixNanos();
  source_line.flags = flags;
  if (Utf8Sanitizer::Assign(line.text, line_text_)) {
    source_line.flags |= buffer::kFlagInvalidUtf8;
    ++c.invalid_utf8_lines;
  }
  if (line.truncated) {
    source_line.flags |= buffer::kFlagTruncated;
    ++c.truncated_lines;
  }
  if ((flags & buffer::kFlagPartial) != 0) ++c.partial_lines;
  ++c.lines;
  c.bytes += line.text.size();
  source_line.text = line_text_;
  StreamSink sink(*this, source);
  source.assembler->Add(source_line, clock_.Now(), sink);
  if (!source.batch.events.empty() || source.assembler->holding()) ArmFlushTimer();
}

void TaskOutput::AddEvent(Source& source, buffer::Event event) {
  source.batch_bytes += event.message.size() + event.fields_json.size() + kEventOverheadBytes;
  source.batch.events.push_back(std::move(event));
  if (source.batch_bytes >= options_.batch_bytes) AppendBatch(source);
}

bool TaskOutput::AssemblersHolding() const {
  for (const Source& source : sources_) {
    if (source.assembler && source.assembler->holding()) return true;
  }
  return false;
}

void TaskOutput::Flush() {
  for (Source& source : sources_) AppendBatch(source);
}

void TaskOutput::FlushAll() {
  for (Source& source : sources_) {
    if (!source.assembler) continue;
    StreamSink sink(*this, source);
    source.assembler->FlushAll(sink);
  }
  Flush();
}

std::size_t TaskOutput::HeldEvents() const {
  std::size_t n = 0;
  for (const buffer::EventBatch& batch : held_) n += batch.events.size();
  return n;
}

void TaskOutput::StartBatch(Source& source) {
  source.batch = buffer::EventBatch{};
  source.batch.source_key = source.source_key;
  source.batch.index = options_.index;
  source.batch.shared_fields_json = source.shared_fields_json;
  source.batch_bytes = 0;
}

void TaskOutput::AppendBatch(Source& source) {
  if (source.batch.events.empty()) return;
  buffer::EventBatch batch = std::move(source.batch);
  StartBatch(source);
  Submit(std::move(batch));
}

void TaskOutput::Submit(buffer::EventBatch batch) {
  // The buffer refuses a batch only while Full(), and a refused batch is gone (Append
  // takes it by value): keep it here instead, behind any already held.
  if (!held_.empty() || buffer_.Full()) {
    held_.push_back(std::move(batch));
    return;
  }
  const std::size_t events = batch.events.size();
  base::Status status = buffer_.Append(std::move(batch), nullptr);
  if (status.ok()) events_appended_ += events;
  if (!status.ok()) {
    // Not backpressure (that is handled above): a batch that can never fit. Counted and
    // logged, never silent.
    ++append_errors_;
    base::LogError("exec", base::StrCat("run ", options_.run_id, ": ", events,
                                        " events could not be buffered: ", status.ToString()));
  }
}

void TaskOutput::OnBufferSpace() {
  if (stopped_) return;
  while (!held_.empty() && !buffer_.Full()) {
    buffer::EventBatch batch = std::move(held_.front());
    held_.pop_front();
    const std::size_t events = batch.events.size();
    base::Status status = buffer_.Append(std::move(batch), nullptr);
    if (status.ok()) events_appended_ += events;
    if (!status.ok()) {
      ++append_errors_;
      base::LogError("exec", base::StrCat("run ", options_.run_id, ": ", events,
                                          " events could not be buffered: ", status.ToString()));
    }
  }
  UpdateBlocked();
}

void TaskOutput::UpdateBlocked() {
  // The producer may have paused on a Full() it saw itself (the ring turns Full() also
  // when a frame is written later), so every room-again reaches it; resuming is idempotent.
  if (!Blocked() && on_unblocked_) on_unblocked_();
}

void TaskOutput::ArmFlushTimer() {
  if (timer_armed_ || stopped_ || !flush_timer_.initialized()) return;
  int rc = uv_timer_start(flush_timer_.get(), &OnFlushTimer,
                          static_cast<uint64_t>(options_.flush_delay.count()), 0);
  if (rc != 0) {
    // The next full batch or the final Flush() still appends these lines.
    base::LogWarn("exec", base::UvStatus(rc, "start flush timer").ToString());
    return;
  }
  timer_armed_ = true;
}

void TaskOutput::OnFlushTimer(uv_timer_t* timer) {
  auto* self = static_cast<TaskOutput*>(timer->data);
  if (self == nullptr) return;
  self->timer_armed_ = false;
  const auto now = self->clock_.Now();
  for (Source& source : self->sources_) {
    if (!source.assembler) continue;
    StreamSink sink(*self, source);
    source.assembler->FlushExpired(now, sink);
  }
  self->Flush();
  // An event still held waits for its multiline.timeout: look again.
  if (self->AssemblersHolding()) self->ArmFlushTimer();
}

}  // namespace agent
