// Ring: the on-disk EventBuffer. Batches become zstd-compressed FlatBuffers frames in
// segment files under `dir` (FORMAT.md), survive crashes, and leave the disk when the
// output has acknowledged them.
//
// Producer side: Append() encodes and writes a frame at once; its `on_durable` runs on the
// loop thread, in append order, once the frame is fsync'd (`fsync`: always / at most every
// `fsync_interval` / never). At `max_bytes` the policy decides: `kBlock` keeps the one frame
// that did not fit in memory, turns Full() on and writes it when acknowledgements free
// space (on_space then runs); `kDropOldest` deletes the oldest segments and counts their
// events as dropped.
//
// Consumer side: Read() decodes the next frame into a lease that stays valid until Ack();
// acknowledgements may come in any order; the cursor file advances over the contiguous
// acknowledged prefix and fully acknowledged segments are deleted.
//
// Threads: everything runs on the loop thread, including zstd (compression on the loop
// thread is a known cost; it all happens in Encode/DecodeFrame so it can move to
// uv_queue_work in one place).
//
// Stopping: call Flush() before destroying the ring for a clean stop; the destructor
// deliberately does not sync (tests use that to simulate a crash).
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer/batch_codec.h"
#include "buffer/event_buffer.h"
#include "buffer/filesystem.h"
#include "buffer/frame_format.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"
#include "platforms/base/uv_handle.h"

namespace buffer {

enum class WhenFull { kBlock, kDropOldest };
enum class FsyncMode { kAlways, kBatch, kNever };

// Segments are at most this large unless max_bytes/8 is smaller.
constexpr uint64_t kDefaultSegmentBytes = 64u * 1024 * 1024;

struct RingOptions {
  std::string dir;  // the ring/ directory; created if missing (its parent must exist)
  uint64_t max_bytes = 1024u * 1024 * 1024;
  uint64_t segment_bytes = 0;  // 0: kDefaultSegmentBytes, or max_bytes / 8 if smaller
  WhenFull when_full = WhenFull::kBlock;
  FsyncMode fsync = FsyncMode::kBatch;
  std::chrono::milliseconds fsync_interval{200};  // bounds what a crash can lose in kBatch
  int compression_level = 1;
};

struct RingStats {
  uint64_t bytes_on_disk = 0;      // sum of the segment file sizes
  uint64_t frames = 0;             // frames not yet acknowledged
  uint64_t raw_bytes_written = 0;  // FlatBuffers bytes of the frames written by this process
  uint64_t compressed_bytes_written = 0;
  uint64_t corrupt_frames = 0;  // corrupt regions and frames found (recovery and reads)
  uint64_t dropped_events = 0;  // drop_oldest, corruption and missing data
  double CompressionRatio() const {
    return compressed_bytes_written == 0 ? 0.0
                                         : static_cast<double>(raw_bytes_written) /
                                               static_cast<double>(compressed_bytes_written);
  }
};

class Ring final : public EventBuffer {
 public:
  // Recovers `options.dir` and returns a ring ready to append. `loop`, `fs` and `clock` are
  // borrowed and must outlive the ring.
  static base::Result<std::unique_ptr<Ring>> Open(uv_loop_t* loop, Filesystem& fs,
                                                  RingOptions options, const base::Clock& clock);

  Ring(uv_loop_t* loop, Filesystem& fs, RingOptions options, const base::Clock& clock);
  ~Ring() override;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // kResourceExhausted while Full() (block) or when the disk is full, kInvalidArgument for
  // a batch that can never fit, other errors from the filesystem; the batch is not stored
  // and `on_durable` never runs when an error is returned.
  base::Status Append(EventBatch batch, std::function<void()> on_durable) override;
  bool Full() const override { return parked_.has_value(); }
  void SetOnSpace(std::function<void()> on_space) override { on_space_ = std::move(on_space); }

