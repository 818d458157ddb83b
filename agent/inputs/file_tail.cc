#include "agent/inputs/file_tail.h"

#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>
#include <utility>

#include "agent/inputs/recursive_glob.h"
#include "agent/utf8_sanitizer.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// Chunks read from one file per read pass (one loop turn): 1 MiB with the default chunk,
// enough to amortize the pass, small enough that other files and the output get a turn.
constexpr int kChunksPerPass = 4;
// Read passes a busy file keeps its descriptor while others wait for one (max_open_files):
// up to 4 MiB with the default chunk, so reopening costs little beside the reading.
constexpr uint32_t kPassesPerTurn = 4;
// What EventBatch::ByteSize() charges per event besides its text.
constexpr std::size_t kEventOverheadBytes = 32;

uint64_t ToMillis(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

// Rotated logs compressed by logrotate and friends: binary, and their lines were read
// before compression. Users who really want them can decompress elsewhere.
bool IsCompressed(std::string_view path) {
  for (std::string_view suffix : {".gz", ".zst", ".bz2", ".xz", ".lz4"}) {
    if (path.ends_with(suffix)) return true;
  }
  return false;
}

// "**" as a whole component: any number of directory levels (recursive_glob.h).
bool IsRecursivePattern(std::string_view pattern) {
  return pattern.find("/**/") != std::string_view::npos || pattern.ends_with("/**") ||
         pattern.starts_with("**/");
}

bool HasGlobCharacters(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

// The directory part of `path`: "/var/log" for "/var/log/a.log", "." for "a.log".
std::string DirectoryOf(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

// The longest leading directory of a glob without glob characters: "/var/log/pods" for
// "/var/log/pods/*/*.log".
std::string FixedDirectoryOf(std::string_view pattern) {
  std::string directory = DirectoryOf(pattern);
  while (HasGlobCharacters(directory)) directory = DirectoryOf(directory);
  return directory;
}

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
      options_.checkpoint_interval.count() <= 0 || options_.close_inactive.count() <= 0 ||
      options_.max_open_files == 0) {
    return base::InvalidArgument(
        base::StrCat("input ", options_.id, ": sizes and intervals must be positive"));
  }
  base::Status status = StartEventFormat();
  if (status.ok()) status = StartHandles();
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
  rc = uv_timer_init(loop_, notify_timer_.get());
  if (rc != 0) return base::UvStatus(rc, "init timer");
  notify_timer_.MarkInitialized();
  notify_timer_->data = this;
  if (options_.use_notifications) {
    watcher_ = std::make_unique<DirectoryWatcher>(
        loop_,
        [this](const std::string& directory, std::string_view name,
               DirectoryWatcher::Change change) { OnDirectoryChange(directory, name, change); });
  }
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
  notify_timer_.Reset();
  watcher_.reset();
  counters_.watched_directories = 0;
  live_by_path_.clear();
  for (const auto& followed : files_) {
    for (const Unsent& unsent : followed->unsent) {
      // The buffer stayed Full() from the file's end to the stop: these lines are gone.
      base::LogWarn("file_tail",
                    base::StrCat("input ", options_.id, ": stopping with ",
                                 unsent.batch.events.size(), " events of ", followed->file.path(),
                                 " the buffer refused when the file ended"));
      counters_.append_errors += unsent.batch.events.size();
    }
  }
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

void FileTailInput::OnNotifyTimer(uv_timer_t* timer) {
  auto* self = static_cast<FileTailInput*>(timer->data);
  if (self == nullptr || self->stopped_) return;
  self->scan_soon_ = false;
  self->Scan(/*initial=*/false);
  self->Poll();
}

void FileTailInput::ScanSoon() {
  if (scan_soon_ || stopped_) return;
  scan_soon_ = true;
  // 0 ms: the next loop turn, after the rest of this turn's notifications are in.
  int rc = uv_timer_start(notify_timer_.get(), &OnNotifyTimer, 0, 0);
  if (rc != 0) scan_soon_ = false;  // the periodic scan still runs
}

bool FileTailInput::Watch(const std::string& directory) {
  if (!watcher_) return false;
  base::Status status = watcher_->Watch(directory);
  counters_.watched_directories = watcher_->size();
  if (status.ok()) return true;
  if (status.code() == base::StatusCode::kNotFound) return false;
  if (!watch_error_logged_) {
    watch_error_logged_ = true;
    base::LogWarn("file_tail",
                  base::StrCat("input ", options_.id, ": no file-system notifications (",
                               status.ToString(), "); new files are found by the scan every ",
                               options_.scan_interval.count(), " ms and appends by the poll"));
  }
  return false;
}

void FileTailInput::WatchPatternDirectory(const std::string& pattern) {
  // A new entry there (a new pod's directory) triggers a scan.
  Watch(FixedDirectoryOf(pattern));
}

void FileTailInput::WatchDirectoryOf(Followed& followed) {
  const std::string& path = followed.file.path();
  followed.notified = Watch(DirectoryOf(path));
  // A symlinked path: the writer appends to the target, so changes are reported there.
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr && path != resolved) {
    followed.resolved_path = resolved;
    live_by_path_[followed.resolved_path] = &followed;
    std::string target_directory = DirectoryOf(resolved);
    if (target_directory != DirectoryOf(path)) {
      followed.notified = Watch(target_directory) && followed.notified;
    }
  }
}

bool FileTailInput::Excluded(std::string_view path) const {
  if (IsCompressed(path)) return true;
  const std::string path_text(path);
  return std::any_of(options_.exclude.begin(), options_.exclude.end(),
                     [&](const std::string& exclude) {
                       return ::fnmatch(exclude.c_str(), path_text.c_str(), 0) == 0;
                     });
}

bool FileTailInput::MatchesPaths(const std::string& path) const {
  bool matched = false;
  for (const std::string& pattern : options_.paths) {
    matched = matched || (IsRecursivePattern(pattern)
                              ? MatchesRecursivePattern(pattern, path)
                              : ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0);
  }
  return matched;
}

void FileTailInput::OnDirectoryChange(const std::string& directory, std::string_view name,
                                      DirectoryWatcher::Change change) {
  if (stopped_) return;
  if (name.empty()) {
    // The kernel lost track: anything here may have changed.
    for (const auto& followed : files_) followed->poll_now = true;
    ScanSoon();
    return;
  }
  std::string path =
      directory == "/" ? base::StrCat("/", name) : base::StrCat(directory, "/", name);
  auto live = live_by_path_.find(path);
  if (change == DirectoryWatcher::Change::kContent) {
    if (live != live_by_path_.end()) {
      live->second->ready = true;
      if (!paused_) ScheduleReads();
      return;
    }
    // A symlink's target, or a draining file that is still written: the poll reads them;
    // a change in a file the patterns name but no one follows yet is a reason to scan
    // (unless it is one the scan would skip: writes to an excluded file cost no scan).
    if (MatchesPaths(path) && !Excluded(path)) ScanSoon();
    return;
  }
  // An entry appeared, vanished or moved: a new file to follow, a rotation to notice, or
  // a new directory under a pattern's fixed prefix. A compressed or excluded name never
  // is one (logrotate's app.log.1.gz appearing changes nothing to follow).
  if (live != live_by_path_.end() || (MatchesPaths(path) && !Excluded(path))) {
    if (live != live_by_path_.end()) live->second->poll_now = true;  // renamed? deleted?
    ScanSoon();
    return;
  }
  if (Excluded(path)) return;
  for (const std::string& pattern : options_.paths) {
    if (HasGlobCharacters(DirectoryOf(pattern)) && FixedDirectoryOf(pattern) == directory) {
      ScanSoon();
      return;
    }
  }
}

void FileTailInput::OnIdle(uv_idle_t* idle) {
  auto* self = static_cast<FileTailInput*>(idle->data);
  if (self == nullptr) return;
  self->GrantSlots();
  // One read pass over the files with unread bytes, starting where the last pass stopped
  // so a Full() buffer mid-pass does not always favour the first files.
  const std::size_t count = self->files_.size();
  bool progressed = false;
  bool waiting = false;
  for (std::size_t i = 0; i < count && !self->paused_; ++i) {
    std::size_t index = (self->next_file_ + i) % count;
    Followed& followed = *self->files_[index];
    if (!followed.ready) continue;
    if (self->buffer_.Full()) {
      self->paused_ = true;
      self->next_file_ = index;
      break;
    }
    if (!followed.unsent.empty()) {
      progressed = true;
      if (!self->SendUnsent(followed)) continue;
    }
    if (!followed.file.is_open()) {
      waiting = waiting || !followed.draining;
      continue;
    }
    progressed = true;
    self->ReadPass(followed);
  }
  if (!self->paused_ && count > 0) self->next_file_ = (self->next_file_ + 1) % count;
  // Nothing could read and some file waits for a slot no one may give up yet: rest until
  // the next poll (or a closed descriptor) instead of spinning.
  self->waiting_for_slot_ = waiting && !progressed;
  self->ScheduleReads();
}

void FileTailInput::ScheduleReads() {
  if (stopped_) return;
  bool any_ready = false;
  for (const auto& followed : files_) any_ready = any_ready || followed->ready;
  bool want = any_ready && !paused_ && !waiting_for_slot_;
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
  ++counters_.scans;
  if (!initial) ForgetGoneFiles();
  std::vector<std::string> matches;
  for (const std::string& pattern : options_.paths) {
    WatchPatternDirectory(pattern);
    matches.clear();
    const std::string warning_key = "pattern:" + pattern;
    if (IsRecursivePattern(pattern)) {
      RecursiveGlobResult expanded = ExpandRecursivePattern(pattern);
      matches = std::move(expanded.paths);
    } else {
      glob_t found{};
      // glob(3) is not thread-safe; inputs run on the loop thread only.
      int rc = ::glob(pattern.c_str(), 0, nullptr, &found);  // NOLINT(concurrency-mt-unsafe)
      if (rc != 0 && rc != GLOB_NOMATCH) {
        ++counters_.read_errors;
        WarnOnce(warning_key,
                 base::StrCat("input ", options_.id, ": cannot expand ", pattern,
                              rc == GLOB_ABORTED ? " (read error)" : " (out of memory)"));
        globfree(&found);
        continue;
      }
      for (std::size_t i = 0; i < found.gl_pathc; ++i) matches.emplace_back(found.gl_pathv[i]);
      globfree(&found);
    }
    if (matches.empty()) {
      if (!warned_.contains(warning_key)) ++counters_.missing_paths;
      WarnOnce(warning_key, base::StrCat("input ", options_.id, ": no file matches ", pattern));
      continue;
    }
    ClearWarning(warning_key);
    for (const std::string& path : matches) {
      // A path followed now is left to the poll, which notices when it names a new file;
      // this keeps a scan of many files to a directory listing.
      if (!live_by_path_.contains(path) && !Excluded(path)) Follow(path, initial);
    }
  }
}

uint64_t FileTailInput::DrainingGraceMillis() const {
  // Two polls, and never under a second: notifications make polls come much more often
  // than poll_interval, and a writer may take that long to reopen its log.
  return std::max<uint64_t>(2 * ToMillis(options_.poll_interval), 1'000);
}

void FileTailInput::ForgetLivePath(const Followed& followed) {
  for (const std::string* path : {&followed.file.path(), &followed.resolved_path}) {
    auto it = live_by_path_.find(*path);
    if (it != live_by_path_.end() && it->second == &followed) live_by_path_.erase(it);
  }
}

bool FileTailInput::BeginsAsBefore(const TailedFile& file, const buffer::Checkpoint& checkpoint) {
  if (checkpoint.fingerprint_bytes == 0) return true;  // nothing to compare with
  base::Result<std::optional<FileFingerprint>> now =
      file.FingerprintOf(checkpoint.fingerprint_bytes);
  if (!now.has_value()) return true;  // unreadable: the first read reports it
  return now->has_value() && (*now)->hash == checkpoint.fingerprint;
}

void FileTailInput::SetFingerprint(TailedFile& file, buffer::Checkpoint& checkpoint) {
  base::Result<FileFingerprint> fingerprint = file.Fingerprint();
  if (!fingerprint.has_value()) return;  // a read error: the checkpoint goes without one
  checkpoint.fingerprint = fingerprint->hash;
  checkpoint.fingerprint_bytes = fingerprint->bytes;
}

void FileTailInput::ForgetGoneFiles() {
  // Checkpoints of files not followed now and not advanced for forget_after: files
  // renamed out of the patterns, deleted while skiff was stopped, tombstones.
  const int64_t now = clock_.NowUnixNanos();
  const int64_t limit_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.forget_after).count();
  const std::string prefix = options_.id + "/";
  std::vector<std::string> gone;
  for (const auto& [key, checkpoint] : checkpoints_.entries()) {
    if (!key.starts_with(prefix) || now - checkpoint.updated_unix_nanos < limit_nanos) continue;
    if (IsFollowed(std::string_view(key).substr(prefix.size()))) continue;
    if (checkpointer_->in_flight(key) > 0) continue;
    gone.push_back(key);
  }
  for (const std::string& key : gone) checkpoints_.Erase(key);
  counters_.forgotten_checkpoints += gone.size();
}

bool FileTailInput::IsFollowed(std::string_view source_key) const {
  return followed_keys_.contains(std::string(source_key));
}

void FileTailInput::Follow(const std::string& path, bool initial) {
  base::Result<struct statx> info = StatxPath(path);
  if (!info.has_value()) {
    if (info.error().code() != base::StatusCode::kNotFound) {  // not found: gone since the glob
      ++counters_.read_errors;
      WarnOnce(path, info.error().ToString());
    }
    return;
  }
  if (!S_ISREG(info->stx_mode) || IsFollowed(FileSourceKey(*info))) return;
  if (options_.ignore_older.count() > 0) {
    const int64_t modified_nanos =
        info->stx_mtime.tv_sec * 1'000'000'000LL + info->stx_mtime.tv_nsec;
    const int64_t age_nanos = clock_.NowUnixNanos() - modified_nanos;
    if (age_nanos >
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.ignore_older).count()) {
      ++counters_.ignored_older;  // a later write makes the next scan follow it
      return;
    }
  }
  // Identifying the file needs its descriptor: with every slot taken, an open file gives
  // its up (an idle one if any, else a busy one before the end of its turn: it waits for
  // the next). Only when every open file is a rotated one being read to its end does the
  // new one go over the cap, for the moment Follow() takes.
  if (counters_.files_open >= options_.max_open_files) {
    if (Followed* other = SlotToFree(/*end_turns=*/true); other != nullptr) {
      ReleaseDescriptor(*other);
      ++counters_.closed_for_turns;
    }
  }
  base::Result<TailedFile> opened =
      TailedFile::Open(path, options_.max_line_bytes, options_.fingerprint_bytes);
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
  // A file found under the key of a deleted one is new (its inode was reused).
  std::optional<buffer::Checkpoint> checkpoint =
      checkpointer_->TakeForgotten(followed->checkpoint_key);
  const bool replaces_deleted = checkpoint.has_value();
  if (!replaces_deleted) checkpoint = checkpoints_.Get(followed->checkpoint_key);
  std::string_view how;
  if (replaces_deleted) {
    file.StartAt(0, checkpoint->generation);
    how = "from the beginning (a new file in the place of a deleted one)";
  } else if (checkpoint && !BeginsAsBefore(file, *checkpoint)) {
    // Same device and inode as a file read before, different first bytes: the inode was
    // reused while skiff was not watching. A later generation gives it new _ids.
    ++counters_.inode_reuses;
    file.StartAt(0, checkpoint->generation + 1);
    how = "from the beginning (a new file reusing the inode of one read before)";
  } else if (checkpoint && checkpoint->offset <= size) {
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
    buffer::Checkpoint at_end{size, 0, path, clock_.NowUnixNanos()};
    SetFingerprint(file, at_end);
    checkpoints_.Set(followed->checkpoint_key, std::move(at_end));
    how = "at its end";
  } else {
    file.StartAt(0, 0);
    how = "from the beginning";
  }
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": following ", path, " ", how, " (offset ",
                             file.read_offset(), ", generation ", file.generation(), ")"));
  live_by_path_[path] = followed.get();
  followed_keys_.insert(file.source_key());
  WatchDirectoryOf(*followed);
  followed->opened_ms = followed->active_ms = uv_now(loop_);
  ++counters_.files_open;
  // Every slot taken: it waits for its turn like any busy file.
  if (counters_.files_open > options_.max_open_files) ReleaseDescriptor(*followed);
  files_.push_back(std::move(followed));
}

