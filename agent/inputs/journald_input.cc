#include "agent/inputs/journald_input.h"

#include <poll.h>
#include <xxhash.h>

#include <utility>

#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kLogTag = "journald";
// Room for a field name and '=' beside max_message_bytes in sd-journal's data threshold
// (the longest journal field name is 64 bytes).
constexpr std::size_t kFieldNameRoomBytes = 65;
// Per-event bookkeeping counted toward batch_bytes beside the texts, as EventBatch does.
constexpr std::size_t kEventOverheadBytes = 32;
// log.offset is a signed 64-bit long in Elasticsearch: offsets keep the top bit clear.
constexpr uint64_t kOffsetMask = 0x7FFF'FFFF'FFFF'FFFFull;

uint64_t ToMillis(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

}  // namespace

std::string JournaldInput::CheckpointKey(std::string_view id) {
  return base::StrCat("journald:", id);
}

uint64_t JournaldInput::OffsetOfCursor(std::string_view cursor) {
  return XXH64(cursor.data(), cursor.size(), 0) & kOffsetMask;
}

JournaldInput::JournaldInput(uv_loop_t* loop, buffer::EventBuffer& buffer,
                             buffer::CheckpointStore& checkpoints, JournaldInputOptions options,
                             const base::Clock& clock)
    : loop_(loop),
      buffer_(buffer),
      checkpoints_(checkpoints),
      options_(std::move(options)),
      clock_(clock),
      key_(CheckpointKey(options_.id)),
      mapper_(options_.max_message_bytes, options_.shared_keys) {}

JournaldInput::~JournaldInput() { Stop(); }

base::Status JournaldInput::Start() {
  const std::string context = base::StrCat("input ", options_.id);
  if (started_) return base::Internal(base::StrCat(context, " started twice"));
  if (options_.max_message_bytes == 0 || options_.batch_bytes == 0 ||
      options_.poll_interval.count() <= 0 || options_.checkpoint_interval.count() <= 0) {
    return base::InvalidArgument(base::StrCat(context, ": sizes and intervals must be positive"));
  }
  auto reader = JournalReader::Open(options_.directory);
  if (!reader.has_value()) return std::move(reader).error().WithContext(context);
  reader_.emplace(std::move(reader.value()));
  // The change descriptor first (sd_journal_get_fd(3)): its watches then cover every file
  // the reads below may touch.
  auto fd = reader_->Fd();
  base::Status status = reader_->SetDataThreshold(options_.max_message_bytes + kFieldNameRoomBytes);
  if (status.ok()) status = reader_->AddMatches(options_.matches);
  if (status.ok()) status = PositionAtStart();
  if (status.ok()) status = StartHandles();
  if (status.ok() && fd.has_value()) {
    int rc = uv_poll_init(loop_, poll_.get(), fd.value());
    if (rc == 0) {
      poll_.MarkInitialized();
      poll_->data = this;
      const int events = (reader_->Events() & POLLIN) != 0 ? UV_READABLE : 0;
      rc = uv_poll_start(poll_.get(), events | UV_DISCONNECT, &OnPoll);
    }
    if (rc != 0) {
      base::LogWarn(
          kLogTag,
          base::UvStatus(rc, "watch the journal for changes").WithContext(context).message());
      poll_.Reset();
    }
  } else if (status.ok()) {
    base::LogWarn(kLogTag, base::StrCat(context, ": ", fd.error().message(),
                                        "; checking every poll_interval instead"));
  }
  if (!status.ok()) {
    reader_.reset();
    return status.WithContext(context);
  }
  // sd-journal tells runtime (/run) and persistent (/var) files of the system journal
  // apart only; a directory's files are neither.
  if (options_.directory.empty() && !reader_->HasFiles()) {
    base::LogWarn(kLogTag, base::StrCat(context,
                                        ": no system journal files found yet (is skiff in the "
                                        "systemd-journal group?); reading them when they appear"));
  }
  started_ = true;
  last_persist_ = clock_.Now();
  buffer_.SetOnSpace([this] { OnBufferSpace(); });
  ScheduleRead();
  return base::Status::Ok();
}

base::Status JournaldInput::StartHandles() {
  int rc = uv_idle_init(loop_, idle_.get());
  if (rc != 0) return base::UvStatus(rc, "init idle");
  idle_.MarkInitialized();
  idle_->data = this;
  rc = uv_timer_init(loop_, timer_.get());
  if (rc != 0) return base::UvStatus(rc, "init timer");
  timer_.MarkInitialized();
  timer_->data = this;
  rc = uv_timer_start(timer_.get(), &OnTimer, ToMillis(options_.poll_interval),
                      ToMillis(options_.poll_interval));
  if (rc != 0) return base::UvStatus(rc, "start timer");
  return base::Status::Ok();
}

