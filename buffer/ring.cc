#include "buffer/ring.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

#include "buffer/ring_cursor.h"
#include "buffer/ring_recovery.h"
#include "buffer/segment_header.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

constexpr std::string_view kComponent = "ring";
// With fsync always/never, acknowledgements reach the cursor file at most this late.
constexpr std::chrono::milliseconds kCursorInterval{100};
// While the disk stays in trouble, the loud log line repeats at most this often.
constexpr std::chrono::seconds kTroubleLogInterval{60};

uint64_t DefaultSegmentBytes(uint64_t max_bytes) {
  return std::min<uint64_t>(kDefaultSegmentBytes, max_bytes / 8);
}

std::string Seconds(std::chrono::nanoseconds d) {
  return base::StrCat(std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000, ".",
                      std::chrono::duration_cast<std::chrono::milliseconds>(d).count() % 1000 / 100,
                      " s");
}

}  // namespace

base::Result<std::unique_ptr<Ring>> Ring::Open(uv_loop_t* loop, Filesystem& fs, RingOptions options,
                                               const base::Clock& clock) {
  if (options.segment_bytes == 0) options.segment_bytes = DefaultSegmentBytes(options.max_bytes);
  if (options.segment_bytes <= kSegmentHeaderBytes + kFrameHeaderBytes ||
      options.max_bytes < options.segment_bytes) {
    return base::InvalidArgument(base::StrCat("ring max_bytes ", options.max_bytes,
                                              " and segment_bytes ", options.segment_bytes,
                                              " are too small"));
  }
  options.max_pending_batches = std::max<std::size_t>(options.max_pending_batches, 1);
  options.prefetch_frames = std::max<std::size_t>(options.prefetch_frames, 1);
  options.retry_initial = std::max(options.retry_initial, std::chrono::milliseconds(1));
  options.retry_max = std::max(options.retry_max, options.retry_initial);
  std::string dir = options.dir;
  auto ring = std::make_unique<Ring>(loop, fs, std::move(options), clock);
  if (base::Status s = ring->InitTimers(); !s.ok()) return s;
  if (base::Status s = ring->Recover(); !s.ok()) return s.WithContext("open ring " + dir);
  return ring;
}

Ring::Ring(uv_loop_t* loop, Filesystem& fs, RingOptions options, const base::Clock& clock)
    : loop_(loop), fs_(fs), options_(std::move(options)), clock_(clock) {}

Ring::~Ring() {
  // Jobs still on the pool no longer call back: each frees itself when libuv returns it
  // (codec_job.h). Their batches were never reported durable, so this is a crash to them.
  for (CodecJob* job : on_pool_) job->Detach();
}

base::Status Ring::InitTimers() {
  for (base::UvHandle<uv_timer_t>* timer : {&sync_timer_, &dispatch_timer_, &retry_timer_}) {
    int rc = uv_timer_init(loop_, timer->get());
    if (rc != 0) return base::UvStatus(rc, "ring timer");
    timer->MarkInitialized();
    (*timer)->data = this;
  }
  return base::Status::Ok();
}

base::Status Ring::Recover() {
  auto recovered = RecoverRing(fs_, options_.dir);
  if (!recovered) return recovered.error();
  RecoveredRing& r = *recovered;
  ack_seq_ = persisted_ack_seq_ = r.ack_seq;
  next_seq_ = r.next_seq;
  next_segment_id_ = r.next_segment_id;
  stats_.corrupt_frames += r.corrupt_frames;
  stats_.dropped_events += r.lost_events;
  const auto now = clock_.Now();
  for (RecoveredSegment& rs : r.segments) {
    auto file =
        fs_.Open(options_.dir + "/" + SegmentFileName(rs.id), Filesystem::OpenMode::kReadWrite);
    if (!file) return file.error();
    for (const RecoveredFrame& f : rs.frames) {
      frames_.push_back(FrameRef{rs.id, f.offset, f.header.FrameBytes(), f.header.first_seq,
                                 f.header.event_count, now, false});
    }
    stats_.bytes_on_disk += rs.bytes;
    segments_.push_back(Segment{rs.id, rs.base_seq, rs.end_seq, rs.bytes, std::move(*file), false});
  }
  if (!segments_.empty() && segments_.back().bytes < options_.segment_bytes) {
    segments_.back().writable = true;
  }
  stats_.frames = frames_.size();
  DeleteAcknowledgedSegments();
  return base::Status::Ok();
}

