// Fuzzes what recovery reads from disk after a crash: segment bytes through FrameReader,
// and payloads through the zstd + FlatBuffers batch decoder. Disk bytes are untrusted.
// First input byte: even = the rest is a segment; odd = the rest is a frame payload,
// wrapped in a valid frame header so that the decoder (not the CRC) sees it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "buffer/batch_codec.h"
#include "buffer/frame_format.h"
#include "buffer/frame_reader.h"

namespace {
// Larger claimed sizes are refused by the decoder anyway; keep the fuzzer's memory small.
constexpr uint32_t kMaxRawBytes = 16u << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static buffer::BatchCodec codec(1);
  buffer::EventBatch batch;
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
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