void FileTailInput::FollowMissedRotations(const TailedFile& rotated) {
  // Rotation can outpace skiff (every few milliseconds, or a loaded machine that did not
  // schedule it for a while): files born at the live path after the one just rotated and
  // renamed away before skiff opened them now sit beside it under rotated names
  // (app.log.1, app.log-20260101). Their birth time tells them from older rotated files,
  // which were read while they were live. Without birth times this is left undone.
  if (!rotated.has_birth_time()) return;
  const std::string& live_path = rotated.path();
  const std::string directory = DirectoryOf(live_path);
  const std::string_view base_name = std::string_view(live_path).substr(
      live_path.rfind('/') == std::string::npos ? 0 : live_path.rfind('/') + 1);
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return;  // the scan and the poll report unreadable directories
  std::vector<std::string> missed;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.size() <= base_name.size() || !name.starts_with(base_name)) continue;
    std::string candidate = base::StrCat(directory == "/" ? "" : directory, "/", name);
    if (live_by_path_.contains(candidate) || Excluded(candidate)) continue;
    base::Result<struct statx> info = StatxPath(candidate);
    if (!info.has_value() || !S_ISREG(info->stx_mode) ||
        BirthUnixNanos(*info) <= rotated.birth_unix_nanos() || IsFollowed(FileSourceKey(*info))) {
      continue;
    }
    missed.push_back(std::move(candidate));
  }
  ::closedir(dir);
  for (const std::string& path : missed) {
    const std::size_t before = files_.size();
    Follow(path, /*initial=*/false);
    if (files_.size() == before) continue;
    // Already rotated: read it to its end and close it, like any rotated file. Without a
    // descriptor (every slot taken) it waits for a turn at its rotated path instead.
    Followed& found = *files_.back();
    if (found.file.is_open()) {
      found.draining = true;
      found.draining_since_ms = uv_now(loop_);
      ForgetLivePath(found);
    }
    ++counters_.missed_rotations;
    base::LogWarn("file_tail",
                  base::StrCat("input ", options_.id, ": ", path, " was created at ", live_path,
                               " and rotated before it could be opened; reading it now"));
  }
}

