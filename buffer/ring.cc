#include "buffer/ring.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "buffer/ring_cursor.h"
#include "buffer/ring_recovery.h"
#include "buffer/segment_header.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

constexpr std::string_view kComponent = "ring";
// Retry delay for syncs and parked frames after a write error (disk full, EIO).
constexpr std::chrono::milliseconds kRetryInterval{100};

uint64_t DefaultSegmentBytes(uint64_t max_bytes) {
  return std::min<uint64_t>(kDefaultSegmentBytes, max_bytes / 8);
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
  std::string dir = options.dir;
  auto ring = std::make_unique<Ring>(loop, fs, std::move(options), clock);
  if (base::Status s = ring->InitTimers(); !s.ok()) return s;
  if (base::Status s = ring->Recover(); !s.ok()) return s.WithContext("open ring " + dir);
  return ring;
}

Ring::Ring(uv_loop_t* loop, Filesystem& fs, RingOptions options, const base::Clock& clock)
    : loop_(loop),
      fs_(fs),
      options_(std::move(options)),
      clock_(clock),
      codec_(options_.compression_level) {}

Ring::~Ring() = default;

base::Status Ring::InitTimers() {
  for (base::UvHandle<uv_timer_t>* timer : {&sync_timer_, &dispatch_timer_}) {
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

base::Status Ring::Append(EventBatch batch, std::function<void()> on_durable) {
  if (batch.events.empty()) {  // nothing to store; durable once everything before it is
    if (unsynced_.empty()) {
      due_.push_back(std::move(on_durable));
      ScheduleDispatch();
    } else {
      unsynced_.push_back(std::move(on_durable));
    }
    return base::Status::Ok();
  }
  if (parked_) return base::ResourceExhausted("ring is full");
  if (base::Status s = EncodeFrame(batch); !s.ok()) return s;
  FrameHeader header;
  header.payload_bytes = static_cast<uint32_t>(payload_.size());
  header.raw_bytes = last_raw_bytes_;
  header.event_count = static_cast<uint32_t>(batch.events.size());
  const uint64_t frame_bytes = header.FrameBytes();
  if (frame_bytes + kSegmentHeaderBytes > options_.max_bytes) {
    return base::InvalidArgument(
        base::StrCat("a batch of ", frame_bytes, " compressed bytes can never fit in the ring"));
  }
  if (!Fits(frame_bytes)) {
    if (options_.when_full == WhenFull::kBlock) {
      parked_ = ParkedFrame{std::move(payload_), header, std::move(on_durable)};
      payload_ = {};
      return base::Status::Ok();
    }
    DropOldestUntilFits(frame_bytes);
    if (!Fits(frame_bytes)) return base::ResourceExhausted("ring cannot make room");
  }
  return WriteFrame(payload_, header, on_durable);
}

base::Status Ring::EncodeFrame(const EventBatch& batch) {
  auto raw = codec_.Encode(batch, payload_);
  if (!raw) return raw.error();
  last_raw_bytes_ = *raw;
  return base::Status::Ok();
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
                              std::function<void()>& on_durable) {
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
      seg.writable = false;  // recovery will cut the torn tail; write the next frame elsewhere
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
                             header.event_count, clock_.Now(), false});
  stats_.frames = frames_.size();
  newest_dirty_ = true;
  unsynced_.push_back(std::move(on_durable));
  switch (options_.fsync) {
    case FsyncMode::kAlways:
      if (base::Status s = SyncNewest(); !s.ok()) {
        base::LogWarn(kComponent, base::StrCat(s.ToString(), "; retrying"));
        StartSyncTimer();
      }
      break;
    case FsyncMode::kBatch:
      StartSyncTimer();
      break;
    case FsyncMode::kNever:
      MarkDurable();
      break;
  }
  if (reader_waiting_ && on_readable_) {
    reader_waiting_ = false;
    on_readable_();
  }
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
}

void Ring::StartSyncTimer() {
  if (uv_is_active(sync_timer_.as_handle())) return;
  auto delay = options_.fsync == FsyncMode::kBatch ? options_.fsync_interval : kRetryInterval;
  uv_timer_start(
      sync_timer_.get(),
      [](uv_timer_t* t) {
        if (t->data != nullptr) static_cast<Ring*>(t->data)->OnSyncTimer();
      },
      static_cast<uint64_t>(delay.count()), 0);
}

void Ring::OnSyncTimer() {
  bool retry = false;
  if (base::Status s = SyncNewest(); !s.ok()) {
    base::LogWarn(kComponent, base::StrCat(s.ToString(), "; retrying"));
    retry = true;
  }
  if (base::Status s = PersistCursor(); !s.ok()) {
    base::LogWarn(kComponent, base::StrCat("persist cursor: ", s.ToString(), "; retrying"));
    retry = true;
  }
  TryWriteParked();
  if (retry || parked_) StartSyncTimer();
}

