// FrameReader: walks the frames of one segment's bytes, skipping damage and reporting it
// with evidence (FORMAT.md "Recovery"). Like LevelDB's log::Reader it never gives up on a
// file: a corrupt region is skipped by resynchronising on the next frame magic with a valid
// header CRC; what follows the last valid frame is the tail, which recovery truncates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "buffer/frame_format.h"

namespace buffer {

struct FrameView {
  uint64_t offset = 0;  // of the frame header within the segment
  FrameHeader header;
  std::span<const std::byte> payload;  // points into the reader's input
};

// A skipped region between valid frames.
struct CorruptRegion {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string reason;  // e.g. "frame CRC mismatch (stored 0x..., computed 0x...)"
};

class FrameReader {
 public:
  // Reads frames from `segment` (the whole segment file, borrowed: it must outlive the
  // reader and the views it returns), starting at `start_offset`.
  FrameReader(std::span<const std::byte> segment, uint64_t start_offset);

  // The next valid frame, or nullopt at the end. Damage skipped on the way is appended
  // to corruptions().
  std::optional<FrameView> Next();

  const std::vector<CorruptRegion>& corruptions() const { return corruptions_; }
  // After Next() returned nullopt: where the valid data ends, and why the bytes after it
  // (if any) were not a frame.
  uint64_t valid_end() const { return valid_end_; }
  const std::string& tail_reason() const { return tail_reason_; }

 private:
  // Why the bytes at `pos` are not a valid frame; empty when they are one.
  std::string Check(uint64_t pos, std::optional<FrameHeader>* header) const;
  // The first position after `from` that starts with a magic and a valid header CRC.
  std::optional<uint64_t> Resync(uint64_t from) const;

  std::span<const std::byte> data_;
  uint64_t pos_;
  uint64_t valid_end_;
  std::vector<CorruptRegion> corruptions_;
  std::string tail_reason_;
};

}  // namespace buffer