void FileTailInput::Poll() {
  if (stopped_) return;
  if (paused_ && !buffer_.Full()) paused_ = false;
  waiting_for_slot_ = false;
  for (const auto& followed : files_) FlushHeld(*followed, /*all=*/false);
  const uint64_t now_ms = uv_now(loop_);
  std::size_t i = 0;
  while (i < files_.size()) {
    Followed& followed = *files_[i];
    if (!followed.poll_now && now_ms < followed.next_poll_ms) {
      ++i;
      continue;
    }
    followed.poll_now = false;
    if (PollFile(i)) ++i;
  }
  ScheduleReads();
}

uint64_t FileTailInput::NextPollDelayMillis(const Followed& followed) const {
  const uint64_t poll_ms = ToMillis(options_.poll_interval);
  // Without notifications, or while draining a rotated file, the poll is what notices
  // change: keep its pace. With them, a quiet file's poll is only a safety net (a lost
  // event), so it backs off, doubling up to the scan interval.
  if (!followed.notified || followed.draining) return poll_ms;
  const uint64_t cap_ms = std::max(poll_ms, ToMillis(options_.scan_interval));
  const uint32_t doublings = std::min<uint32_t>(followed.quiet_polls, 16);
  return std::min(cap_ms, poll_ms << doublings);
}