// --- Producer side ---

base::Status Ring::Append(EventBatch batch, std::function<void()> on_durable) {
  if (batch.events.empty()) {  // nothing to store; durable once everything before it is
    if (!pending_.empty()) {
      PendingFrame marker;
      marker.on_durable = std::move(on_durable);
      marker.empty = true;
      pending_.push_back(std::move(marker));
    } else if (unsynced_.empty()) {
      due_.push_back(std::move(on_durable));
      ScheduleDispatch();
    } else {
      unsynced_.push_back(std::move(on_durable));
    }
    return base::Status::Ok();
  }
  if (full_) {
    if (!healthy_) return base::ResourceExhausted("ring paused: " + disk_error_.ToString());
    return base::ResourceExhausted("ring is full");
  }
  const std::size_t worst_case = BatchCodec::MaxEncodedBytes(batch);
  PendingFrame p;
  p.on_durable = std::move(on_durable);
  p.batch_bytes = batch.ByteSize();
  p.appended_at = clock_.Now();
  std::unique_ptr<CodecJob> job = TakeIdleJob(CodecJob::Kind::kEncode);
  job->number = pending_front_ + pending_.size();
  job->batch = std::move(batch);
  if (worst_case + kFrameHeaderBytes + kSegmentHeaderBytes > options_.max_bytes) {
    // It may never fit: encode it here, so the caller learns it now. Only batches close to
    // max_bytes take this path.
    job->Run();
    base::Status s = job->status;
    if (s.ok() && job->header.FrameBytes() + kSegmentHeaderBytes > options_.max_bytes) {
      s = base::InvalidArgument(base::StrCat("a batch of ", job->header.FrameBytes(),
                                             " compressed bytes can never fit in the ring"));
    }
    if (!s.ok()) {
      RecycleJob(std::move(job));
      return s;
    }
    p.job = std::move(job);
  } else {
    CodecJob* raw = job.get();
    if (base::Status s = CodecJob::Start(loop_, job, this); s.ok()) {
      p.in_flight = raw;
      on_pool_.push_back(raw);
    } else {
      base::LogWarn(kComponent, base::StrCat(s.ToString(), "; compressing on the loop thread"));
      job->Run();
      p.job = std::move(job);
    }
  }
  pending_bytes_ += p.batch_bytes;
  ++pending_count_;
  pending_.push_back(std::move(p));
  WritePending();  // an inline-encoded frame first in line is written at once
  UpdateFull();
  return base::Status::Ok();
}

std::unique_ptr<CodecJob> Ring::TakeIdleJob(CodecJob::Kind kind) {
  auto& idle = kind == CodecJob::Kind::kEncode ? idle_encoders_ : idle_decoders_;
  std::unique_ptr<CodecJob> job;
  if (idle.empty()) {
    job = std::make_unique<CodecJob>(options_.compression_level);
  } else {
    job = std::move(idle.back());
    idle.pop_back();
  }
  job->kind = kind;
  return job;
}

void Ring::RecycleJob(std::unique_ptr<CodecJob> job) {
  if (!job) return;
  job->batch = EventBatch{};  // the input's strings: give the memory back now
  job->status = base::Status::Ok();
  // Keep as many as can be busy at once; their codecs and buffers are the reuse.
  if (job->kind == CodecJob::Kind::kEncode) {
    if (idle_encoders_.size() < options_.max_pending_batches)
      idle_encoders_.push_back(std::move(job));
  } else if (idle_decoders_.size() < options_.prefetch_frames) {
    idle_decoders_.push_back(std::move(job));
  }
}

