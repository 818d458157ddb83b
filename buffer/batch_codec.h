// BatchCodec: EventBatch <-> FlatBuffers bytes <-> one zstd frame, the payload of a ring
// frame (FORMAT.md, event_batch.fbs).
//
// One codec keeps one zstd compression context, one decompression context, a FlatBuffers
// builder and a plaintext buffer, all reused from call to call (no per-batch context
// allocation). Not thread-safe: one codec per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "buffer/event.h"
#include "platforms/base/result.h"

namespace flatbuffers {
class FlatBufferBuilder;
}

namespace buffer {

// Upper bound of a frame's uncompressed size: bounds what a decoder allocates for bytes
// read from disk (after a crash they are untrusted). Larger batches are refused on encode.
constexpr std::size_t kMaxBatchRawBytes = 256u * 1024 * 1024;

class BatchCodec {
 public:
  // `compression_level`: zstd level (1 is fast and already ~5:1 on log lines).
  explicit BatchCodec(int compression_level);
  ~BatchCodec();
  BatchCodec(const BatchCodec&) = delete;
  BatchCodec& operator=(const BatchCodec&) = delete;

  // Replaces `compressed` with the zstd frame of `batch` and returns the uncompressed
  // (FlatBuffers) length.
  base::Result<uint32_t> Encode(const EventBatch& batch, std::vector<std::byte>& compressed);

  // An upper bound of the compressed size Encode() gives `batch` (or more than
  // kMaxBatchRawBytes when Encode() would refuse it), computed without encoding: lets the
  // ring tell at once whether a batch can fit before compressing it on the thread pool.
  static std::size_t MaxEncodedBytes(const EventBatch& batch);

  // Decodes a payload whose uncompressed length is `raw_len` into `out` (replaced).
  // kCorruption when the bytes are not a valid zstd frame of that size or not a valid
  // BatchRecord.
  base::Status Decode(std::span<const std::byte> compressed, uint32_t raw_len, EventBatch& out);

 private:
  struct ZstdContexts;
  std::unique_ptr<ZstdContexts> zstd_;
  std::unique_ptr<flatbuffers::FlatBufferBuilder> builder_;
  std::vector<std::byte> plain_;  // decode scratch, reused
};

}  // namespace buffer