bool FileTailInput::PollFile(std::size_t index) {
  Followed& followed = *files_[index];
  TailedFile& file = followed.file;
  // One stat of the path tells both whether it still names this file and, when it does,
  // the file's size: a single system call per poll of a followed file (10,000 quiet
  // files are polled about 1,000 times a second).
  struct stat now_at_path {};
  bool path_exists = false;
  bool path_names_it = false;
  if (!followed.draining) {
    path_exists = ::stat(file.path().c_str(), &now_at_path) == 0;
    path_names_it = path_exists && file.SameFile(now_at_path);
  }
  if (!file.is_open() && (!path_names_it || followed.replaced)) {
    // Closed (close_inactive, max_open_files) and since renamed or deleted: nothing
    // reaches it any more. Its checkpoint stays with its identity: should the scan find
    // it under another name, it resumes there.
    if (!followed.draining) {
      followed.draining = true;
      ForgetLivePath(followed);
      ++counters_.rotations;
      ++counters_.lost_while_closed;
      base::LogInfo("file_tail",
                    base::StrCat("input ", options_.id, ": ", file.path(),
                                 path_exists ? " now names a new file" : " was removed",
                                 " while its descriptor was closed; following the path anew"));
      if (path_exists) Follow(file.path(), /*initial=*/false);
    }
    return !Close(index, CloseReason::kGoneWhileClosed);
  }
  base::Result<struct stat> info =
      path_names_it ? base::Result<struct stat>(now_at_path) : file.Stat();
  if (!info.has_value()) {
    ++counters_.read_errors;
    WarnOnce(file.path(), info.error().ToString());
    return true;
  }
  const auto size = static_cast<uint64_t>(info->st_size);
  if (size != followed.last_polled_size) {
    followed.last_polled_size = size;
    followed.quiet_polls = 0;
  } else if (followed.quiet_polls < UINT32_MAX) {
    ++followed.quiet_polls;
  }
  const uint64_t now_ms = uv_now(loop_);
  followed.next_poll_ms = now_ms + NextPollDelayMillis(followed);
  if (!DetectTruncation(followed, size) && size > file.read_offset()) followed.ready = true;
  if (!followed.unsent.empty()) followed.ready = true;

  if (!followed.draining) {
    if (!path_names_it) {
      followed.draining = true;
      followed.draining_since_ms = now_ms;
      ForgetLivePath(followed);
      ++counters_.rotations;
      base::LogInfo("file_tail",
                    base::StrCat("input ", options_.id, ": ", file.path(),
                                 path_exists ? " now names a new file" : " was removed",
                                 "; reading the old file to its end"));
      // Follow() appends to files_: `followed` stays valid (it is held by unique_ptr).
      if (path_exists) Follow(file.path(), /*initial=*/false);
      FollowMissedRotations(file);
    } else {
      CloseIfInactive(followed, now_ms);
    }
    return true;
  }
  if (!DrainingDone(followed, size, now_ms)) return true;
  return !Close(index, info->st_nlink == 0 ? CloseReason::kDeleted : CloseReason::kRenamed);
}