void Ring::OnCodecJobDone(std::unique_ptr<CodecJob> job) {
  // Every job libuv returns to a live owner was started by it and is listed.
  auto it = std::find(on_pool_.begin(), on_pool_.end(), job.get());
  assert(it != on_pool_.end());
  if (it != on_pool_.end()) on_pool_.erase(it);
  if (job->kind == CodecJob::Kind::kEncode) {
    if (job->number >= pending_front_ && job->number - pending_front_ < pending_.size()) {
      PendingFrame& p = pending_[job->number - pending_front_];
      if (p.in_flight == job.get()) {
        p.in_flight = nullptr;
        p.ran = false;
        p.job = std::move(job);
        WritePending();
        return;
      }
    }
    RecycleJob(std::move(job));  // Flush() finished it and its frame is already written
    return;
  }
  for (Prefetched& p : prefetch_) {
    if (p.in_flight == job.get()) {
      p.in_flight = nullptr;
      p.job = std::move(job);
      break;
    }
  }
  RecycleJob(std::move(job));  // no-op when it was claimed above
  NotifyReadable();
}

void Ring::NotifyReadable() {
  if (reader_waiting_ && !prefetch_.empty() && prefetch_.front().in_flight == nullptr) {
    reader_waiting_ = false;
    if (on_readable_) on_readable_();
  }
}

CodecJob* Ring::Encoded(const PendingFrame& p) {
  if (p.job) return p.job.get();
  return p.ran ? p.in_flight : nullptr;
}

void Ring::WritePending() {
  if (!healthy_) return;  // RetryDisk() writes them once the disk works again
  if (base::Status s = WritePendingFrames(); !s.ok()) OnDiskError(s);
  UpdateFull();
}

base::Status Ring::WritePendingFrames() {
  waiting_for_space_ = false;
  while (!pending_.empty()) {
    PendingFrame& p = pending_.front();
    if (p.empty) {
      if (unsynced_.empty()) {
        due_.push_back(std::move(p.on_durable));
        ScheduleDispatch();
      } else {
        unsynced_.push_back(std::move(p.on_durable));
      }
      PopPending();
      continue;
    }
    CodecJob* job = Encoded(p);
    if (job == nullptr) break;  // still being compressed; frames go out in append order
    const uint64_t frame_bytes = job->header.FrameBytes();
    if (!job->status.ok() || frame_bytes + kSegmentHeaderBytes > options_.max_bytes) {
      // Cannot happen short of a zstd failure (Append checks what might not fit), but a
      // batch that cannot be stored must not stop the ring: counted, logged, skipped.
      const std::size_t events = job->batch.events.size();
      stats_.dropped_events += events;
      base::LogError(kComponent, base::StrCat("cannot store a batch of ", events, " events: ",
                                              job->status.ok()
                                                  ? base::StrCat(frame_bytes, " bytes is too large")
                                                  : job->status.ToString(),
                                              "; dropped"));
      PopPending();
      continue;
    }
    if (!Fits(frame_bytes)) {
      if (options_.when_full == WhenFull::kBlock) {
        waiting_for_space_ = true;  // acknowledgements will make room
        break;
      }
      DropOldestUntilFits(frame_bytes);
      if (!Fits(frame_bytes)) return base::IoError("cannot delete the oldest segment to make room");
    }
    if (base::Status s = WriteFrame(job->payload, job->header, p.on_durable, p.appended_at);
        !s.ok()) {
      return s;
    }
    PopPending();
    if (options_.fsync == FsyncMode::kAlways) {
      if (base::Status s = SyncNewest(); !s.ok()) return s;
    }
  }
  return base::Status::Ok();
}

void Ring::PopPending() {
  PendingFrame& p = pending_.front();
  if (!p.empty) {
    pending_bytes_ -= p.batch_bytes;
    --pending_count_;
  }
  RecycleJob(std::move(p.job));
  pending_.pop_front();
  ++pending_front_;
}

bool Ring::NeedsNewSegment(uint64_t frame_bytes) const {
  if (segments_.empty() || !segments_.back().writable) return true;
  const Segment& s = segments_.back();
  return s.bytes + frame_bytes > options_.segment_bytes && s.bytes > kSegmentHeaderBytes;
}

bool Ring::Fits(uint64_t frame_bytes) const {
  uint64_t needed = frame_bytes + (NeedsNewSegment(frame_bytes) ? kSegmentHeaderBytes : 0);
  return stats_.bytes_on_disk + needed <= options_.max_bytes;
}

