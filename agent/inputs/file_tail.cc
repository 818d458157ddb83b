#include "agent/inputs/file_tail.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "agent/utf8_sanitizer.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// Chunks read from one file per read pass (one loop turn): 1 MiB with the default chunk,
// enough to amortize the pass, small enough that other files and the output get a turn.
constexpr int kChunksPerPass = 4;
// What EventBatch::ByteSize() charges per event besides its text.
constexpr std::size_t kEventOverheadBytes = 32;

uint64_t ToMillis(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

}  // namespace

FileTailInput::FileTailInput(uv_loop_t* loop, buffer::EventBuffer& buffer,
                             buffer::CheckpointStore& checkpoints, FileTailOptions options,
                             const base::Clock& clock)
    : loop_(loop),
      buffer_(buffer),
      checkpoints_(checkpoints),
      options_(std::move(options)),
      clock_(clock),
      checkpointer_(std::make_shared<FileCheckpointer>(checkpoints)) {}

FileTailInput::~FileTailInput() {
  if (started_) Stop();
}

base::Status FileTailInput::Start() {
  if (started_) return base::Internal(base::StrCat("input ", options_.id, " started twice"));
  if (options_.paths.empty()) {
    return base::InvalidArgument(base::StrCat("input ", options_.id, ": no paths"));
  }
  if (options_.max_line_bytes == 0 || options_.read_chunk_bytes == 0 || options_.batch_bytes == 0 ||
      options_.poll_interval.count() <= 0 || options_.scan_interval.count() <= 0 ||
      options_.checkpoint_interval.count() <= 0) {
    return base::InvalidArgument(
        base::StrCat("input ", options_.id, ": sizes and intervals must be positive"));
  }
  base::Status status = StartHandles();
  if (!status.ok()) return status.WithContext(base::StrCat("input ", options_.id));
  started_ = true;
  read_buffer_ = std::make_unique<char[]>(options_.read_chunk_bytes);
  buffer_.SetOnSpace([this] { OnBufferSpace(); });
  Scan(/*initial=*/true);
  ScheduleReads();
  return base::Status::Ok();
}

base::Status FileTailInput::StartHandles() {
  struct TimerSpec {
    base::UvHandle<uv_timer_t>* timer;
    uv_timer_cb callback;
    std::chrono::milliseconds interval;
  };
  const TimerSpec timers[] = {
      {&poll_timer_, &OnPollTimer, options_.poll_interval},
      {&scan_timer_, &OnScanTimer, options_.scan_interval},
      {&checkpoint_timer_, &OnCheckpointTimer, options_.checkpoint_interval},
  };
  for (const TimerSpec& spec : timers) {
    int rc = uv_timer_init(loop_, spec.timer->get());
    if (rc != 0) return base::UvStatus(rc, "init timer");
    spec.timer->MarkInitialized();
    (*spec.timer)->data = this;
    rc = uv_timer_start(spec.timer->get(), spec.callback, ToMillis(spec.interval),
                        ToMillis(spec.interval));
    if (rc != 0) return base::UvStatus(rc, "start timer");
  }
  int rc = uv_idle_init(loop_, idle_.get());
  if (rc != 0) return base::UvStatus(rc, "init idle");
  idle_.MarkInitialized();
  idle_->data = this;
  return base::Status::Ok();
}

void FileTailInput::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  buffer_.SetOnSpace(nullptr);
  poll_timer_.Reset();
  scan_timer_.Reset();
  checkpoint_timer_.Reset();
  idle_.Reset();
  idle_active_ = false;
  files_.clear();
  counters_.files_open = 0;
  PersistCheckpoints();
}

void FileTailInput::OnBufferSpace() {
  if (stopped_ || !paused_) return;
  paused_ = false;
  ScheduleReads();
}

void FileTailInput::OnPollTimer(uv_timer_t* timer) {
  if (auto* self = static_cast<FileTailInput*>(timer->data)) self->Poll();
}

void FileTailInput::OnScanTimer(uv_timer_t* timer) {
  if (auto* self = static_cast<FileTailInput*>(timer->data)) {
    self->Scan(/*initial=*/false);
    self->ScheduleReads();
  }
}

void FileTailInput::OnCheckpointTimer(uv_timer_t* timer) {
  if (auto* self = static_cast<FileTailInput*>(timer->data)) self->PersistCheckpoints();
}