void FileTailInput::CloseIfInactive(Followed& followed, uint64_t now_ms) {
  if (!followed.file.is_open() || followed.ready || !followed.unsent.empty() ||
      now_ms - followed.active_ms < ToMillis(options_.close_inactive)) {
    return;
  }
  ReleaseDescriptor(followed);
  ++counters_.closed_inactive;
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": closing ", followed.file.path(), " after ",
                             options_.close_inactive.count(),
                             " ms without growth (close_inactive); it is opened again when "
                             "it grows"));
}

bool FileTailInput::DrainingDone(Followed& followed, uint64_t size, uint64_t now_ms) {
  const uint64_t read = followed.file.read_offset();
  if (now_ms - followed.draining_since_ms >= ToMillis(options_.close_inactive)) {
    // A writer that never reopens its log would keep a deleted file (and its disk space)
    // forever: read what is there now, then close whatever it writes on.
    if (followed.final_size == UINT64_MAX) followed.final_size = size;
    if (read >= followed.final_size && followed.unsent.empty()) {
      if (size > read) {
        counters_.bytes_left_unread += size - read;
        base::LogWarn("file_tail",
                      base::StrCat("input ", options_.id, ": ", followed.file.path(),
                                   " is still written ", options_.close_inactive.count(),
                                   " ms after it was rotated or deleted (close_inactive); "
                                   "closing it with ",
                                   size - read, " bytes unread"));
      }
      return true;
    }
    return false;
  }
  // A writer that still holds the old descriptor (it has not reopened yet) keeps writing
  // there for a moment: close only after the file has been quiet for a while.
  if (followed.ready || followed.quiet_since_ms == 0) {
    followed.quiet_since_ms = now_ms;
    return false;
  }
  return now_ms - followed.quiet_since_ms >= DrainingGraceMillis();
}