base::Status Ring::Flush() {
  base::Status result = SyncNewest();
  if (base::Status s = PersistCursor(); !s.ok() && result.ok()) result = std::move(s);
  DispatchDurable();
  return result;
}

base::Status Ring::PersistCursor() {
  if (ack_seq_ == persisted_ack_seq_) return base::Status::Ok();
  if (base::Status s = WriteRingCursor(fs_, options_.dir, ack_seq_); !s.ok()) return s;
  persisted_ack_seq_ = ack_seq_;
  return base::Status::Ok();
}

std::optional<EventBuffer::Lease> Ring::Read() {
  while (next_read_frame_ < front_frame_ + frames_.size()) {
    const uint64_t number = next_read_frame_++;
    FrameRef& frame = frames_[number - front_frame_];
    auto batch = DecodeFrame(frame);
    if (batch) {
      const EventBatch* pointer = batch->get();
      leases_[number] = std::move(*batch);
      return Lease{number, pointer};
    }
    ++stats_.corrupt_frames;
    stats_.dropped_events += frame.event_count;
    base::LogError(
        kComponent,
        base::StrCat("segment ", SegmentFileName(frame.segment_id), " offset ", frame.offset, ": ",
                     batch.error().ToString(), "; skipping ", frame.event_count, " events"));
    frame.acked = true;
    AdvanceAckedPrefix();
  }
  reader_waiting_ = true;
  return std::nullopt;
}

base::Result<std::unique_ptr<EventBatch>> Ring::DecodeFrame(const FrameRef& frame) {
  Segment* seg = FindSegment(frame.segment_id);
  if (seg == nullptr) return base::NotFound("segment is gone");
  read_.resize(frame.bytes);
  auto n = seg->file->ReadAt(frame.offset, read_);
  if (!n) return n.error();
  if (*n != frame.bytes) return base::Corruption("frame is shorter on disk than when written");
  auto head = std::span<const std::byte>(read_).first<kFrameHeaderBytes>();
  auto header = DecodeFrameHeader(head);
  if (!header || header->FrameBytes() != frame.bytes || header->first_seq != frame.first_seq) {
    return base::Corruption("frame header changed on disk");
  }
  auto payload = std::span<const std::byte>(read_).subspan(kFrameHeaderBytes);
  if (!FrameCrcMatches(head, payload)) return base::Corruption("frame CRC mismatch");
  auto batch = std::make_unique<EventBatch>();
  if (base::Status s = codec_.Decode(payload, header->raw_bytes, *batch); !s.ok()) return s;
  return batch;
}

Ring::Segment* Ring::FindSegment(uint64_t id) {
  for (Segment& s : segments_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void Ring::Ack(uint64_t lease_id) {
  if (leases_.erase(lease_id) == 0) return;  // unknown or already acknowledged
  if (lease_id < front_frame_) return;       // its segment was dropped meanwhile
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
  next_read_frame_ = std::max(next_read_frame_, front_frame_);
  stats_.frames = frames_.size();
  if (!advanced) return;
  DeleteAcknowledgedSegments();
  StartSyncTimer();  // persists the cursor
  TryWriteParked();
}

void Ring::DeleteAcknowledgedSegments() {
  while (!segments_.empty()) {
    const Segment& s = segments_.front();
    const bool empty_newest = s.writable && s.end_seq == s.base_seq;
    if (s.end_seq > ack_seq_ || empty_newest) return;
    // The cursor goes first: recovery must not mistake the deleted events for lost ones.
    if (base::Status st = PersistCursor(); !st.ok()) {
      base::LogWarn(kComponent, base::StrCat("persist cursor: ", st.ToString()));
      StartSyncTimer();
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
    if (!frames_.front().acked) dropped += frames_.front().event_count;
    frames_.pop_front();
    ++front_frame_;
  }
  next_read_frame_ = std::max(next_read_frame_, front_frame_);
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
    if (base::Status s = PersistCursor(); !s.ok()) {
      base::LogWarn(kComponent, base::StrCat("persist cursor: ", s.ToString()));
      StartSyncTimer();
    }
  }
}

void Ring::TryWriteParked() {
  if (!parked_) return;
  const uint64_t frame_bytes = parked_->header.FrameBytes();
  if (!Fits(frame_bytes)) return;
  if (base::Status s = WriteFrame(parked_->payload, parked_->header, parked_->on_durable);
      !s.ok()) {
    base::LogWarn(kComponent, base::StrCat(s.ToString(), "; retrying"));
    StartSyncTimer();
    return;
  }
  parked_.reset();
  if (on_space_) on_space_();
}

std::chrono::nanoseconds Ring::OldestUnacknowledgedAge() const {
  if (frames_.empty()) return std::chrono::nanoseconds(0);
  return clock_.Now() - frames_.front().appended_at;
}

}  // namespace buffer
