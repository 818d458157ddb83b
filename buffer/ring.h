// Ring: the on-disk EventBuffer. Batches become zstd-compressed FlatBuffers frames in
// segment files under `dir` (FORMAT.md), survive crashes, and leave the disk when the
// output has acknowledged them.
//
// Producer side: Append() hands the batch to a job on the libuv thread pool that encodes
// and compresses it (codec_job.h); the frame is written on the loop thread, strictly in
// append order, when its job is back. `on_durable` runs on the loop thread, in append
// order, once the frame is fsync'd (`fsync`: always / at most every `fsync_interval` /
// never). Full() turns on, and inputs pause, when any of these holds; `on_space` runs when
// none does any more:
//   - `max_pending_batches` batches (or `max_pending_bytes`) wait to be encoded or written,
//     so memory stays bounded whatever the input rate;
//   - at `max_bytes` with `kBlock`: the next frame waits in memory until acknowledgements
//     free space (`kDropOldest` deletes the oldest segments instead, counting their events
//     as dropped);
//   - disk trouble: a write, fsync or cursor update failed (ENOSPC, EROFS, EIO). The ring
//     takes back a partly written frame, logs once per episode, reports !Healthy() and
//     retries on its own (`retry_initial`, doubling up to `retry_max`), and on every
//     acknowledgement and Flush(); nothing already accepted is lost meanwhile.
//
// Consumer side: Read() hands out the next frame as a lease that stays valid until Ack().
// Frames are decoded ahead on the thread pool (`prefetch_frames` of them); when the next
// one is not decoded yet Read() returns nothing and `on_readable` runs once it is.
// Acknowledgements may come in any order; the cursor file advances over the contiguous
// acknowledged prefix and fully acknowledged segments are deleted.
//
// Threads: all state lives on the loop thread; a pool job owns its inputs and outputs and
// touches nothing of the ring, so the ring may be destroyed while jobs are in flight (they
// are detached and free themselves; run the loop until it is empty before closing it).
//
// Stopping: call Flush() before destroying the ring for a clean stop. It is synchronous:
// it finishes the encodes still in flight (taking queued ones back from the pool and
// encoding them inline, waiting for the few a pool thread is running), writes what fits,
// syncs and persists the cursor. The destructor deliberately does not (tests use that to
// simulate a crash).
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
#include "buffer/codec_job.h"
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
  // Batches accepted but not yet written (being encoded, or waiting for space or for the
  // disk) before Full() turns on: bounds memory to about this many batches. Each one
  // holds its batch and, while encoding, a FlatBuffers builder, the compressed copy and a
  // zstd context (about 4 MiB for a 1 MiB batch). Two keep one batch encoding while the
  // next is read: zstd level 1 encodes far faster than one loop thread reads and splits
  // lines, so more only held memory (docs/footprint.md).
  std::size_t max_pending_batches = 2;
  uint64_t max_pending_bytes = 32u * 1024 * 1024;  // EventBatch::ByteSize() of those
  // Frames decoded ahead of Read() on the thread pool.
  std::size_t prefetch_frames = 2;
  // Disk trouble: first retry after `retry_initial`, then doubling up to `retry_max`.
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{10000};
};

struct RingStats {
  uint64_t bytes_on_disk = 0;      // sum of the segment file sizes
  uint64_t frames = 0;             // frames not yet acknowledged
  uint64_t raw_bytes_written = 0;  // FlatBuffers bytes of the frames written by this process
  uint64_t compressed_bytes_written = 0;
  uint64_t corrupt_frames = 0;   // corrupt regions and frames found (recovery and reads)
  uint64_t dropped_events = 0;   // drop_oldest, corruption and missing data
  uint64_t pending_batches = 0;  // accepted, not yet written (encoding, waiting for space/disk)
  uint64_t disk_trouble_episodes = 0;  // times writes started failing
  bool healthy = true;                 // false while writes fail (see Ring::Healthy())
  bool paused = false;                 // Full(): inputs are asked to stop reading
  double CompressionRatio() const {
    return compressed_bytes_written == 0 ? 0.0
                                         : static_cast<double>(raw_bytes_written) /
                                               static_cast<double>(compressed_bytes_written);
  }
};