bool FileTailInput::Close(std::size_t index, CloseReason reason) {
  Followed& followed = *files_[index];
  keep_refused_ = true;
  FlushHeld(followed, /*all=*/true);  // the file ends here: send what is held
  keep_refused_ = false;
  if (!followed.unsent.empty()) {
    followed.ready = true;  // closed once the buffer has taken it
    ScheduleReads();
    return false;
  }
  const TailedFile& file = followed.file;
  std::size_t unfinished = file.splitter().pending_bytes();
  std::string_view why = reason == CloseReason::kDeleted   ? " (deleted)"
                         : reason == CloseReason::kRenamed ? " (renamed away)"
                                                           : " (moved while closed)";
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": closing ", file.path(), " at offset ",
                             file.read_offset(), why,
                             unfinished > 0 ? "; dropping an unfinished last line of " : "",
                             unfinished > 0 ? base::StrCat(unfinished, " bytes") : ""));
  // A deleted file's inode may be reused by a new file: its position must not survive.
  if (reason == CloseReason::kDeleted) {
    // Without a birth time in the key, a new file may get this key: it must start at a
    // later generation (new _ids), not at 0 of this one (FileSourceKey).
    std::optional<buffer::Checkpoint> tombstone;
    if (!file.has_birth_time()) {
      tombstone = buffer::Checkpoint{0, file.generation() + 1, file.path(), clock_.NowUnixNanos()};
    }
    checkpointer_->ForgetWhenIdle(followed.checkpoint_key, std::move(tombstone));
  }
  ForgetLivePath(followed);
  followed_keys_.erase(followed.file.source_key());
  if (followed.file.is_open()) ReleaseDescriptor(followed);
  files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(index));
  if (next_file_ >= files_.size()) next_file_ = 0;
  if (next_waiter_ >= files_.size()) next_waiter_ = 0;
  return true;
}

void FileTailInput::ReleaseDescriptor(Followed& followed) {
  followed.file.Release();
  --counters_.files_open;
  waiting_for_slot_ = false;  // someone waiting may take it
}

FileTailInput::Followed* FileTailInput::SlotToFree(bool end_turns) {
  Followed* best = nullptr;
  bool best_idle = false;
  for (const auto& candidate : files_) {
    Followed& f = *candidate;
    // A draining file's path no longer names it: closed, it could not be opened again.
    if (!f.file.is_open() || f.draining) continue;
    const bool idle = !f.ready && f.unsent.empty();
    if (!idle && !end_turns && f.passes_since_open < kPassesPerTurn) continue;
    if (best == nullptr || (idle && !best_idle) ||
        (idle == best_idle && f.opened_ms < best->opened_ms)) {
      best = &f;
      best_idle = idle;
    }
  }
  return best;
}

FileTailInput::SlotOutcome FileTailInput::AcquireDescriptor(Followed& followed) {
  if (counters_.files_open >= options_.max_open_files) {
    Followed* other = SlotToFree(/*end_turns=*/false);
    if (other == nullptr) return SlotOutcome::kNoSlot;
    ReleaseDescriptor(*other);
    ++counters_.closed_for_turns;
  }
  base::Status status = followed.file.Reopen();
  if (!status.ok()) {
    // Gone or replaced: the poll finds out which and follows the path anew.
    followed.ready = false;
    followed.poll_now = true;
    // The path may name a new file that got this one's device and inode (the poll's stat
    // cannot tell; the birth time in the key did).
    followed.replaced = status.code() == base::StatusCode::kNotFound;
    if (status.code() != base::StatusCode::kNotFound) {
      ++counters_.read_errors;
      WarnOnce(followed.file.path(), base::StrCat("input ", options_.id, ": ", status.ToString()));
    }
    return SlotOutcome::kFailed;
  }
  ClearWarning(followed.file.path());
  ++counters_.files_open;
  ++counters_.reopened;
  followed.opened_ms = followed.active_ms = uv_now(loop_);
  followed.passes_since_open = 0;
  return SlotOutcome::kOpened;
}