void FileTailInput::OnIdle(uv_idle_t* idle) {
  auto* self = static_cast<FileTailInput*>(idle->data);
  if (self == nullptr) return;
  // One read pass over the files with unread bytes, starting where the last pass stopped
  // so a Full() buffer mid-pass does not always favour the first files.
  const std::size_t count = self->files_.size();
  for (std::size_t i = 0; i < count && !self->paused_; ++i) {
    std::size_t index = (self->next_file_ + i) % count;
    Followed& followed = *self->files_[index];
    if (!followed.ready) continue;
    if (self->buffer_.Full()) {
      self->paused_ = true;
      self->next_file_ = index;
      break;
    }
    self->ReadPass(followed);
  }
  if (!self->paused_ && count > 0) self->next_file_ = (self->next_file_ + 1) % count;
  self->ScheduleReads();
}

void FileTailInput::ScheduleReads() {
  if (stopped_) return;
  bool any_ready = false;
  for (const auto& followed : files_) any_ready = any_ready || followed->ready;
  bool want = any_ready && !paused_;
  if (want && !idle_active_) {
    int rc = uv_idle_start(idle_.get(), &OnIdle);
    if (rc != 0) {
      base::LogError("file_tail", base::UvStatus(rc, "start idle").ToString());
      return;  // the next poll tries again
    }
    idle_active_ = true;
  } else if (!want && idle_active_) {
    uv_idle_stop(idle_.get());
    idle_active_ = false;
  }
}

void FileTailInput::Scan(bool initial) {
  for (const std::string& pattern : options_.paths) {
    glob_t matches{};
    // glob(3) is not thread-safe; inputs run on the loop thread only.
    int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);  // NOLINT(concurrency-mt-unsafe)
    if (rc == GLOB_NOMATCH) {
      std::string warning_key = "pattern:" + pattern;
      if (!warned_.contains(warning_key)) ++counters_.missing_paths;
      WarnOnce(warning_key, base::StrCat("input ", options_.id, ": no file matches ", pattern));
    } else if (rc != 0) {
      ++counters_.read_errors;
      WarnOnce("pattern:" + pattern,
               base::StrCat("input ", options_.id, ": cannot expand ", pattern,
                            rc == GLOB_ABORTED ? " (read error)" : " (out of memory)"));
    } else {
      ClearWarning("pattern:" + pattern);
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        std::string path = matches.gl_pathv[i];
        bool excluded = false;
        for (const std::string& exclude : options_.exclude) {
          excluded = excluded || ::fnmatch(exclude.c_str(), path.c_str(), 0) == 0;
        }
        if (!excluded) Follow(path, initial);
      }
    }
    globfree(&matches);
  }
}

bool FileTailInput::IsFollowed(std::string_view source_key) const {
  for (const auto& followed : files_) {
    if (followed->file.source_key() == source_key) return true;
  }
  return false;
}

void FileTailInput::Follow(const std::string& path, bool initial) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) ++counters_.read_errors;  // ENOENT: gone since the glob
    if (errno != ENOENT) WarnOnce(path, base::ErrnoStatus(errno, "stat " + path).ToString());
    return;
  }
  if (!S_ISREG(info.st_mode) || IsFollowed(FileSourceKey(info))) return;
  base::Result<TailedFile> opened = TailedFile::Open(path, options_.max_line_bytes);
  if (!opened.has_value()) {
    ++counters_.read_errors;
    WarnOnce(path, base::StrCat("input ", options_.id, ": ", opened.error().ToString()));
    return;
  }
  ClearWarning(path);
  if (IsFollowed(opened->source_key())) return;  // raced with a rename
  auto followed = std::make_unique<Followed>(std::move(opened).value());
  TailedFile& file = followed->file;
  followed->checkpoint_key = base::StrCat(options_.id, '/', file.source_key());
  followed->shared_fields_json.reserve(path.size() + options_.shared_fields_json.size() + 24);
  followed->shared_fields_json = "\"log.file.path\":";
  base::AppendJsonString(followed->shared_fields_json, path);
  if (!options_.shared_fields_json.empty()) {
    followed->shared_fields_json += ',';
    followed->shared_fields_json += options_.shared_fields_json;
  }

  const uint64_t size = file.size_at_open();
  std::optional<buffer::Checkpoint> checkpoint;
  if (!checkpointer_->TakeForgotten(followed->checkpoint_key)) {
    checkpoint = checkpoints_.Get(followed->checkpoint_key);
  }
  std::string_view how;
  if (checkpoint && checkpoint->offset <= size) {
    file.StartAt(checkpoint->offset, checkpoint->generation);
    how = "at its checkpoint";
  } else if (checkpoint) {
    // Shorter than what was read before: truncated while skiff was not watching.
    ++counters_.truncations;
    file.StartAt(0, checkpoint->generation + 1);
    how = "from the beginning (truncated since the last checkpoint)";
  } else if (initial && options_.start_at_end && checkpoints_.first_start()) {
    file.StartAt(size, 0);
    // Remember the decision: after a restart this file is no longer "present at the
    // first start", and must not be read from 0.
    checkpoints_.Set(followed->checkpoint_key,
                     buffer::Checkpoint{size, 0, path, clock_.NowUnixNanos()});
    how = "at its end";
  } else {
    file.StartAt(0, 0);
    how = "from the beginning";
  }
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": following ", path, " ", how, " (offset ",
                             file.read_offset(), ", generation ", file.generation(), ")"));
  files_.push_back(std::move(followed));
  ++counters_.files_open;
}