class Ring final : public EventBuffer, private CodecJob::Owner {
 public:
  // Recovers `options.dir` and returns a ring ready to append. `loop`, `fs` and `clock` are
  // borrowed and must outlive the ring (the loop also outlives the jobs it still runs).
  static base::Result<std::unique_ptr<Ring>> Open(uv_loop_t* loop, Filesystem& fs,
                                                  RingOptions options, const base::Clock& clock);

  Ring(uv_loop_t* loop, Filesystem& fs, RingOptions options, const base::Clock& clock);
  ~Ring() override;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // kResourceExhausted while Full(), kInvalidArgument for a batch that can never fit; the
  // batch is not stored and `on_durable` never runs when an error is returned. Disk errors
  // never fail an Append: writes happen later, on the loop thread, and pause the ring.
  base::Status Append(EventBatch batch, std::function<void()> on_durable) override;
  bool Full() const override { return full_; }
  void SetOnSpace(std::function<void()> on_space) override { on_space_ = std::move(on_space); }

  std::optional<Lease> Read() override;
  void Ack(uint64_t lease_id) override;
  void SetOnReadable(std::function<void()> on_readable) override {
    on_readable_ = std::move(on_readable);
  }
  // Frames not yet acknowledged plus batches accepted and not yet written.
  std::size_t PendingBatches() const override { return frames_.size() + pending_count_; }

  // Finishes the encodes in flight, writes what fits, syncs, persists the cursor and runs
  // the due on_durable callbacks now. Blocks the loop thread for at most the batches a pool
  // thread is compressing. An error means the disk is in trouble (see Healthy()).
  base::Status Flush();

  // False while writes, fsyncs or cursor updates fail (disk full, read-only, EIO): the
  // agent reports not ready. The ring retries by itself; LastDiskError() says why.
  bool Healthy() const { return healthy_; }
  const base::Status& LastDiskError() const { return disk_error_; }
  // Encode and decode jobs on the thread pool right now (tests wait for zero).
  std::size_t JobsInFlight() const { return on_pool_.size(); }

  RingStats stats() const;
  // Age of the oldest batch accepted and not yet acknowledged (zero when none).
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
  // A batch accepted by Append() and not yet written, in append order.
  struct PendingFrame {
    std::function<void()> on_durable;
    std::size_t batch_bytes = 0;  // counted against max_pending_bytes
    bool empty = false;           // an empty batch: durable once everything before it is
    // The encode job: owned here once it is back (or for an inline encode); borrowed while
    // libuv holds it (`in_flight`).
    std::unique_ptr<CodecJob> job;
    CodecJob* in_flight = nullptr;
    bool ran = false;  // Flush() finished `in_flight` early: its outputs are ready
    std::chrono::steady_clock::time_point appended_at;
  };
  // A frame being decoded ahead of Read(), in frame order.
  struct Prefetched {
    uint64_t frame = 0;             // frame number, also the lease id
    std::unique_ptr<CodecJob> job;  // set once back
    CodecJob* in_flight = nullptr;
    base::Status read_error;  // the frame could not even be read
  };

