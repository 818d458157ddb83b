#include "buffer/ring_recovery.h"

#include <algorithm>

#include "buffer/frame_reader.h"
#include "buffer/ring_cursor.h"
#include "buffer/segment_header.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

constexpr std::string_view kComponent = "ring";

// Scans one segment into `out`; returns false when the segment is unusable (deleted).
base::Result<bool> ScanSegment(Filesystem& fs, const std::string& dir, uint64_t id,
                               RecoveredRing& ring, std::vector<std::byte>& bytes,
                               RecoveredSegment& out) {
  const std::string path = dir + "/" + SegmentFileName(id);
  if (base::Status s = ReadWholeFile(fs, path, bytes); !s.ok()) return s;
  if (bytes.size() < kSegmentHeaderBytes) {
    // A crash while the segment was being created: it never held a frame.
    base::LogInfo(kComponent, base::StrCat("removing incomplete segment ", path));
    if (base::Status s = fs.Unlink(path); !s.ok()) return s;
    return false;
  }
  auto header = DecodeSegmentHeader(std::span<const std::byte>(bytes).first<kSegmentHeaderBytes>());
  if (!header || header->segment_id != id) {
    ++ring.corrupt_frames;
    base::LogError(kComponent, base::StrCat("segment ", path, " has an invalid header (",
                                            bytes.size(), " bytes dropped)"));
    if (base::Status s = fs.Unlink(path); !s.ok()) return s;
    return false;
  }
  out.id = id;
  out.base_seq = header->base_seq;
  out.end_seq = header->base_seq;
  FrameReader reader(bytes, kSegmentHeaderBytes);
  while (auto frame = reader.Next()) {
    out.end_seq = std::max(out.end_seq, frame->header.EndSeq());
    if (frame->header.EndSeq() > ring.ack_seq) {
      out.frames.push_back(RecoveredFrame{frame->offset, frame->header});
    }
  }
  for (const CorruptRegion& region : reader.corruptions()) {
    ++ring.corrupt_frames;
    base::LogError(kComponent, base::StrCat("segment ", path, " offset ", region.offset, ": ",
                                            region.reason, "; skipped ", region.bytes, " bytes"));
  }
  out.bytes = reader.valid_end();
  if (out.bytes < bytes.size()) {
    const uint64_t tail = bytes.size() - out.bytes;
    // A torn tail is the normal trace of a crash mid-write; only a tail holding a complete
    // frame that fails its CRC is damage worth counting.
    if (reader.tail_reason().starts_with("frame CRC")) ++ring.corrupt_frames;
    base::LogWarn(kComponent,
                  base::StrCat("segment ", path, " offset ", out.bytes, ": truncating ", tail,
                               " bytes of torn tail (", reader.tail_reason(), ")"));
    auto file = fs.Open(path, Filesystem::OpenMode::kReadWrite);
    if (!file) return file.error();
    if (base::Status s = (*file)->Truncate(out.bytes); !s.ok()) return s;
    if (base::Status s = (*file)->Sync(); !s.ok()) return s;
  }
  return true;
}

}  // namespace

base::Result<RecoveredRing> RecoverRing(Filesystem& fs, const std::string& dir) {
  RecoveredRing ring;
  if (base::Status s = fs.CreateDir(dir); !s.ok()) return s;
  auto names = fs.List(dir);
  if (!names) return names.error();

  std::vector<uint64_t> ids;
  for (const std::string& name : *names) {
    if (auto id = ParseSegmentFileName(name)) {
      ids.push_back(*id);
    } else if (name == "cursor.tmp") {
      if (base::Status s = fs.Unlink(dir + "/" + name); !s.ok()) return s;
    } else if (name != "cursor") {
      base::LogWarn(kComponent, base::StrCat("ignoring unknown file ", dir, "/", name));
    }
  }
  std::sort(ids.begin(), ids.end());

  auto cursor = ReadRingCursor(fs, dir);
  if (cursor) {
    ring.ack_seq = *cursor;
  } else if (cursor.error().code() != base::StatusCode::kNotFound) {
    if (cursor.error().code() != base::StatusCode::kCorruption) return cursor.error();
    base::LogError(kComponent, base::StrCat("ignoring ", dir, "/cursor (", cursor.error().message(),
                                            "): everything on disk is sent again"));
  }

  std::vector<std::byte> bytes;  // one buffer for every segment
  uint64_t expected_seq = ring.ack_seq;
  for (uint64_t id : ids) {
    ring.next_segment_id = std::max(ring.next_segment_id, id + 1);
    RecoveredSegment segment;
    auto usable = ScanSegment(fs, dir, id, ring, bytes, segment);
    if (!usable) return usable.error();
    if (!*usable) continue;
    const bool newest = id == ids.back();
    if (segment.end_seq <= ring.ack_seq && !newest) {
      if (base::Status s = fs.Unlink(dir + "/" + SegmentFileName(id)); !s.ok()) return s;
      continue;
    }
    for (const RecoveredFrame& frame : segment.frames) {
      const uint64_t first = std::max(frame.header.first_seq, ring.ack_seq);
      if (first > expected_seq) {
        ring.lost_events += first - expected_seq;
        base::LogError(kComponent,
                       base::StrCat("events ", expected_seq, "..", first - 1,
                                    " are missing before segment ", SegmentFileName(id), " offset ",
                                    frame.offset, " (", first - expected_seq, " events lost)"));
      }
      expected_seq = std::max(expected_seq, frame.header.EndSeq());
    }
    ring.next_seq = std::max(ring.next_seq, segment.end_seq);
    ring.segments.push_back(std::move(segment));
  }
  if (ring.ack_seq > ring.next_seq) {
    base::LogWarn(kComponent, base::StrCat("cursor ", ring.ack_seq, " is ahead of the data (",
                                           ring.next_seq, "); continuing from the cursor"));
  }
  ring.next_seq = std::max(ring.next_seq, ring.ack_seq);
  return ring;
}

}  // namespace buffer