void FileTailInput::Poll() {
  if (stopped_) return;
  if (paused_ && !buffer_.Full()) paused_ = false;
  std::size_t i = 0;
  while (i < files_.size()) {
    if (PollFile(i)) ++i;
  }
  ScheduleReads();
}

bool FileTailInput::PollFile(std::size_t index) {
  Followed& followed = *files_[index];
  TailedFile& file = followed.file;
  base::Result<struct stat> info = file.Stat();
  if (!info.has_value()) {
    ++counters_.read_errors;
    WarnOnce(file.path(), info.error().ToString());
    return true;
  }
  const auto size = static_cast<uint64_t>(info->st_size);
  if (size < file.read_offset()) {
    ++counters_.truncations;
    base::LogWarn("file_tail", base::StrCat("input ", options_.id, ": ", file.path(),
                                            " was truncated from ", file.read_offset(), " to ",
                                            size, " bytes; reading it again from 0 as generation ",
                                            file.generation() + 1));
    file.Truncated();
    followed.ready = true;
  } else if (size > file.read_offset()) {
    followed.ready = true;
  }

  if (!followed.draining) {
    struct stat now_at_path {};
    bool path_exists = ::stat(file.path().c_str(), &now_at_path) == 0;
    if (!path_exists || !file.SameFile(now_at_path)) {
      followed.draining = true;
      ++counters_.rotations;
      base::LogInfo("file_tail",
                    base::StrCat("input ", options_.id, ": ", file.path(),
                                 path_exists ? " now names a new file" : " was removed",
                                 "; reading the old file to its end"));
      // Follow() appends to files_: `followed` stays valid (it is held by unique_ptr).
      if (path_exists) Follow(file.path(), /*initial=*/false);
    }
    return true;
  }
  if (followed.ready) {
    followed.quiet_poll_seen = false;
    return true;
  }
  if (!followed.quiet_poll_seen) {
    // Give a writer that still holds the old descriptor one more poll interval.
    followed.quiet_poll_seen = true;
    return true;
  }
  Close(index, /*deleted=*/info->st_nlink == 0);
  return false;
}

void FileTailInput::Close(std::size_t index, bool deleted) {
  Followed& followed = *files_[index];
  const TailedFile& file = followed.file;
  std::size_t unfinished = file.splitter().pending_bytes();
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": closing ", file.path(), " at offset ",
                             file.read_offset(), deleted ? " (deleted)" : " (renamed away)",
                             unfinished > 0 ? "; dropping an unfinished last line of " : "",
                             unfinished > 0 ? base::StrCat(unfinished, " bytes") : ""));
  // A deleted file's inode may be reused by a new file: its position must not survive.
  if (deleted) checkpointer_->ForgetWhenIdle(followed.checkpoint_key);
  files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(index));
  --counters_.files_open;
  if (next_file_ >= files_.size()) next_file_ = 0;
}

void FileTailInput::ReadPass(Followed& followed) {
  TailedFile& file = followed.file;
  StartBatch(followed);
  for (int chunk = 0; chunk < kChunksPerPass; ++chunk) {
    base::Result<std::size_t> n =
        file.Read(std::span<char>(read_buffer_.get(), options_.read_chunk_bytes));
    if (!n.has_value()) {
      ++counters_.read_errors;
      if (!followed.read_error_logged) {
        followed.read_error_logged = true;
        base::LogWarn("file_tail", base::StrCat("input ", options_.id, ": ", n.error().ToString(),
                                                "; retrying at each poll"));
      }
      followed.ready = false;
      break;
    }
    followed.read_error_logged = false;
    if (*n == 0) {
      followed.ready = false;
      break;
    }
    counters_.bytes += *n;
    const int64_t now = clock_.NowUnixNanos();
    file.splitter().Feed(std::string_view(read_buffer_.get(), *n),
                         [&](const LineSplitter::Line& line) { AddEvent(followed, line, now); });
    if (followed.rewind_pending) break;
    if (*n < options_.read_chunk_bytes) {
      // A short read of a regular file is its end for now; the poll notices growth.
      followed.ready = false;
      break;
    }
  }
  FinishBatch(followed);
  ApplyRewind(followed);
}