base::Status Ring::WriteFrame(std::span<const std::byte> payload, FrameHeader header,
                              std::function<void()>& on_durable,
                              std::chrono::steady_clock::time_point appended_at) {
  header.first_seq = next_seq_;
  const uint64_t frame_bytes = header.FrameBytes();
  if (NeedsNewSegment(frame_bytes)) {
    if (!segments_.empty() && segments_.back().writable) {
      if (base::Status s = SealNewestSegment(); !s.ok()) return s;
    }
    if (base::Status s = CreateSegment(); !s.ok()) return s;
  }
  Segment& seg = segments_.back();
  frame_.resize(frame_bytes);
  EncodeFrameHeader(header, payload, std::span<std::byte>(frame_).first<kFrameHeaderBytes>());
  std::memcpy(frame_.data() + kFrameHeaderBytes, payload.data(), payload.size());
  if (base::Status s = seg.file->Append(frame_); !s.ok()) {
    // Take back a partial frame so the segment stays a clean sequence of frames.
    if (base::Status t = seg.file->Truncate(seg.bytes); !t.ok()) {
      base::LogError(kComponent, base::StrCat("cannot truncate ", SegmentFileName(seg.id),
                                              " after a failed write: ", t.ToString()));
      auto size = seg.file->Size();
      if (size) {
        stats_.bytes_on_disk += *size - seg.bytes;
        seg.bytes = *size;
      }
      // Recovery cuts the torn tail; nothing more is written after it, so it can never
      // stand between two good frames.
      seg.writable = false;
    }
    return s.WithContext("append to ring segment " + SegmentFileName(seg.id));
  }
  seg.bytes += frame_bytes;
  seg.end_seq = header.EndSeq();
  next_seq_ = header.EndSeq();
  stats_.bytes_on_disk += frame_bytes;
  stats_.raw_bytes_written += header.raw_bytes;
  stats_.compressed_bytes_written += header.payload_bytes;
  frames_.push_back(FrameRef{seg.id, seg.bytes - frame_bytes, frame_bytes, header.first_seq,
                             header.event_count, appended_at, false});
  stats_.frames = frames_.size();
  newest_dirty_ = true;
  unsynced_.push_back(std::move(on_durable));
  switch (options_.fsync) {
    case FsyncMode::kAlways:
      break;  // the caller syncs, after the write succeeded
    case FsyncMode::kBatch:
      StartSyncTimer();
      break;
    case FsyncMode::kNever:
      MarkDurable();
      break;
  }
  StartPrefetch();
  return base::Status::Ok();
}

base::Status Ring::SealNewestSegment() {
  if (base::Status s = SyncNewest(); !s.ok()) return s;
  segments_.back().writable = false;
  return base::Status::Ok();
}

base::Status Ring::CreateSegment() {
  const uint64_t id = next_segment_id_++;
  const std::string path = options_.dir + "/" + SegmentFileName(id);
  auto file = fs_.Open(path, Filesystem::OpenMode::kCreateOrTruncate);
  if (!file) return file.error().WithContext("create ring segment");
  std::array<std::byte, kSegmentHeaderBytes> header{};
  EncodeSegmentHeader(SegmentHeader{id, next_seq_}, header);
  base::Status s = (*file)->Append(header);
  if (s.ok()) s = fs_.SyncDir(options_.dir);
  if (!s.ok()) {
    fs_.Unlink(path).IgnoreError();  // recovery removes a header-less file anyway
    return s.WithContext("create ring segment " + SegmentFileName(id));
  }
  segments_.push_back(
      Segment{id, next_seq_, next_seq_, kSegmentHeaderBytes, std::move(*file), true});
  stats_.bytes_on_disk += kSegmentHeaderBytes;
  return base::Status::Ok();
}

// --- Durability ---

base::Status Ring::SyncNewest() {
  if (newest_dirty_ && !segments_.empty()) {
    if (base::Status s = segments_.back().file->Sync(); !s.ok()) {
      return s.WithContext("sync ring segment " + SegmentFileName(segments_.back().id));
    }
    newest_dirty_ = false;
  }
  MarkDurable();
  return base::Status::Ok();
}

void Ring::MarkDurable() {
  if (unsynced_.empty()) return;
  for (auto& callback : unsynced_) due_.push_back(std::move(callback));
  unsynced_.clear();
  ScheduleDispatch();
}