void FileTailInput::GrantSlots() {
  const std::size_t count = files_.size();
  const std::size_t start = next_waiter_;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t index = (start + i) % count;
    Followed& followed = *files_[index];
    if (followed.file.is_open() || !followed.ready) continue;
    if (followed.draining) {
      // Released and since moved: the poll closes it (after sending what it kept).
      if (followed.unsent.empty()) followed.ready = false;
      followed.poll_now = true;
      continue;
    }
    const SlotOutcome outcome = AcquireDescriptor(followed);
    if (outcome == SlotOutcome::kNoSlot) return;
    // The next grant starts after this file, so slots go round every waiting file.
    if (outcome == SlotOutcome::kOpened) next_waiter_ = (index + 1) % count;
  }
}

bool FileTailInput::DetectTruncation(Followed& followed, uint64_t size) {
  TailedFile& file = followed.file;
  if (size >= file.read_offset()) return false;
  StartNewGeneration(
      followed, base::StrCat("was truncated from ", file.read_offset(), " to ", size, " bytes"));
  return true;
}

bool FileTailInput::DetectRewrittenBeginning(Followed& followed) {
  // A copytruncate followed by writes past the old read offset before skiff looked: the
  // size alone looks like growth, and reading on at the old offset would skip the new
  // content's beginning. The fingerprint of the first bytes shows it was rewritten.
  if (followed.file.read_offset() == 0) return false;
  base::Result<bool> unchanged = followed.file.BeginningUnchanged();
  if (!unchanged.has_value() || *unchanged) return false;
  StartNewGeneration(followed, "was truncated and written again (its first bytes changed)");
  return true;
}

void FileTailInput::StartNewGeneration(Followed& followed, std::string_view what_happened) {
  TailedFile& file = followed.file;
  // copytruncate: routine for some log set-ups, so info rather than a warning.
  ++counters_.truncations;
  base::LogInfo("file_tail",
                base::StrCat("input ", options_.id, ": ", file.path(), " ", what_happened,
                             "; reading it again from 0 as generation ", file.generation() + 1));
  // The old generation's bytes are gone: what it held cannot be read again.
  keep_refused_ = true;
  FlushHeld(followed, /*all=*/true);  // what was held belongs to the old generation
  keep_refused_ = false;
  file.Truncated();
  followed.ready = true;
}

void FileTailInput::ReadPass(Followed& followed) {
  TailedFile& file = followed.file;
  bool at_end = false;
  DetectRewrittenBeginning(followed);
  ++followed.passes_since_open;
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
      at_end = true;
      break;
    }
    CountBytes(followed, file.read_offset(), *n);
    followed.last_bytes_at = clock_.Now();
    followed.active_ms = uv_now(loop_);
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
  if (followed.rewind_pending) {
    ApplyRewind(followed);
    return;
  }
  if (at_end) {
    // At the end, check at once whether the file was truncated (copytruncate): under
    // notifications a truncation shows up as a change with nothing to read, and waiting
    // for the poll would lose whatever is written and truncated again meanwhile.
    base::Result<struct stat> info = file.Stat();
    if (info.has_value()) DetectTruncation(followed, static_cast<uint64_t>(info->st_size));
  }
}

void FileTailInput::AddEvent(Followed& followed, const LineSplitter::Line& line,
                             int64_t now_unix_nanos, uint32_t flags) {
  if (followed.rewind_pending) return;  // re-read after the refused batch
  if (event_format_) {
    AssembleLine(followed, line, now_unix_nanos, flags);
    return;
  }
  buffer::Event& event = batch_.events.emplace_back();
  event.offset = line.offset;
  event.time_unix_nanos = now_unix_nanos;
  event.flags = flags | CountLine(followed, line, Utf8Sanitizer::Assign(line.text, event.message));
  batch_bytes_ += event.message.size() + kEventOverheadBytes;
  if (batch_bytes_ >= options_.batch_bytes) {
    FinishBatch(followed);
    StartBatch(followed);
  }
}

void FileTailInput::ForgetCountsOfOlderGenerations(Followed& followed) {
  if (followed.file.generation() == followed.counted_generation) return;
  followed.counted_generation = followed.file.generation();
  followed.counted_to = followed.bytes_counted_to = 0;  // a truncated file starts over
}

