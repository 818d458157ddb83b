// Fuzzes what recovery reads from disk after a crash. Disk bytes are untrusted.
// First input byte, modulo 3:
//   0: the rest is a segment, read through FrameReader, payloads through the decoder;
//   1: the rest is a frame payload for the zstd + FlatBuffers batch decoder;
//   2: the rest is a whole ring directory (a cursor and up to three segment files, split
//      at offsets taken from the input) recovered by RecoverRing, whose answer must be
//      consistent with the files it leaves behind.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "buffer/batch_codec.h"
#include "buffer/frame_format.h"
#include "buffer/frame_reader.h"
#include "buffer/ring_recovery.h"
#include "buffer/segment_header.h"
#include "tests/buffer/fake_filesystem.h"

namespace {
// Larger claimed sizes are refused by the decoder anyway; keep the fuzzer's memory small.
constexpr uint32_t kMaxRawBytes = 16u << 20;

// Mode 2: lays the input out as ring/cursor and segments, recovers, checks invariants.
void FuzzRecovery(std::span<const std::byte> rest) {
  if (rest.size() < 4) return;
  buffer::FakeFilesystem fs;
  fs.CreateDir("ring").IgnoreError();
  auto take = [&rest](std::size_t n) {
    n = std::min(n, rest.size());
    std::span<const std::byte> out = rest.first(n);
    rest = rest.subspan(n);
    return out;
  };
  auto write = [&fs](const std::string& path, std::span<const std::byte> bytes) {
    auto file = fs.Open(path, buffer::Filesystem::OpenMode::kCreateOrTruncate);
    if (file.has_value()) (*file)->Append(bytes).IgnoreError();
  };
  const auto layout = take(3);
  const std::size_t segments = std::to_integer<std::size_t>(layout[0]) % 4;
  if ((std::to_integer<unsigned>(layout[1]) & 1) != 0) write("ring/cursor", take(28));
  for (std::size_t i = 0; i < segments && !rest.empty(); ++i) {
    // Split points from the input; the last segment takes the rest.
    std::size_t len =
        i + 1 == segments ? rest.size() : (std::to_integer<std::size_t>(layout[2]) + 1) * 64;
    write("ring/" + buffer::SegmentFileName(i + std::to_integer<uint64_t>(layout[1]) % 3),
          take(len));
  }
  auto recovered = buffer::RecoverRing(fs, "ring");
  if (!recovered.has_value()) return;
  uint64_t previous_id = 0;
  bool first = true;
  for (const buffer::RecoveredSegment& seg : recovered->segments) {
    if (!first && seg.id <= previous_id) __builtin_trap();  // segments out of order
    first = false;
    previous_id = seg.id;
    if (seg.id >= recovered->next_segment_id) __builtin_trap();
    for (const buffer::RecoveredFrame& frame : seg.frames) {
      if (frame.offset + frame.header.FrameBytes() > seg.bytes) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static buffer::BatchCodec codec(1);
  buffer::EventBatch batch;
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  if (data[0] % 3 == 2) {
    FuzzRecovery(rest);
    return 0;
  }
  if (data[0] % 3 == 0) {
    buffer::FrameReader reader(rest, 0);
    while (auto frame = reader.Next()) {
      if (frame->header.raw_bytes <= kMaxRawBytes) {
        codec.Decode(frame->payload, frame->header.raw_bytes, batch).IgnoreError();
      }
    }
    return 0;
  }
  if (rest.size() < 4) return 0;
  uint32_t raw_bytes =
      (static_cast<uint32_t>(data[1]) << 16 | static_cast<uint32_t>(data[2]) << 8 | data[3]) %
      kMaxRawBytes;
  codec.Decode(rest.subspan(3), raw_bytes, batch).IgnoreError();
  return 0;
}