void FileTailInput::AddEvent(Followed& followed, const LineSplitter::Line& line,
                             int64_t now_unix_nanos) {
  if (followed.rewind_pending) return;  // re-read after the refused batch
  buffer::Event& event = batch_.events.emplace_back();
  event.offset = line.offset;
  event.time_unix_nanos = now_unix_nanos;
  if (Utf8Sanitizer::Assign(line.text, event.message)) {
    event.flags |= buffer::kFlagInvalidUtf8;
    ++counters_.invalid_utf8_lines;
  }
  if (line.truncated) {
    event.flags |= buffer::kFlagTruncated;
    ++counters_.truncated_lines;
  }
  ++counters_.lines;
  batch_bytes_ += event.message.size() + kEventOverheadBytes;
  if (batch_bytes_ >= options_.batch_bytes) {
    FinishBatch(followed);
    StartBatch(followed);
  }
}

void FileTailInput::StartBatch(const Followed& followed) {
  batch_ = buffer::EventBatch{};
  batch_.source_key = followed.file.source_key();
  batch_.generation = followed.file.generation();
  batch_.index = options_.index;
  batch_.shared_fields_json = followed.shared_fields_json;
  batch_.events.reserve(events_per_batch_hint_);
  batch_bytes_ = 0;
  batch_start_offset_ = followed.file.splitter().consumed_offset();
}

void FileTailInput::FinishBatch(Followed& followed) {
  if (batch_.events.empty() || followed.rewind_pending) return;
  events_per_batch_hint_ = batch_.events.size();
  buffer::Checkpoint checkpoint{followed.file.splitter().consumed_offset(),
                                followed.file.generation(), followed.file.path(),
                                batch_.events.back().time_unix_nanos};
  checkpointer_->BatchAppended(followed.checkpoint_key);
  base::Status status = buffer_.Append(std::move(batch_),
                                       [checkpointer = checkpointer_, key = followed.checkpoint_key,
                                        checkpoint = std::move(checkpoint)]() mutable {
                                         checkpointer->BatchDurable(key, std::move(checkpoint));
                                       });
  batch_ = buffer::EventBatch{};
  batch_bytes_ = 0;
  if (status.ok()) return;
  checkpointer_->AppendFailed(followed.checkpoint_key);
  // Nothing is lost: the refused lines are read again.
  followed.rewind_pending = true;
  followed.rewind_to = batch_start_offset_;
  if (status.code() == base::StatusCode::kResourceExhausted && buffer_.Full()) {
    // Backpressure, not an error: the buffer filled up during this pass (the ring turns
    // Full() once enough batches wait to be compressed). Pause; on_space resumes at once.
    paused_ = true;
    followed.rewind_is_backpressure = true;
    return;
  }
  ++counters_.append_errors;
  base::LogError("file_tail",
                 base::StrCat("input ", options_.id, ": ", status.ToString(), "; reading ",
                              followed.file.path(), " again from offset ", batch_start_offset_,
                              " at the next poll"));
}

void FileTailInput::ApplyRewind(Followed& followed) {
  if (!followed.rewind_pending) return;
  followed.rewind_pending = false;
  followed.file.StartAt(followed.rewind_to, followed.file.generation());
  // After backpressure the file is read again as soon as the buffer has room; after an
  // error, at the next poll.
  followed.ready = followed.rewind_is_backpressure;
  followed.rewind_is_backpressure = false;
}

void FileTailInput::PersistCheckpoints() {
  base::Status status = checkpoints_.Persist();
  if (status.ok()) {
    persist_error_logged_ = false;
    return;
  }
  if (!persist_error_logged_) {
    persist_error_logged_ = true;
    base::LogError("file_tail", base::StrCat("input ", options_.id, ": ", status.ToString()));
  }
}

void FileTailInput::WarnOnce(const std::string& key, std::string_view message) {
  if (warned_.insert(key).second) base::LogWarn("file_tail", message);
}

void FileTailInput::ClearWarning(const std::string& key) { warned_.erase(key); }

}  // namespace agent
