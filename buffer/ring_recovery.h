// RecoverRing: what Ring::Open does to a `ring/` directory before accepting appends
// (FORMAT.md "Recovery"): reads the cursor, scans every segment, truncates torn tails,
// deletes segments that are fully acknowledged or unreadable, and reports damage (logged
// and counted) instead of failing. Only a failing filesystem makes it return an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "buffer/filesystem.h"
#include "buffer/frame_format.h"
#include "platforms/base/result.h"

namespace buffer {

struct RecoveredFrame {
  uint64_t offset = 0;
  FrameHeader header;
};

struct RecoveredSegment {
  uint64_t id = 0;
  uint64_t base_seq = 0;
  uint64_t end_seq = 0;                // one past the last event in it (base_seq when empty)
  uint64_t bytes = 0;                  // file size after truncation
  std::vector<RecoveredFrame> frames;  // only frames with events at or above ack_seq
};

struct RecoveredRing {
  std::vector<RecoveredSegment> segments;  // in id order
  uint64_t ack_seq = 0;
  uint64_t next_seq = 0;         // the first event of the next frame
  uint64_t next_segment_id = 0;  // greater than every id on disk
  uint64_t corrupt_frames = 0;   // corrupt regions skipped, bad segments, bad tails
  uint64_t lost_events = 0;      // sequence numbers missing above the cursor
};

base::Result<RecoveredRing> RecoverRing(Filesystem& fs, const std::string& dir);

}  // namespace buffer