void Ring::ScheduleDispatch() {
  if (uv_is_active(dispatch_timer_.as_handle())) return;
  uv_timer_start(
      dispatch_timer_.get(),
      [](uv_timer_t* t) {
        if (t->data != nullptr) static_cast<Ring*>(t->data)->DispatchDurable();
      },
      0, 0);
}

void Ring::DispatchDurable() {
  // Callbacks may append, which may queue more callbacks: run only those due now.
  std::deque<std::function<void()>> due;
  due.swap(due_);
  for (auto& callback : due) {
    if (callback) callback();
  }
  if (readable_check_) {
    readable_check_ = false;
    NotifyReadable();
  }
}

void Ring::ScheduleReadableCheck() {
  // Not from here: StartPrefetch runs inside writes and reads, which on_readable must not
  // re-enter. The dispatch timer runs it from the loop.
  readable_check_ = true;
  ScheduleDispatch();
}

void Ring::StartSyncTimer() {
  if (uv_is_active(sync_timer_.as_handle())) return;
  auto delay = options_.fsync == FsyncMode::kBatch ? options_.fsync_interval : kCursorInterval;
  uv_timer_start(
      sync_timer_.get(),
      [](uv_timer_t* t) {
        if (t->data != nullptr) static_cast<Ring*>(t->data)->OnSyncTimer();
      },
      static_cast<uint64_t>(delay.count()), 0);
}

void Ring::OnSyncTimer() {
  if (!healthy_) return;  // the retry timer syncs and persists the cursor
  base::Status s = SyncNewest();
  if (s.ok()) s = PersistCursor();
  if (!s.ok()) OnDiskError(s);
}

base::Status Ring::Flush() {
  // Finish the encodes in flight: a job no pool thread has started is taken back and run
  // here; one that is running is waited for (one batch's compression at most per job).
  for (PendingFrame& p : pending_) {
    if (p.in_flight == nullptr || p.ran) continue;
    if (p.in_flight->Cancel()) {
      p.in_flight->Run();
    } else {
      p.in_flight->WaitUntilRun();
    }
    p.ran = true;
  }
  base::Status result;
  if (!healthy_) {
    if (!RetryDisk()) result = disk_error_;
  } else {
    WritePending();
    if (!healthy_) result = disk_error_;
  }
  if (result.ok()) {
    base::Status s = SyncNewest();
    if (s.ok()) s = PersistCursor();
    if (!s.ok()) {
      OnDiskError(s);
      result = std::move(s);
    }
  }
  DispatchDurable();
  UpdateFull();
  return result;
}

base::Status Ring::PersistCursor() {
  if (ack_seq_ == persisted_ack_seq_) return base::Status::Ok();
  if (base::Status s = WriteRingCursor(fs_, options_.dir, ack_seq_); !s.ok()) {
    return s.WithContext("persist ring cursor");
  }
  persisted_ack_seq_ = ack_seq_;
  return base::Status::Ok();
}

// --- Disk trouble ---

void Ring::OnDiskError(const base::Status& status) {
  disk_error_ = status;
  const auto now = clock_.Now();
  if (healthy_) {
    healthy_ = false;
    ++stats_.disk_trouble_episodes;
    trouble_since_ = now;
    last_trouble_log_ = now;
    retry_delay_ = options_.retry_initial;
    base::LogError(kComponent, base::StrCat("disk trouble: ", status.ToString(),
                                            "; inputs paused (nothing accepted is lost), retrying"
                                            " by itself, at most every ",
                                            Seconds(options_.retry_max)));
  } else {
    retry_delay_ = std::min(retry_delay_ * 2, options_.retry_max);
    if (now - last_trouble_log_ >= kTroubleLogInterval) {
      last_trouble_log_ = now;
      base::LogError(kComponent, base::StrCat("disk trouble for ", Seconds(now - trouble_since_),
                                              ": ", status.ToString(), "; inputs still paused"));
    }
  }
  uv_timer_start(
      retry_timer_.get(),
      [](uv_timer_t* t) {
        if (t->data != nullptr) static_cast<Ring*>(t->data)->OnRetryTimer();
      },
      static_cast<uint64_t>(retry_delay_.count()), 0);
  UpdateFull();
}

void Ring::OnRetryTimer() { RetryDisk(); }

