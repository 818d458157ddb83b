// FileTailInput: follows the files matched by a set of globs and turns each complete line
// into an event. First stage of "Life of a log line": file_tail -> line_splitter ->
// pipeline -> buffer.
//
// Everything runs on the event-loop thread with plain pread(2) on regular files (which
// never block on a socket-like wait): a uv_idle handle runs one read pass per loop turn
// while some file has unread bytes, each pass reading a bounded amount per file, so one
// busy file cannot starve the loop or the other files. Lines become events (offset = the
// line's first byte, time = read time, text made valid UTF-8, flags for invalid UTF-8
// and truncation); a file's events go into one EventBatch, appended when it reaches
// batch_bytes and at the end of each pass.
//
// Life of a followed file:
//  - Found by glob(3) over `paths` at Start() and every scan_interval, minus `exclude`
//    (fnmatch(3) on the full path) and compressed files (.gz, .zst, .bz2, .xz, .lz4).
//    File-system notifications (DirectoryWatcher, inotify) on the patterns' directories
//    and on each followed file's directory make a new or renamed file be found, and an
//    append be read, within a loop turn; the scan and the poll remain as the fallback
//    (a quiet file's poll backs off to scan_interval while notifications cover it).
//    Identity = FileSourceKey(): device, inode and birth time where there is one.
//  - Starts at its checkpoint; without one at its end when start_at_end and this is the
//    agent's first start (checkpoints.first_start()) and the file was there at Start();
//    otherwise at 0. A checkpoint whose fingerprint (the first fingerprint_bytes) does
//    not match, or the tombstone of a deleted file, means a new file reusing the inode:
//    from 0 at a later generation, so its _ids are new.
//  - At end of file it is checked every poll_interval: grown -> read; shrunk below the
//    read position, or its first bytes changed -> truncated: generation + 1, read again
//    from 0; its path now names
//    another file (rename rotation) or nothing (deleted, renamed away) -> read the old
//    descriptor to its end, close it once it has been quiet for two poll intervals (at
//    least a second), and follow the new file from 0, plus any file born at the path
//    after the old one and rotated away unseen (FollowMissedRotations).
//    A file read to its end is closed at the latest close_inactive after its path stopped
//    naming it, even while its writer keeps writing (what it writes after that is not
//    read, and counted), so deleted files do not pin disk.
//  - Descriptors: a live file that has not grown for close_inactive is closed and keeps
//    its place (identity, offset, generation, unfinished line); it is opened again when
//    it grows (a notification, its poll, the scan), after checking that its path still
//    names it (device, inode, birth time; the fingerprint as for any read). A file that
//    was renamed or deleted while closed is dropped and its checkpoint stays with its
//    identity, so the scan resumes it there should it turn up under another name.
//    At most max_open_files are open: past that, a file with unread bytes waits for a
//    slot; slots go first from open files with nothing to read (the one held longest),
//    then from busy files that have had their turn (kPassesPerTurn read passes), handed
//    out round-robin so every file makes progress. Only files whose path names them are
//    closed for a turn; a rotated file being read to its end keeps its descriptor.
//  - While the event buffer is Full() no file is read; SetOnSpace (or the next poll)
//    resumes.
//  - Checkpoints: when a batch's on_durable runs, the file's checkpoint becomes the
//    offset after the batch's last consumed line; the store is persisted at most every
//    checkpoint_interval and on Stop(). A restart resumes exactly there. Checkpoints of
//    files no longer followed are dropped after forget_after.
// Missing paths and unreadable files are logged once (until they recover) and counted.
//
// Lines become events through EventAssembler (file_tail_assembly.cc) when the format asks
// for more than one event per line: multiline, container log lines, JSON lines, text
// timestamps; the checkpoint then never passes an event still being assembled. A last
// line without its newline is sent flagged partial once the file has not grown for
// flush_partial_after; the rest the writer appends later is a new event. What is held
// when a file ends (closed, truncated) is sent then; should the buffer refuse it at that
// moment (Full()), it is kept and sent before anything else of that file, and a closing
// file stays open until it is.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/inputs/directory_watcher.h"
#include "agent/inputs/event_assembler.h"
#include "agent/inputs/file_checkpointer.h"
#include "agent/inputs/input.h"
#include "agent/inputs/tailed_file.h"
#include "buffer/checkpoint_store.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct FileTailOptions {
  std::string id;
  std::vector<std::string> paths;    // globs
  std::vector<std::string> exclude;  // fnmatch patterns on the full path
  bool start_at_end = true;
  // Longer lines are truncated and flagged; keeps one bad writer from starving a batch.
  uint64_t max_line_bytes = 1024 * 1024;
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds scan_interval{10'000};
  std::chrono::milliseconds checkpoint_interval{1'000};
  // File-system notifications; off leaves discovery to the scan and reads to the poll
  // (tests use it to check the fallback).
  bool use_notifications = true;
  // How much of a file's beginning its fingerprint covers (kept in its checkpoint, to
  // tell a new file that reuses an inode from the old one).
  uint32_t fingerprint_bytes = 1024;
  // Checkpoints of files not seen for this long are dropped.
  std::chrono::milliseconds forget_after{std::chrono::hours(24 * 7)};
  // Files not modified for this long are not opened (until they are modified); 0: off.
  std::chrono::milliseconds ignore_older{0};
  // A followed file that has not grown for this long has its descriptor closed (it is
  // opened again when it grows); a rotated or deleted file being read to its end is
  // closed at the latest this long after its path stopped naming it.
  std::chrono::milliseconds close_inactive{std::chrono::minutes(5)};
  // Descriptors of followed files open at once; busy files beyond it take turns. Like
  // Filebeat's harvester_limit; 1024 keeps an agent under common descriptor limits while
  // covering a busy node's containers.
  std::size_t max_open_files = 1024;
  std::string index;
  // Members every event shares, without braces ("host.name":"web-1",...), rendered by the
  // pipeline; the input puts "log.file.path":"<path>" in front for each file.
  std::string shared_fields_json;
  // A batch is appended once its events hold this many bytes (and at each pass's end).
  // Every copy of a batch on its way through the ring (the events, the FlatBuffers
  // builder, the compressed frame, the decoded lease) scales with it; 256 KiB frames
  // ship as fast as 1 MiB ones did, at a quarter of the memory (docs/footprint.md).
  std::size_t batch_bytes = 256 * 1024;
  // One read(2); 256 KiB amortizes the system call and stays in L2.
  std::size_t read_chunk_bytes = 256 * 1024;
  // Framing and parsing after line splitting (multiline, container lines, JSON lines, text
  // timestamps; file_tail_assembly.cc) and when a last line without its newline is sent
  // (format.parsing.flush_partial_after).
  EventFormatOptions format;
};

// Counters since Start(); files_open is a gauge.
struct FileTailCounters {
  uint64_t lines = 0;
  uint64_t bytes = 0;  // bytes read
  uint64_t files_open = 0;
  uint64_t truncations = 0;
  uint64_t rotations = 0;  // a followed path was renamed or deleted
  uint64_t invalid_utf8_lines = 0;
  uint64_t truncated_lines = 0;
  uint64_t read_errors = 0;          // failed open/stat/read of a matched file
  uint64_t missing_paths = 0;        // a path pattern began matching nothing
  uint64_t append_errors = 0;        // the buffer refused a batch (re-read later)
  uint64_t partial_lines = 0;        // last lines sent without their newline (flush_partial_after)
  uint64_t watched_directories = 0;  // gauge: directories with notifications
  uint64_t inode_reuses = 0;         // a checkpoint's fingerprint did not match the file
  uint64_t forgotten_checkpoints = 0;  // dropped after forget_after
  uint64_t missed_rotations = 0;       // files rotated away before they were opened, then found
  uint64_t ignored_older = 0;          // matched files skipped by ignore_older (per scan)
  uint64_t scans = 0;                  // glob scans (periodic, and after notifications)
  uint64_t closed_inactive = 0;        // descriptors closed by close_inactive
  uint64_t closed_for_turns = 0;       // descriptors closed so a waiting file gets a slot
  uint64_t reopened = 0;               // descriptors opened again for a closed file
  uint64_t lost_while_closed = 0;      // closed files renamed or deleted before reopening
  uint64_t bytes_left_unread = 0;      // written to a rotated file after close_inactive
};

class FileTailInput final : public Input {
 public:
  // Borrows `loop`, `buffer`, `checkpoints` and `clock` for the input's lifetime;
  // `checkpoints` must also outlive the on_durable callbacks left in `buffer`.
  FileTailInput(uv_loop_t* loop, buffer::EventBuffer& buffer, buffer::CheckpointStore& checkpoints,
                FileTailOptions options, const base::Clock& clock);
  FileTailInput(const FileTailInput&) = delete;
  FileTailInput& operator=(const FileTailInput&) = delete;
  ~FileTailInput() override;

  base::Status Start() override;
  void Stop() override;
  std::string_view id() const override { return options_.id; }
  std::string_view type() const override { return "file"; }
  InputStats stats() const override { return StatsWithParsing(); }

  // Resumes reading after the buffer had been Full(). Start() registers it with
  // buffer.SetOnSpace(); a pipeline that shares one buffer among several inputs must call
  // it on each (the buffer has a single on_space slot). The poll timer also resumes, so a
  // missed call costs at most poll_interval.
  void OnBufferSpace() override;

  const FileTailCounters& counters() const { return counters_; }
  // The framing and parsing stage's counters; null when the format needs no stage.
  const EventFormat* event_format() const { return event_format_.get(); }
  const FileTailOptions& options() const { return options_; }

 private:
  // A batch the buffer refused when its file ended (closed, truncated): its lines cannot
  // be read again, so it waits here, in order, until the buffer takes it.
  struct Unsent {
    buffer::EventBatch batch;
    buffer::Checkpoint checkpoint;
  };

  struct Followed {
    explicit Followed(TailedFile f) : file(std::move(f)) {}
    TailedFile file;
    std::string checkpoint_key;
    std::string resolved_path;  // the target when the path is a symlink, else empty
    bool notified = false;      // notifications cover its directory (and its target's)
    bool poll_now = false;      // a notification says its path changed: poll next time
    uint64_t next_poll_ms = 0;  // loop time of its next poll
    uint32_t quiet_polls = 0;   // polls in a row that found the same size
    uint64_t last_polled_size = 0;
    std::string shared_fields_json;       // "log.file.path":"...",<options shared fields>
    bool ready = true;                    // may have unread bytes
    bool draining = false;                // its path no longer names it: read to end, close
    bool rewind_is_backpressure = false;  // the pending rewind follows a Full() buffer
    uint64_t quiet_since_ms = 0;          // draining: loop time since when nothing was new
    bool read_error_logged = false;
    bool rewind_pending = false;  // the buffer refused a batch: re-read from rewind_to
    uint64_t rewind_to = 0;
    // Lines starting before counted_to and bytes before bytes_counted_to (of
    // `counted_generation`) were counted already: what is read again after a rewind is
    // not counted twice.
    uint64_t counted_to = 0;
    uint64_t bytes_counted_to = 0;
    uint32_t counted_generation = 0;
    // Events still being assembled (multiline, container fragments); null when the
    // input's format makes every line an event by itself.
    std::unique_ptr<EventAssembler> assembler;
    std::chrono::steady_clock::time_point last_bytes_at{};  // the last read that got bytes
    uint64_t active_ms = 0;            // loop time of the opening or the last read with bytes
    uint64_t opened_ms = 0;            // loop time the descriptor was last opened
    uint32_t passes_since_open = 0;    // read passes since then (a busy file's turn)
    uint64_t draining_since_ms = 0;    // loop time its path stopped naming it
    uint64_t final_size = UINT64_MAX;  // draining past close_inactive: read up to here
    std::vector<Unsent> unsent;        // refused when the file ended; sent first
    bool replaced = false;             // closed, and reopening found another file there
  };

  enum class CloseReason { kDeleted, kRenamed, kGoneWhileClosed };
  enum class SlotOutcome { kOpened, kNoSlot, kFailed };

  static void OnPollTimer(uv_timer_t* timer);
  static void OnScanTimer(uv_timer_t* timer);
  static void OnCheckpointTimer(uv_timer_t* timer);
  static void OnIdle(uv_idle_t* idle);
  static void OnNotifyTimer(uv_timer_t* timer);

  base::Status StartHandles();
  void Scan(bool initial);
  // Notifications: which directories to watch, and what a change in one of them means.
  void WatchPatternDirectory(const std::string& pattern);
  void WatchDirectoryOf(Followed& followed);
  // Whether notifications now cover `directory`.
  bool Watch(const std::string& directory);
  void OnDirectoryChange(const std::string& directory, std::string_view name,
                         DirectoryWatcher::Change change);
  bool MatchesPaths(const std::string& path) const;
  void ForgetLivePath(const Followed& followed);
  uint64_t DrainingGraceMillis() const;
  uint64_t NextPollDelayMillis(const Followed& followed) const;
  // Runs a scan and a poll on the next loop turn, once however many changes arrive.
  void ScanSoon();
  void Follow(const std::string& path, bool initial);
  void FollowMissedRotations(const TailedFile& rotated);
  bool IsFollowed(std::string_view source_key) const;
  static bool BeginsAsBefore(const TailedFile& file, const buffer::Checkpoint& checkpoint);
  static void SetFingerprint(TailedFile& file, buffer::Checkpoint& checkpoint);
  void ForgetGoneFiles();
  void Poll();
  // Returns false when the file was closed (and removed).
  bool PollFile(std::size_t index);
  // A live file's poll: closes its descriptor after close_inactive without growth.
  void CloseIfInactive(Followed& followed, uint64_t now_ms);
  // A draining file's poll: whether it is done (read to its end and quiet, or past
  // close_inactive).
  bool DrainingDone(Followed& followed, uint64_t size, uint64_t now_ms);
  // Removes files_[index] unless what it held was refused by the buffer (kept in
  // `unsent`); returns whether it was removed.
  bool Close(std::size_t index, CloseReason reason);
  // Descriptor slots (max_open_files). Acquire opens a closed file again, closing
  // another's descriptor when all slots are taken; kNoSlot when none may give way now.
  SlotOutcome AcquireDescriptor(Followed& followed);
  void ReleaseDescriptor(Followed& followed);
  // The open file to close for a waiting one: idle ones first, then busy ones past their
  // turn (with `end_turns`, any busy one), the one held longest; null when none.
  Followed* SlotToFree(bool end_turns);
  // Gives slots to waiting files, round-robin from next_waiter_.
  void GrantSlots();
  // Compressed or excluded: never followed.
  bool Excluded(std::string_view path) const;
  InputStats StatsWithParsing() const;
  void ScheduleReads();
  void ReadPass(Followed& followed);
  // The file is shorter than what was read: a new generation from 0. Returns whether so.
  bool DetectTruncation(Followed& followed, uint64_t size);
  // The file's first bytes no longer match its fingerprint. Returns whether so.
  bool DetectRewrittenBeginning(Followed& followed);
  void StartNewGeneration(Followed& followed, std::string_view what_happened);
  // `flags`: buffer::EventFlag bits the line has besides those it carries (partial).
  // Counts the line (lines, invalid UTF-8, truncated) unless it was read before a rewind;
  // returns the event flags it carries.
  uint32_t CountLine(Followed& followed, const LineSplitter::Line& line, bool invalid_utf8);
  // Counts the bytes of a read that ended at `end`, but those read before a rewind.
  void CountBytes(Followed& followed, uint64_t end, std::size_t n);
  void ForgetCountsOfOlderGenerations(Followed& followed);
  void AddEvent(Followed& followed, const LineSplitter::Line& line, int64_t now_unix_nanos,
                uint32_t flags = 0);
  // file_tail_assembly.cc: the seam to the framing and parsing stage.
  class BatchSink;
  base::Status StartEventFormat();
  void AssembleLine(Followed& followed, const LineSplitter::Line& line, int64_t now_unix_nanos,
                    uint32_t flags);
  void AppendEvent(Followed& followed, buffer::Event event);
  // Sends what waited too long (a partial last line, a multiline event), or with `all`
  // everything held (the file ends: closed or truncated).
  void FlushHeld(Followed& followed, bool all);
  // Where the file's checkpoint may be: before any event still being assembled.
  uint64_t ResumeOffset(const Followed& followed) const;
  void StartBatch(const Followed& followed);
  void FinishBatch(Followed& followed);
  // A batch whose lines cannot be read again: appended, or kept in followed.unsent.
  void AppendOrKeep(Followed& followed, buffer::EventBatch batch, buffer::Checkpoint checkpoint);
  // Sends followed.unsent in order; whether none is left.
  bool SendUnsent(Followed& followed);
  void ApplyRewind(Followed& followed);
  void PersistCheckpoints();
  // Logs `message` once per `key` until ClearWarning(key).
  void WarnOnce(const std::string& key, std::string_view message);
  void ClearWarning(const std::string& key);

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  buffer::CheckpointStore& checkpoints_;
  const FileTailOptions options_;
  const base::Clock& clock_;
  std::shared_ptr<FileCheckpointer> checkpointer_;  // shared with on_durable callbacks

  base::UvHandle<uv_timer_t> poll_timer_;
  base::UvHandle<uv_timer_t> scan_timer_;
  base::UvHandle<uv_timer_t> checkpoint_timer_;
  base::UvHandle<uv_idle_t> idle_;
  base::UvHandle<uv_timer_t> notify_timer_;  // runs ScanSoon()'s scan and poll
  bool scan_soon_ = false;
  std::unique_ptr<DirectoryWatcher> watcher_;  // null without notifications
  bool watch_error_logged_ = false;
  // The file each followed path names now (not draining ones): where a content change
  // reported for a path goes.
  std::unordered_map<std::string, Followed*> live_by_path_;
  std::unordered_set<std::string> followed_keys_;  // source keys of files_
  bool idle_active_ = false;
  bool started_ = false;
  bool stopped_ = false;
  bool paused_ = false;  // the buffer was Full()
  // Files wait for a descriptor and none could read or give way: the idle handle rests
  // until the next poll or a released descriptor.
  bool waiting_for_slot_ = false;
  // FlushHeld(all): the file ends, so a refused batch is kept, not read again.
  bool keep_refused_ = false;

  // unique_ptr: a Followed stays put while others are added during a poll.
  std::vector<std::unique_ptr<Followed>> files_;
  std::size_t next_file_ = 0;            // round-robin start of the next read pass
  std::size_t next_waiter_ = 0;          // round-robin start of the next slot grants
  std::unique_ptr<char[]> read_buffer_;  // read_chunk_bytes, reused by every read

  buffer::EventBatch batch_;  // being filled for one file during a read pass
  std::size_t batch_bytes_ = 0;
  uint64_t batch_start_offset_ = 0;
  std::size_t events_per_batch_hint_ = 0;  // reserve what the last batch needed

  std::set<std::string> warned_;
  bool persist_error_logged_ = false;
  FileTailCounters counters_;
  std::unique_ptr<EventFormat> event_format_;  // null: each line is an event as it is
  std::string line_text_;                      // a line made valid UTF-8, reused
};

}  // namespace agent
