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
//    (fnmatch(3) on the full path). Identity = FileSourceKey() (device and inode).
//  - Starts at its checkpoint; without one at its end when start_at_end and this is the
//    agent's first start (checkpoints.first_start()) and the file was there at Start();
//    otherwise at 0.
//  - At end of file it is checked every poll_interval: grown -> read; shrunk below the
//    read position -> truncated: generation + 1, read again from 0; its path now names
//    another file (rename rotation) or nothing (deleted, renamed away) -> read the old
//    descriptor to its end, close it after one more quiet poll, and follow the new file
//    from 0.
//  - While the event buffer is Full() no file is read; SetOnSpace (or the next poll)
//    resumes.
//  - Checkpoints: when a batch's on_durable runs, the file's checkpoint becomes the
//    offset after the batch's last consumed line; the store is persisted at most every
//    checkpoint_interval and on Stop(). A restart resumes exactly there.
// Missing paths and unreadable files are logged once (until they recover) and counted.
//
// Not yet (seams are marked): inotify, fingerprints, multiline, JSON lines, flushing a
// line whose writer never ends it, close_inactive, ignore_older.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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
  std::string index;
  // Members every event shares, without braces ("host.name":"web-1",...), rendered by the
  // pipeline; the input puts "log.file.path":"<path>" in front for each file.
  std::string shared_fields_json;
  // A batch is appended once its events hold this many bytes (and at each pass's end).
  std::size_t batch_bytes = 1024 * 1024;
  // One read(2); 256 KiB amortizes the system call and stays in L2.
  std::size_t read_chunk_bytes = 256 * 1024;
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
  uint64_t read_errors = 0;    // failed open/stat/read of a matched file
  uint64_t missing_paths = 0;  // a path pattern began matching nothing
  uint64_t append_errors = 0;  // the buffer refused a batch (re-read later)
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
  InputStats stats() const override {
    return InputStats{counters_.lines, counters_.bytes, counters_.files_open,
                      counters_.read_errors + counters_.append_errors};
  }

  // Resumes reading after the buffer had been Full(). Start() registers it with
  // buffer.SetOnSpace(); a pipeline that shares one buffer among several inputs must call
  // it on each (the buffer has a single on_space slot). The poll timer also resumes, so a
  // missed call costs at most poll_interval.
  void OnBufferSpace() override;

  const FileTailCounters& counters() const { return counters_; }
  const FileTailOptions& options() const { return options_; }

 private:
  struct Followed {
    explicit Followed(TailedFile f) : file(std::move(f)) {}
    TailedFile file;
    std::string checkpoint_key;
    std::string shared_fields_json;       // "log.file.path":"...",<options shared fields>
    bool ready = true;                    // may have unread bytes
    bool draining = false;                // its path no longer names it: read to end, close
    bool rewind_is_backpressure = false;  // the pending rewind follows a Full() buffer
    bool quiet_poll_seen = false;         // a poll found nothing new since draining began
    bool read_error_logged = false;
    bool rewind_pending = false;  // the buffer refused a batch: re-read from rewind_to
    uint64_t rewind_to = 0;
  };

  static void OnPollTimer(uv_timer_t* timer);
  static void OnScanTimer(uv_timer_t* timer);
  static void OnCheckpointTimer(uv_timer_t* timer);
  static void OnIdle(uv_idle_t* idle);

  base::Status StartHandles();
  void Scan(bool initial);
  void Follow(const std::string& path, bool initial);
  bool IsFollowed(std::string_view source_key) const;
  void Poll();
  // Returns false when the file was closed (and removed).
  bool PollFile(std::size_t index);
  void Close(std::size_t index, bool deleted);
  void ScheduleReads();
  void ReadPass(Followed& followed);
  void AddEvent(Followed& followed, const LineSplitter::Line& line, int64_t now_unix_nanos);
  void StartBatch(const Followed& followed);
  void FinishBatch(Followed& followed);
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
  bool idle_active_ = false;
  bool started_ = false;
  bool stopped_ = false;
  bool paused_ = false;  // the buffer was Full()

  // unique_ptr: a Followed stays put while others are added during a poll.
  std::vector<std::unique_ptr<Followed>> files_;
  std::size_t next_file_ = 0;            // round-robin start of the next read pass
  std::unique_ptr<char[]> read_buffer_;  // read_chunk_bytes, reused by every read

  buffer::EventBatch batch_;  // being filled for one file during a read pass
  std::size_t batch_bytes_ = 0;
  uint64_t batch_start_offset_ = 0;
  std::size_t events_per_batch_hint_ = 0;  // reserve what the last batch needed

  std::set<std::string> warned_;
  bool persist_error_logged_ = false;
  FileTailCounters counters_;
};

}  // namespace agent