bool Ring::RetryDisk() {
  if (healthy_) return true;
  // What may have failed, in order: the sync of frames written, the cursor, the writes.
  base::Status s = SyncNewest();
  if (s.ok()) s = PersistCursor();
  if (s.ok()) s = WritePendingFrames();
  if (!s.ok()) {
    OnDiskError(s);
    return false;
  }
  healthy_ = true;
  uv_timer_stop(retry_timer_.get());
  base::LogInfo(kComponent, base::StrCat("disk writes succeed again after ",
                                         Seconds(clock_.Now() - trouble_since_), "; resuming"));
  UpdateFull();
  return true;
}

void Ring::UpdateFull() {
  const bool full = !healthy_ || waiting_for_space_ ||
                    pending_count_ >= options_.max_pending_batches ||
                    pending_bytes_ >= options_.max_pending_bytes;
  const bool freed = full_ && !full;
  full_ = full;
  if (freed && on_space_) on_space_();
}

// --- Consumer side ---

void Ring::StartPrefetch() {
  next_fetch_frame_ = std::max(next_fetch_frame_, front_frame_);
  while (prefetch_.size() < options_.prefetch_frames &&
         next_fetch_frame_ < front_frame_ + frames_.size()) {
    const uint64_t number = next_fetch_frame_++;
    const FrameRef& frame = frames_[number - front_frame_];
    Prefetched entry;
    entry.frame = number;
    std::unique_ptr<CodecJob> job = TakeIdleJob(CodecJob::Kind::kDecode);
    job->number = number;
    job->expected_first_seq = frame.first_seq;
    job->frame.resize(frame.bytes);
    Segment* seg = FindSegment(frame.segment_id);
    if (seg == nullptr) {
      entry.read_error = base::NotFound("segment is gone");
    } else if (auto n = seg->file->ReadAt(frame.offset, job->frame); !n) {
      entry.read_error = n.error();
    } else if (*n != frame.bytes) {
      entry.read_error = base::Corruption("frame is shorter on disk than when written");
    }
    if (!entry.read_error.ok()) {
      RecycleJob(std::move(job));
      prefetch_.push_back(std::move(entry));
      ScheduleReadableCheck();
      continue;
    }
    if (!job->decoded && !idle_batches_.empty()) {
      job->decoded = std::move(idle_batches_.back());
      idle_batches_.pop_back();
    }
    CodecJob* raw = job.get();
    if (CodecJob::Start(loop_, job, this).ok()) {
      entry.in_flight = raw;
      on_pool_.push_back(raw);
    } else {
      job->Run();
      entry.job = std::move(job);
      ScheduleReadableCheck();
    }
    prefetch_.push_back(std::move(entry));
  }
}

std::optional<EventBuffer::Lease> Ring::Read() {
  StartPrefetch();
  while (!prefetch_.empty() && prefetch_.front().in_flight == nullptr) {
    Prefetched entry = std::move(prefetch_.front());
    prefetch_.pop_front();
    if (entry.frame < front_frame_) {  // its segment was dropped meanwhile
      RecycleJob(std::move(entry.job));
      StartPrefetch();
      continue;
    }
    base::Status status = entry.read_error.ok() ? entry.job->status : entry.read_error;
    if (status.ok()) {
      std::unique_ptr<EventBatch> batch = std::move(entry.job->decoded);
      const EventBatch* pointer = batch.get();
      leases_[entry.frame] = std::move(batch);
      RecycleJob(std::move(entry.job));
      StartPrefetch();
      return Lease{entry.frame, pointer};
    }
    RecycleJob(std::move(entry.job));
    FrameRef& frame = frames_[entry.frame - front_frame_];
    ++stats_.corrupt_frames;
    stats_.dropped_events += frame.event_count;
    base::LogError(kComponent, base::StrCat("segment ", SegmentFileName(frame.segment_id),
                                            " offset ", frame.offset, ": ", status.ToString(),
                                            "; skipping ", frame.event_count, " events"));
    frame.acked = true;
    AdvanceAckedPrefix();
    StartPrefetch();
  }
  reader_waiting_ = true;
  return std::nullopt;
}

