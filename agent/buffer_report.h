// BufferReport: what `skiff buffer verify` and `skiff buffer inspect` find in a ring
// directory, gathered strictly read-only (no file is created, changed or deleted), applying
// the rules of buffer/FORMAT.md "Recovery" without acting on them: what the agent would keep,
// skip, count as lost and cut off on its next start.
//
// Damage (BufferReport::Damaged()) is what recovery counts and logs as an error: corrupt
// regions, segments with an invalid header, frames whose payload does not decode, a torn
// tail that holds a complete frame failing its CRC, a corrupt cursor, and events missing
// from the sequence. A torn tail or an incomplete segment header is the normal trace of a
// crashed writer and is reported, not counted as damage.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "buffer/event.h"
#include "buffer/filesystem.h"
#include "buffer/frame_format.h"
#include "buffer/frame_reader.h"
#include "platforms/base/result.h"

namespace agent {

struct BufferFrame {
  uint64_t offset = 0;  // of the frame header within its segment
  buffer::FrameHeader header;
  bool acknowledged = false;  // every event is below the cursor: recovery drops it
  std::string decode_error;   // empty when the payload decodes to a valid batch
};

struct BufferSegment {
  std::string name;  // file name within the ring directory
  uint64_t id = 0;
  uint64_t bytes = 0;  // file size
  // Shorter than a segment header: a crash while creating it; removed on the next start.
  bool header_incomplete = false;
  // Why the header is invalid (the whole file is dropped on the next start); empty if valid.
  std::string header_error;
  uint64_t base_seq = 0;
  std::vector<BufferFrame> frames;
  std::vector<buffer::CorruptRegion> corrupt;  // skipped between valid frames
  uint64_t valid_end = 0;                      // end of the last valid frame
  std::string tail_reason;                     // why the bytes from valid_end on are not a frame
  bool tail_corrupt = false;                   // the tail holds a complete frame that fails its CRC

  uint64_t TailBytes() const { return bytes > valid_end ? bytes - valid_end : 0; }
  bool HeaderValid() const { return !header_incomplete && header_error.empty(); }
};

enum class CursorState { kMissing, kValid, kCorrupt };

struct BufferReport {
  std::string dir;
  bool dir_exists = false;
  CursorState cursor = CursorState::kMissing;
  uint64_t ack_seq = 0;                 // 0 unless the cursor is valid
  std::string cursor_error;             // why the cursor is corrupt
  bool cursor_tmp = false;              // an interrupted cursor write (deleted on the next start)
  std::vector<BufferSegment> segments;  // in id order
  std::vector<std::string> foreign_files;  // names that are neither segments nor cursor

  // Totals over all segments.
  uint64_t frames = 0;
  uint64_t events = 0;
  uint64_t pending_frames = 0;  // not yet acknowledged
  uint64_t pending_events = 0;
  uint64_t corrupt_regions = 0;
  uint64_t corrupt_tails = 0;
  uint64_t bad_segments = 0;        // invalid header
  uint64_t undecodable_frames = 0;  // good CRC, bad zstd or FlatBuffers
  uint64_t undecodable_events = 0;
  uint64_t torn_tails = 0;   // segments with bytes after their last valid frame
  uint64_t lost_events = 0;  // sequence numbers missing above the cursor

  bool Damaged() const {
    return cursor == CursorState::kCorrupt ||
           corrupt_regions + corrupt_tails + bad_segments + undecodable_frames + lost_events > 0;
  }
};

// Called for every valid frame, in ring order, with its decoded batch (nullptr when the
// payload does not decode). The batch is valid only during the call.
using BufferFrameVisitor = std::function<void(
    const BufferSegment& segment, const BufferFrame& frame, const buffer::EventBatch* batch)>;

// Scans the ring directory `dir` through `fs` without modifying anything. A missing
// directory gives a report with dir_exists false. Only a failing filesystem (unreadable
// directory or file) returns an error. Segments are read one at a time, so memory stays
// around one segment plus one decoded batch.
base::Result<BufferReport> ScanBuffer(buffer::Filesystem& fs, const std::string& dir,
                                      const BufferFrameVisitor& visitor = {});

}  // namespace agent