uint32_t FileTailInput::CountLine(Followed& followed, const LineSplitter::Line& line,
                                  bool invalid_utf8) {
  const uint32_t flags = (invalid_utf8 ? buffer::kFlagInvalidUtf8 : 0u) |
                         (line.truncated ? buffer::kFlagTruncated : 0u);
  ForgetCountsOfOlderGenerations(followed);
  if (line.offset < followed.counted_to) return flags;
  followed.counted_to = line.offset + 1;
  ++counters_.lines;
  if (invalid_utf8) ++counters_.invalid_utf8_lines;
  if (line.truncated) ++counters_.truncated_lines;
  return flags;
}

void FileTailInput::CountBytes(Followed& followed, uint64_t end, std::size_t n) {
  ForgetCountsOfOlderGenerations(followed);
  if (end <= followed.bytes_counted_to) return;
  counters_.bytes += end - std::max(end - n, followed.bytes_counted_to);
  followed.bytes_counted_to = end;
}

void FileTailInput::StartBatch(const Followed& followed) {
  batch_ = buffer::EventBatch{};
  batch_.source_key = followed.file.source_key();
  batch_.generation = followed.file.generation();
  batch_.index = options_.index;
  batch_.shared_fields_json = followed.shared_fields_json;
  batch_.events.reserve(events_per_batch_hint_);
  batch_bytes_ = 0;
  batch_start_offset_ = ResumeOffset(followed);
}

void FileTailInput::FinishBatch(Followed& followed) {
  if (batch_.events.empty() || followed.rewind_pending) return;
  events_per_batch_hint_ = batch_.events.size();
  buffer::Checkpoint checkpoint{ResumeOffset(followed), followed.file.generation(),
                                followed.file.path(), batch_.events.back().time_unix_nanos};
  SetFingerprint(followed.file, checkpoint);
  if (keep_refused_ || !followed.unsent.empty()) {
    buffer::EventBatch batch = std::move(batch_);
    batch_ = buffer::EventBatch{};
    batch_bytes_ = 0;
    AppendOrKeep(followed, std::move(batch), std::move(checkpoint));
    return;
  }
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

void FileTailInput::AppendOrKeep(Followed& followed, buffer::EventBatch batch,
                                 buffer::Checkpoint checkpoint) {
  if (followed.unsent.empty() && !buffer_.Full()) {
    checkpointer_->BatchAppended(followed.checkpoint_key);
    // Append consumes the batch even when it refuses it, and these lines cannot be read
    // again: a copy goes in (rare: what was held when a file ended).
    base::Status status = buffer_.Append(
        batch,
        [checkpointer = checkpointer_, key = followed.checkpoint_key,
         durable = checkpoint]() mutable { checkpointer->BatchDurable(key, std::move(durable)); });
    if (status.ok()) return;
    checkpointer_->AppendFailed(followed.checkpoint_key);
    if (status.code() != base::StatusCode::kResourceExhausted) {
      ++counters_.append_errors;
      base::LogError("file_tail", base::StrCat("input ", options_.id, ": ", status.ToString(),
                                               "; keeping the last events of ",
                                               followed.file.path(), " to send again"));
    }
  }
  if (buffer_.Full()) paused_ = true;  // on_space resumes, and sends it first
  followed.ready = true;
  // Same file and generation: one batch; a later generation keeps its own (order and
  // checkpoints follow the file).
  if (!followed.unsent.empty() && followed.unsent.back().batch.generation == batch.generation) {
    Unsent& last = followed.unsent.back();
    last.batch.events.insert(last.batch.events.end(), std::make_move_iterator(batch.events.begin()),
                             std::make_move_iterator(batch.events.end()));
    last.checkpoint = std::move(checkpoint);
    return;
  }
  followed.unsent.push_back(Unsent{std::move(batch), std::move(checkpoint)});
}

bool FileTailInput::SendUnsent(Followed& followed) {
  // Taken out, so AppendOrKeep appends each rather than queueing it behind the others.
  std::vector<Unsent> waiting = std::move(followed.unsent);
  followed.unsent.clear();
  std::size_t next = 0;
  while (next < waiting.size() && followed.unsent.empty()) {
    AppendOrKeep(followed, std::move(waiting[next].batch), std::move(waiting[next].checkpoint));
    ++next;
  }
  // Refused: it was kept, and the rest stays behind it in order.
  for (; next < waiting.size(); ++next) followed.unsent.push_back(std::move(waiting[next]));
  if (followed.unsent.empty()) return true;
  if (!paused_) followed.ready = false;  // an error, not backpressure: the poll retries
  return false;
}

void FileTailInput::ApplyRewind(Followed& followed) {
  if (!followed.rewind_pending) return;
  followed.rewind_pending = false;
  followed.file.StartAt(followed.rewind_to, followed.file.generation());
  if (followed.assembler) followed.assembler->Reset();  // its lines are read again
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