Ring::Segment* Ring::FindSegment(uint64_t id) {
  for (Segment& s : segments_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void Ring::Ack(uint64_t lease_id) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;  // unknown or already acknowledged
  if (idle_batches_.size() < options_.prefetch_frames) {
    idle_batches_.push_back(std::move(it->second));  // its strings' capacity is reused
  }
  leases_.erase(it);
  if (lease_id < front_frame_) return;  // its segment was dropped meanwhile
  frames_[lease_id - front_frame_].acked = true;
  AdvanceAckedPrefix();
}

void Ring::AdvanceAckedPrefix() {
  bool advanced = false;
  while (!frames_.empty() && frames_.front().acked) {
    const FrameRef& f = frames_.front();
    ack_seq_ = std::max(ack_seq_, f.first_seq + f.event_count);
    frames_.pop_front();
    ++front_frame_;
    advanced = true;
  }
  stats_.frames = frames_.size();
  if (!advanced) return;
  const std::size_t segments_before = segments_.size();
  DeleteAcknowledgedSegments();
  StartSyncTimer();  // persists the cursor
  if (!healthy_ && segments_.size() < segments_before) {
    RetryDisk();  // deleting a segment freed disk space: a full disk may take writes again
  } else {
    WritePending();
  }
}

void Ring::DeleteAcknowledgedSegments() {
  while (!segments_.empty()) {
    const Segment& s = segments_.front();
    const bool empty_newest = s.writable && s.end_seq == s.base_seq;
    if (s.end_seq > ack_seq_ || empty_newest) return;
    // The cursor goes first: recovery must not mistake the deleted events for lost ones.
    if (base::Status st = PersistCursor(); !st.ok()) {
      OnDiskError(st);
      return;
    }
    DeleteSegmentFront(false);
  }
}

void Ring::DropOldestUntilFits(uint64_t frame_bytes) {
  while (!Fits(frame_bytes) && !segments_.empty()) {
    const uint64_t before = segments_.size();
    DeleteSegmentFront(true);
    if (segments_.size() == before) return;  // unlink failed: nothing more to do now
  }
}

void Ring::DeleteSegmentFront(bool count_dropped) {
  Segment& seg = segments_.front();
  // Unlink first: if it fails nothing changes and the segment stays readable.
  const std::string path = options_.dir + "/" + SegmentFileName(seg.id);
  if (base::Status s = fs_.Unlink(path); !s.ok()) {
    base::LogError(kComponent, base::StrCat("delete ", path, ": ", s.ToString()));
    return;
  }
  uint64_t dropped = 0;
  while (!frames_.empty() && frames_.front().segment_id == seg.id) {
    // A leased frame is not lost: the output holds it decoded and still ships it.
    if (!frames_.front().acked && leases_.count(front_frame_) == 0) {
      dropped += frames_.front().event_count;
    }
    frames_.pop_front();
    ++front_frame_;
  }
  stats_.frames = frames_.size();
  stats_.bytes_on_disk -= seg.bytes;
  if (seg.writable) {
    // Everything in it is delivered or dropped: nothing left to make durable.
    newest_dirty_ = false;
    MarkDurable();
  }
  if (count_dropped) {
    // A crash before the cursor is persisted makes recovery count the same events as
    // missing, which they are.
    ack_seq_ = std::max(ack_seq_, seg.end_seq);
    stats_.dropped_events += dropped;
    base::LogWarn(kComponent, base::StrCat("ring full: dropped segment ", SegmentFileName(seg.id),
                                           " with ", dropped, " unacknowledged events"));
  }
  segments_.pop_front();
  if (count_dropped) {
    if (base::Status s = PersistCursor(); !s.ok()) OnDiskError(s);
  }
}

// --- Metrics ---

RingStats Ring::stats() const {
  RingStats s = stats_;
  s.frames = frames_.size();
  s.pending_batches = pending_count_;
  s.healthy = healthy_;
  s.paused = full_;
  return s;
}

std::chrono::nanoseconds Ring::OldestUnacknowledgedAge() const {
  std::optional<std::chrono::steady_clock::time_point> oldest;
  if (!frames_.empty()) oldest = frames_.front().appended_at;
  for (const PendingFrame& p : pending_) {
    if (p.empty) continue;
    if (!oldest || p.appended_at < *oldest) oldest = p.appended_at;
    break;
  }
  if (!oldest) return std::chrono::nanoseconds(0);
  return clock_.Now() - *oldest;
}

}  // namespace buffer