  base::Status Recover();
  base::Status InitTimers();
  void OnCodecJobDone(std::unique_ptr<CodecJob> job) override;
  std::unique_ptr<CodecJob> TakeIdleJob(CodecJob::Kind kind);
  void RecycleJob(std::unique_ptr<CodecJob> job);
  // Writes the encoded frames at the front of pending_ while they fit and the disk lets it;
  // returns the disk error that stopped it. WritePending() does that unless the disk is in
  // trouble (the retry does it then) and handles the error.
  base::Status WritePendingFrames();
  void WritePending();
  void PopPending();
  // The finished encode job of `p`, or null while it is still being encoded.
  static CodecJob* Encoded(const PendingFrame& p);
  // Writes one frame; `on_durable` is moved from only on success.
  base::Status WriteFrame(std::span<const std::byte> payload, FrameHeader header,
                          std::function<void()>& on_durable,
                          std::chrono::steady_clock::time_point appended_at);
  bool Fits(uint64_t frame_bytes) const;
  bool NeedsNewSegment(uint64_t frame_bytes) const;
  base::Status SealNewestSegment();
  base::Status CreateSegment();
  void DropOldestUntilFits(uint64_t frame_bytes);
  void DeleteSegmentFront(bool count_dropped);
  void AdvanceAckedPrefix();
  void DeleteAcknowledgedSegments();
  base::Status SyncNewest();
  void MarkDurable();
  void ScheduleDispatch();
  void DispatchDurable();
  void StartSyncTimer();
  void OnSyncTimer();
  base::Status PersistCursor();
  // Disk trouble: pause, log (once per episode), retry with backoff.
  void OnDiskError(const base::Status& status);
  void OnRetryTimer();
  // Retries what failed; true when the disk works again.
  bool RetryDisk();
  void UpdateFull();
  void StartPrefetch();
  // Runs on_readable if Read() returned nothing and the next frame is ready now.
  void NotifyReadable();
  void ScheduleReadableCheck();
  Segment* FindSegment(uint64_t id);

  uv_loop_t* const loop_;
  Filesystem& fs_;
  RingOptions options_;
  const base::Clock& clock_;

  std::deque<Segment> segments_;  // in id order
  uint64_t next_segment_id_ = 0;
  std::deque<FrameRef> frames_;  // frames_[i] is frame number front_frame_ + i
  uint64_t front_frame_ = 0;
  uint64_t next_fetch_frame_ = 0;  // the next frame to decode ahead
  std::unordered_map<uint64_t, std::unique_ptr<EventBatch>> leases_;
  uint64_t next_seq_ = 0;
  uint64_t ack_seq_ = 0;
  uint64_t persisted_ack_seq_ = 0;

  std::deque<PendingFrame> pending_;  // pending_[i] is append number pending_front_ + i
  uint64_t pending_front_ = 0;
  uint64_t pending_bytes_ = 0;
  std::size_t pending_count_ = 0;    // entries of pending_ that are not empty batches
  bool waiting_for_space_ = false;   // kBlock: the front frame does not fit
  std::deque<Prefetched> prefetch_;  // the next frames Read() hands out, in order
  // Every job libuv holds (borrowed), detached in the destructor. Includes jobs Flush()
  // already finished and whose frame may be written and gone from pending_.
  std::vector<CodecJob*> on_pool_;
  // Finished jobs, reused with their codec and buffers. Encoders and decoders are kept
  // apart so each keeps warm only the zstd context (and buffers) it uses.
  std::vector<std::unique_ptr<CodecJob>> idle_encoders_;
  std::vector<std::unique_ptr<CodecJob>> idle_decoders_;
  std::vector<std::unique_ptr<EventBatch>> idle_batches_;  // acknowledged leases, reused

  // on_durable callbacks of frames written but not yet synced, then those due to run.
  std::deque<std::function<void()>> unsynced_;
  std::deque<std::function<void()>> due_;
  bool newest_dirty_ = false;  // the newest segment has unsynced bytes

  bool full_ = false;
  bool healthy_ = true;
  base::Status disk_error_;
  std::chrono::milliseconds retry_delay_{0};
  std::chrono::steady_clock::time_point trouble_since_;
  std::chrono::steady_clock::time_point last_trouble_log_;

  base::UvHandle<uv_timer_t> sync_timer_;
  base::UvHandle<uv_timer_t> dispatch_timer_;
  base::UvHandle<uv_timer_t> retry_timer_;
  bool reader_waiting_ = false;
  bool readable_check_ = false;  // a prefetched frame became ready without a job
  std::function<void()> on_space_;
  std::function<void()> on_readable_;

  std::vector<std::byte> frame_;  // frame scratch, reused
  RingStats stats_;
};

}  // namespace buffer