  std::optional<Lease> Read() override;
  void Ack(uint64_t lease_id) override;
  void SetOnReadable(std::function<void()> on_readable) override {
    on_readable_ = std::move(on_readable);
  }
  std::size_t PendingBatches() const override { return frames_.size() + (parked_ ? 1 : 0); }

  // Syncs what was written, persists the cursor and runs the due on_durable callbacks now.
  base::Status Flush();

  RingStats stats() const { return stats_; }
  // Age of the oldest frame not yet acknowledged (zero when none).
  std::chrono::nanoseconds OldestUnacknowledgedAge() const;
  const RingOptions& options() const { return options_; }

 private:
  struct Segment {
    uint64_t id = 0;
    uint64_t base_seq = 0;
    uint64_t end_seq = 0;
    uint64_t bytes = 0;
    std::unique_ptr<File> file;
    bool writable = false;  // only the newest segment, until it is sealed
  };
  struct FrameRef {
    uint64_t segment_id = 0;
    uint64_t offset = 0;
    uint64_t bytes = 0;
    uint64_t first_seq = 0;
    uint32_t event_count = 0;
    std::chrono::steady_clock::time_point appended_at;
    bool acked = false;
  };
  // A frame that did not fit (kBlock): written once acknowledgements free space.
  struct ParkedFrame {
    std::vector<std::byte> payload;
    FrameHeader header;  // first_seq is set when written
    std::function<void()> on_durable;
  };

  base::Status Recover();
  base::Status InitTimers();
  // Compresses `batch` into payload_ and sets last_raw_bytes_.
  base::Status EncodeFrame(const EventBatch& batch);
  bool Fits(uint64_t frame_bytes) const;
  bool NeedsNewSegment(uint64_t frame_bytes) const;
  // Writes one frame; `on_durable` is moved from only on success.
  base::Status WriteFrame(std::span<const std::byte> payload, FrameHeader header,
                          std::function<void()>& on_durable);
  base::Status SealNewestSegment();
  base::Status CreateSegment();
  void DropOldestUntilFits(uint64_t frame_bytes);
  void DeleteSegmentFront(bool count_dropped);
  void AdvanceAckedPrefix();
  void DeleteAcknowledgedSegments();
  void TryWriteParked();
  base::Status SyncNewest();
  void MarkDurable();
  void ScheduleDispatch();
  void DispatchDurable();
  void StartSyncTimer();
  void OnSyncTimer();
  base::Status PersistCursor();
  base::Result<std::unique_ptr<EventBatch>> DecodeFrame(const FrameRef& frame);
  Segment* FindSegment(uint64_t id);

  uv_loop_t* const loop_;
  Filesystem& fs_;
  RingOptions options_;
  const base::Clock& clock_;
  BatchCodec codec_;

  std::deque<Segment> segments_;  // in id order
  uint64_t next_segment_id_ = 0;
  std::deque<FrameRef> frames_;  // frames_[i] is frame number front_frame_ + i
  uint64_t front_frame_ = 0;
  uint64_t next_read_frame_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<EventBatch>> leases_;
  uint64_t next_seq_ = 0;
  uint64_t ack_seq_ = 0;
  uint64_t persisted_ack_seq_ = 0;
  std::optional<ParkedFrame> parked_;

  // on_durable callbacks of frames written but not yet synced, then those due to run.
  std::deque<std::function<void()>> unsynced_;
  std::deque<std::function<void()>> due_;
  bool newest_dirty_ = false;  // the newest segment has unsynced bytes

  base::UvHandle<uv_timer_t> sync_timer_;
  base::UvHandle<uv_timer_t> dispatch_timer_;
  bool reader_waiting_ = false;
  std::function<void()> on_space_;
  std::function<void()> on_readable_;

  std::vector<std::byte> payload_;  // compression scratch, reused
  uint32_t last_raw_bytes_ = 0;
  std::vector<std::byte> frame_;  // frame scratch, reused
  std::vector<std::byte> read_;   // read scratch, reused
  RingStats stats_;
};

}  // namespace buffer