base::Status JournaldInput::PositionAtStart() {
  std::optional<buffer::Checkpoint> checkpoint = checkpoints_.Get(key_);
  if (checkpoint.has_value() && !checkpoint->path.empty()) {
    auto found = SeekAfter(checkpoint->path);
    if (!found.has_value()) {
      // A cursor sd-journal cannot parse (the file was edited): reading everything again
      // loses nothing, and the entries already shipped are answered 409.
      ++counters_.cursor_misses;
      base::LogWarn(kLogTag,
                    found.error()
                        .WithContext(base::StrCat("input ", options_.id,
                                                  ": the checkpointed cursor \"", checkpoint->path,
                                                  "\" is unusable; reading from the "
                                                  "oldest entry"))
                        .message());
      current_unread_ = false;
      return reader_->SeekHead();
    }
    if (found.value()) {
      ++counters_.cursor_resumes;
    } else {
      ++counters_.cursor_misses;
      base::LogWarn(kLogTag, base::StrCat("input ", options_.id,
                                          ": the checkpointed entry is no longer in the journal "
                                          "(vacuumed or rotated away); resuming at the next one"));
    }
    last_appended_cursor_ = checkpoint->path;
    return base::Status::Ok();
  }
  if (!options_.start_at_end) return reader_->SeekHead();
  if (base::Status s = reader_->SeekTail(); !s.ok()) return s;
  auto last = reader_->Previous();
  if (!last.has_value()) return std::move(last).error();
  if (!last.value()) return reader_->SeekHead();  // an empty journal: its head is its end
  if (base::Status s = reader_->Cursor(cursor_); !s.ok()) return s;
  // Nothing before this entry is wanted: it is a checkpoint already, so a restart before
  // new entries arrive resumes here instead of at a later end.
  last_appended_cursor_ = cursor_;
  checkpoints_.Set(key_, buffer::Checkpoint{.offset = OffsetOfCursor(cursor_),
                                            .generation = 0,
                                            .path = cursor_,
                                            .updated_unix_nanos = clock_.NowUnixNanos()});
  return base::Status::Ok();
}

base::Result<bool> JournaldInput::SeekAfter(std::string_view cursor) {
  current_unread_ = false;
  if (base::Status s = reader_->SeekCursor(cursor); !s.ok()) return s;
  auto next = reader_->Next();
  if (!next.has_value()) return std::move(next).error();
  // Nothing at or after the cursor's place: the reads that follow start there.
  if (!next.value()) return false;
  if (reader_->TestCursor(cursor)) return true;  // on the entry read last: Next() skips it
  current_unread_ = true;
  return false;
}

void JournaldInput::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  buffer_.SetOnSpace(nullptr);
  idle_.Reset();
  timer_.Reset();
  // Before the reader closes the descriptor it watches (uv_close stops the polling at once).
  poll_.Reset();
  reading_ = false;
  reader_.reset();
  PersistCheckpoints();
}

void JournaldInput::OnBufferSpace() {
  if (stopped_ || !paused_) return;
  paused_ = false;
  ScheduleRead();
}

void JournaldInput::OnIdle(uv_idle_t* idle) {
  if (auto* self = static_cast<JournaldInput*>(idle->data)) self->ReadPass();
}

void JournaldInput::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<JournaldInput*>(timer->data);
  if (self == nullptr || self->stopped_) return;
  self->TakeNotifications();
  // The fallback for a missed notification or OnBufferSpace: a read finding nothing costs
  // one sd_journal_next().
  self->paused_ = false;
  self->ScheduleRead();
  if (self->clock_.Now() - self->last_persist_ >= self->options_.checkpoint_interval) {
    self->PersistCheckpoints();
  }
  if (self->counters_.malformed_fields > self->malformed_logged_) {
    base::LogWarn(kLogTag,
                  base::StrCat("input ", self->options_.id, ": left out ",
                               self->counters_.malformed_fields - self->malformed_logged_,
                               " field(s) whose value is not what the field holds (a PRIORITY "
                               "that is not 0-7, a _PID that is not a number); ",
                               self->counters_.malformed_fields, " so far"));
    self->malformed_logged_ = self->counters_.malformed_fields;
  }
}

void JournaldInput::OnPoll(uv_poll_t* poll, int status, int /*events*/) {
  auto* self = static_cast<JournaldInput*>(poll->data);
  if (self == nullptr || self->stopped_) return;
  if (status < 0) {
    base::LogWarn(kLogTag, base::UvStatus(status, "watch the journal for changes")
                               .WithContext(base::StrCat("input ", self->options_.id))
                               .message());
    uv_poll_stop(poll);  // the timer goes on checking
    return;
  }
  self->TakeNotifications();
}

void JournaldInput::TakeNotifications() {
  // Also re-arms the descriptor: until sd_journal_process() runs it stays readable.
  auto changed = reader_->Process();
  if (!changed.has_value()) {
    LogReadError(changed.error());
    return;
  }
  if (changed.value()) ScheduleRead();
}

void JournaldInput::ScheduleRead() {
  if (stopped_ || reading_ || paused_) return;
  if (uv_idle_start(idle_.get(), &OnIdle) == 0) reading_ = true;
}

