#include "agent/buffer_report.h"

#include <algorithm>

#include "buffer/batch_codec.h"
#include "buffer/ring_cursor.h"
#include "buffer/segment_header.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// The codec only decodes here; the level matters for encoding only.
constexpr int kUnusedCompressionLevel = 1;

// Fills the header fields of `segment` from its bytes; false when no frame can follow.
bool CheckSegmentHeader(std::span<const std::byte> bytes, BufferSegment& segment) {
  if (bytes.size() < buffer::kSegmentHeaderBytes) {
    segment.header_incomplete = true;
    return false;
  }
  auto header = buffer::DecodeSegmentHeader(bytes.first<buffer::kSegmentHeaderBytes>());
  if (!header) {
    segment.header_error = "bad magic, version or header CRC";
    return false;
  }
  if (header->segment_id != segment.id) {
    segment.header_error =
        base::StrCat("header names segment ", header->segment_id, ", not ", segment.id);
    return false;
  }
  segment.base_seq = header->base_seq;
  return true;
}

// Tracks the sequence numbers above the cursor as FORMAT.md "Recovery" step 4 does.
class SequenceCheck {
 public:
  explicit SequenceCheck(uint64_t ack_seq) : ack_seq_(ack_seq), expected_(ack_seq) {}

  // Returns the events missing before a frame starting at `first_seq`.
  uint64_t Frame(const buffer::FrameHeader& header) {
    if (header.EndSeq() <= ack_seq_) return 0;
    const uint64_t first = std::max(header.first_seq, ack_seq_);
    const uint64_t lost = first > expected_ ? first - expected_ : 0;
    expected_ = std::max(expected_, header.EndSeq());
    return lost;
  }

 private:
  uint64_t ack_seq_;
  uint64_t expected_;
};

void ReadCursor(buffer::Filesystem& fs, BufferReport& report) {
  auto cursor = buffer::ReadRingCursor(fs, report.dir);
  if (cursor) {
    report.cursor = CursorState::kValid;
    report.ack_seq = *cursor;
  } else if (cursor.error().code() == base::StatusCode::kNotFound) {
    report.cursor = CursorState::kMissing;
  } else {
    report.cursor = CursorState::kCorrupt;
    report.cursor_error = cursor.error().message();
  }
}

}  // namespace

base::Result<BufferReport> ScanBuffer(buffer::Filesystem& fs, const std::string& dir,
                                      const BufferFrameVisitor& visitor) {
  BufferReport report;
  report.dir = dir;
  auto names = fs.List(dir);
  if (!names) {
    if (names.error().code() == base::StatusCode::kNotFound) return report;
    return names.error();
  }
  report.dir_exists = true;

  std::vector<uint64_t> ids;
  for (const std::string& name : *names) {
    if (auto id = buffer::ParseSegmentFileName(name)) {
      ids.push_back(*id);
    } else if (name == "cursor.tmp") {
      report.cursor_tmp = true;
    } else if (name != "cursor") {
      report.foreign_files.push_back(name);
    }
  }
  std::sort(ids.begin(), ids.end());
  std::sort(report.foreign_files.begin(), report.foreign_files.end());
  ReadCursor(fs, report);

  buffer::BatchCodec codec(kUnusedCompressionLevel);
  buffer::EventBatch batch;      // reused for every frame
  std::vector<std::byte> bytes;  // one buffer for every segment
  SequenceCheck sequence(report.ack_seq);
  for (uint64_t id : ids) {
    BufferSegment& segment = report.segments.emplace_back();
    segment.id = id;
    segment.name = buffer::SegmentFileName(id);
    if (base::Status s = buffer::ReadWholeFile(fs, dir + "/" + segment.name, bytes); !s.ok()) {
      return s;
    }
    segment.bytes = bytes.size();
    if (!CheckSegmentHeader(bytes, segment)) {
      if (!segment.header_error.empty()) ++report.bad_segments;
      continue;
    }
    buffer::FrameReader reader(bytes, buffer::kSegmentHeaderBytes);
    while (auto view = reader.Next()) {
      BufferFrame& frame = segment.frames.emplace_back();
      frame.offset = view->offset;
      frame.header = view->header;
      frame.acknowledged = view->header.EndSeq() <= report.ack_seq;
      report.lost_events += sequence.Frame(view->header);
      ++report.frames;
      report.events += view->header.event_count;
      if (!frame.acknowledged) {
        ++report.pending_frames;
        report.pending_events += view->header.event_count;
      }
      base::Status decoded = codec.Decode(view->payload, view->header.raw_bytes, batch);
      if (!decoded.ok()) {
        frame.decode_error = decoded.message();
        ++report.undecodable_frames;
        report.undecodable_events += view->header.event_count;
      } else if (batch.events.size() != view->header.event_count) {
        frame.decode_error =
            base::StrCat("batch holds ", batch.events.size(), " events, the frame header says ",
                         view->header.event_count);
        ++report.undecodable_frames;
        report.undecodable_events += view->header.event_count;
      }
      if (visitor) visitor(segment, frame, frame.decode_error.empty() ? &batch : nullptr);
    }
    segment.corrupt = reader.corruptions();
    report.corrupt_regions += segment.corrupt.size();
    segment.valid_end = reader.valid_end();
    if (segment.TailBytes() > 0) {
      segment.tail_reason = reader.tail_reason();
      // The same rule as recovery: only a complete frame failing its CRC is damage.
      segment.tail_corrupt = segment.tail_reason.starts_with("frame CRC");
      ++report.torn_tails;
      if (segment.tail_corrupt) ++report.corrupt_tails;
    }
  }
  return report;
}

}  // namespace agent
