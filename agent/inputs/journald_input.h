// JournaldInput: reads the systemd journal through sd-journal (libsystemd) and turns each
// entry into an event with ECS fields (journal_event_mapper.h). Built only with libsystemd
// (SKIFF_WITH_JOURNALD); config/ refuses [[inputs.journald]] otherwise.
//
// Reading: everything runs on the event-loop thread. A uv_idle handle runs one read pass
// per loop turn while entries may be waiting; a pass reads at most kMaxEntriesPerPass
// entries or batch_bytes of events with sd_journal_next() into one EventBatch and appends
// it, so a long backlog never starves the loop. At the end of the journal the idle handle
// stops; the journal's change descriptor (sd_journal_get_fd, inotify, watched with
// uv_poll) wakes the input when entries are appended or files added, and a timer every
// poll_interval does the same as the fallback (a file system without notifications).
// While the event buffer is Full() nothing is read; OnBufferSpace (or the timer) resumes.
//
// Filters: `units` and `matches` become sd-journal matches (journal_matches.h).
//
// Position and checkpoint: the checkpoint store entry "journald:<id>" keeps the cursor of
// the last entry whose batch is durable in the event buffer, in the entry's `path` column
// (a cursor is printable ASCII: "s=...;i=...;b=...;m=...;t=...;x=..."), its `offset` being
// that entry's event offset. It is set from the batch's on_durable callback only, and the
// store is persisted every checkpoint_interval and at Stop(). On start the input seeks to
// the cursor and skips the entry there (sd_journal_seek_cursor, next, test_cursor); if
// that entry is gone (vacuumed), reading goes on from the nearest later entry. Without a
// cursor it starts at the head (start_at = "beginning") or after the last entry present
// (start_at = "end"), and records that last entry's cursor at once so a restart before
// anything new arrives does not skip what came in between.
//
// Document ids: source_key "journald:<id>", generation 0, and as offset a 63-bit XXH64
// of the entry's cursor (63 bits: log.offset is a signed long in Elasticsearch). A cursor
// names one entry (sequence number id and number, boot id, times and a hash of its
// fields), so a resend after a crash gets the same _id and two entries never share one.
//
// An append the buffer refuses (a disk error) is counted and the input seeks back to
// the last entry it appended, so the refused entries are read again at the next tick.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/inputs/input.h"
#include "agent/inputs/journal_event_mapper.h"
#include "agent/inputs/journal_reader.h"
#include "buffer/checkpoint_store.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct JournaldInputOptions {
  std::string id;
  // Journal files of this directory; empty: the local system journal.
  std::string directory;
  // "FIELD=value" strings for sd_journal_add_match (BuildJournalMatches()).
  std::vector<std::string> matches;
  // Without a checkpoint: begin after the last entry present, or at the head.
  bool start_at_end = true;
  // Longer MESSAGE fields are cut and flagged truncated.
  std::size_t max_message_bytes = 1024 * 1024;
  // How often the journal is checked when no notification arrives.
  std::chrono::milliseconds poll_interval{1'000};
  // How often advanced checkpoints are written to disk.
  std::chrono::milliseconds checkpoint_interval{1'000};
  std::string index;
  // Members every event shares, without braces (agent/shared_fields.h).
  std::string shared_fields_json;
  // The keys of shared_fields_json's members: a mapped field with one of these names is
  // left out (the user's `fields` win).
  std::vector<std::string> shared_keys;
  // A pass's batch is appended once its events hold this many bytes.
  std::size_t batch_bytes = 1024 * 1024;
};

// Counters since Start() beyond InputStats.
struct JournaldCounters {
  uint64_t entries = 0;
  uint64_t malformed_fields = 0;  // mapped fields left out (journal_event_mapper.h)
  uint64_t read_errors = 0;       // sd-journal calls that failed (logged)
  uint64_t append_errors = 0;     // batches the buffer refused (entries read again)
  uint64_t cursor_resumes = 0;    // starts that found their checkpointed entry
  uint64_t cursor_misses = 0;     // starts whose checkpointed entry was gone
};

class JournaldInput final : public Input {
 public:
  // Reads one pass at most this many entries before yielding to the loop.
  static constexpr std::size_t kMaxEntriesPerPass = 4096;

  // Borrows `loop`, `buffer`, `checkpoints` and `clock` for the input's lifetime;
  // `checkpoints` and `clock` must also outlive the on_durable callbacks left in `buffer`.
  JournaldInput(uv_loop_t* loop, buffer::EventBuffer& buffer, buffer::CheckpointStore& checkpoints,
                JournaldInputOptions options, const base::Clock& clock);
  JournaldInput(const JournaldInput&) = delete;
  JournaldInput& operator=(const JournaldInput&) = delete;
  ~JournaldInput() override;

  base::Status Start() override;
  void Stop() override;
  std::string_view id() const override { return options_.id; }
  std::string_view type() const override { return "journald"; }
  InputStats stats() const override { return stats_; }
  void OnBufferSpace() override;

  const JournaldCounters& counters() const { return counters_; }
  // The checkpoint store key of input `id`.
  static std::string CheckpointKey(std::string_view id);
  // The event offset (and _id part) of the entry with `cursor`.
  static uint64_t OffsetOfCursor(std::string_view cursor);

 private:
  static void OnIdle(uv_idle_t* idle);
  static void OnTimer(uv_timer_t* timer);
  static void OnPoll(uv_poll_t* poll, int status, int events);

  base::Status StartHandles();
  // Positions the reader for the first read (checkpoint cursor or start_at).
  base::Status PositionAtStart();
  // Positions after the entry `cursor` names; false when that entry is gone.
  base::Result<bool> SeekAfter(std::string_view cursor);
  // After a refused append: back to just after the last entry appended.
  void Rewind();
  void ReadPass();
  // Reads the current entry into `event`; false when it failed (counted, logged).
  bool ReadEntry(buffer::Event& event, std::size_t* bytes);
  void ScheduleRead();
  void StopReading();
  void TakeNotifications();
  void PersistCheckpoints();
  void LogReadError(const base::Status& status);

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  buffer::CheckpointStore& checkpoints_;
  JournaldInputOptions options_;
  const base::Clock& clock_;
  const std::string key_;
  JournalEventMapper mapper_;
  std::optional<JournalReader> reader_;

  base::UvHandle<uv_idle_t> idle_;
  base::UvHandle<uv_timer_t> timer_;
  base::UvHandle<uv_poll_t> poll_;

  // The reader stands on an entry not yet read (a seek whose entry was gone).
  bool current_unread_ = false;
  // The cursor of the last entry appended to the buffer ("": none yet).
  std::string last_appended_cursor_;
  std::string cursor_;  // scratch, reused
  bool started_ = false;
  bool stopped_ = false;
  bool reading_ = false;  // the idle handle is active
  bool paused_ = false;   // waiting for buffer space
  bool rewind_pending_ = false;
  bool read_error_logged_ = false;
  std::chrono::steady_clock::time_point last_persist_{};
  uint64_t malformed_logged_ = 0;
  InputStats stats_;
  JournaldCounters counters_;
};

}  // namespace agent