void JournaldInput::StopReading() {
  if (!reading_) return;
  uv_idle_stop(idle_.get());
  reading_ = false;
}

void JournaldInput::ReadPass() {
  if (stopped_) return;
  if (rewind_pending_) {
    Rewind();
    if (rewind_pending_) return;
  }
  if (buffer_.Full()) {
    paused_ = true;
    StopReading();
    return;
  }
  buffer::EventBatch batch;
  batch.source_key = key_;
  batch.generation = 0;
  batch.index = options_.index;
  batch.shared_fields_json = options_.shared_fields_json;
  std::string last_cursor;
  std::size_t batch_bytes = 0;
  bool at_end = false;
  while (batch.events.size() < kMaxEntriesPerPass && batch_bytes < options_.batch_bytes) {
    if (!current_unread_) {
      auto next = reader_->Next();
      if (!next.has_value()) {
        LogReadError(next.error());
        at_end = true;  // the timer tries again
        break;
      }
      if (!next.value()) {
        at_end = true;
        break;
      }
    }
    current_unread_ = false;
    buffer::Event& event = batch.events.emplace_back();
    if (!ReadEntry(event, &batch_bytes)) {
      batch.events.pop_back();
      continue;
    }
    last_cursor.assign(cursor_);
  }
  counters_.malformed_fields = mapper_.malformed_fields();
  if (at_end) StopReading();
  if (batch.events.empty()) return;

  const std::size_t count = batch.events.size();
  const uint64_t offset = batch.events.back().offset;
  // Runs when the batch is durable, possibly after this input is gone: it holds only what
  // it needs and the store and clock, which outlive the buffer's callbacks.
  auto on_durable = [&store = checkpoints_, &clock = clock_, key = key_, cursor = last_cursor,
                     offset] {
    store.Set(key, buffer::Checkpoint{.offset = offset,
                                      .generation = 0,
                                      .path = cursor,
                                      .updated_unix_nanos = clock.NowUnixNanos()});
  };
  if (base::Status s = buffer_.Append(std::move(batch), std::move(on_durable)); !s.ok()) {
    ++counters_.append_errors;
    ++stats_.errors;
    base::LogWarn(kLogTag, s.WithContext(base::StrCat("input ", options_.id, ": appending ", count,
                                                      " entries (read again later)"))
                               .message());
    rewind_pending_ = true;
    StopReading();
    return;
  }
  stats_.events += count;
  counters_.entries += count;
  read_error_logged_ = false;
  last_appended_cursor_ = std::move(last_cursor);
}

bool JournaldInput::ReadEntry(buffer::Event& event, std::size_t* batch_bytes) {
  if (base::Status s = reader_->Cursor(cursor_); !s.ok()) {
    // Without a cursor the entry has no stable _id nor a place to resume from.
    LogReadError(s.WithContext("an entry is skipped"));
    return false;
  }
  mapper_.Begin(event);
  reader_->RestartFields();
  std::string_view data;
  while (true) {
    auto more = reader_->NextField(&data);
    if (!more.has_value()) {
      // The fields read so far are kept; the entry is still sent.
      LogReadError(more.error());
      break;
    }
    if (!more.value()) break;
    stats_.bytes += data.size();
    mapper_.AddField(data);
  }
  auto realtime = reader_->RealtimeUsec();
  if (!realtime.has_value()) LogReadError(realtime.error());
  constexpr uint64_t kNanosPerMicro = 1000;
  mapper_.Finish(realtime.has_value()
                     ? realtime.value()
                     : static_cast<uint64_t>(clock_.NowUnixNanos()) / kNanosPerMicro);
  event.offset = OffsetOfCursor(cursor_);
  *batch_bytes += event.message.size() + event.fields_json.size() + kEventOverheadBytes;
  return true;
}

void JournaldInput::Rewind() {
  base::Status status;
  if (last_appended_cursor_.empty()) {
    // Nothing appended and no entry to start after: everything from the head is wanted.
    current_unread_ = false;
    status = reader_->SeekHead();
  } else if (auto found = SeekAfter(last_appended_cursor_); !found.has_value()) {
    status = std::move(found).error();
  }
  if (!status.ok()) {
    LogReadError(status.WithContext("seeking back after a refused append"));
    StopReading();  // rewind_pending_ stays: the timer tries again
    return;
  }
  rewind_pending_ = false;
}

void JournaldInput::PersistCheckpoints() {
  last_persist_ = clock_.Now();
  if (!checkpoints_.dirty()) return;
  if (base::Status s = checkpoints_.Persist(); !s.ok()) {
    base::LogError(kLogTag, s.WithContext("saving checkpoints").message());
  }
}

void JournaldInput::LogReadError(const base::Status& status) {
  ++counters_.read_errors;
  ++stats_.errors;
  // Logged once until a read succeeds again, so a damaged file does not flood the log.
  if (read_error_logged_) return;
  read_error_logged_ = true;
  base::LogWarn(kLogTag, status.WithContext(base::StrCat("input ", options_.id)).message());
}

}  // namespace agent
