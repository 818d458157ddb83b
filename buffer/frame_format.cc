#include "buffer/frame_format.h"

#include "buffer/crc32c.h"

namespace buffer {

void EncodeFrameHeader(const FrameHeader& header, std::span<const std::byte> payload,
                       std::span<std::byte, kFrameHeaderBytes> out) {
  std::byte* p = out.data();
  PutLe32(p, kFrameMagic);
  p[4] = static_cast<std::byte>(kFrameVersion);
  p[5] = static_cast<std::byte>(header.flags);
  PutLe16(p + 6, 0);
  PutLe32(p + 8, header.payload_bytes);
  PutLe32(p + 12, header.raw_bytes);
  PutLe64(p + 16, header.first_seq);
  PutLe32(p + 24, header.event_count);
  uint32_t crc = crc32c::Extend(crc32c::Value(out.first(kFrameCrcOffset)), payload);
  PutLe32(p + kFrameCrcOffset, crc32c::Mask(crc));
  PutLe32(p + kFrameHeaderCrcOffset, crc32c::Mask(crc32c::Value(out.first(kFrameHeaderCrcOffset))));
}

std::optional<FrameHeader> DecodeFrameHeader(std::span<const std::byte, kFrameHeaderBytes> in) {
  const std::byte* p = in.data();
  if (GetLe32(p) != kFrameMagic) return std::nullopt;
  if (crc32c::Unmask(GetLe32(p + kFrameHeaderCrcOffset)) !=
      crc32c::Value(in.first(kFrameHeaderCrcOffset))) {
    return std::nullopt;
  }
  if (static_cast<uint8_t>(p[4]) != kFrameVersion) return std::nullopt;
  FrameHeader h;
  h.flags = static_cast<uint8_t>(p[5]);
  h.payload_bytes = GetLe32(p + 8);
  h.raw_bytes = GetLe32(p + 12);
  h.first_seq = GetLe64(p + 16);
  h.event_count = GetLe32(p + 24);
  h.frame_crc = GetLe32(p + kFrameCrcOffset);
  if (h.event_count == 0) return std::nullopt;
  return h;
}

bool FrameCrcMatches(std::span<const std::byte, kFrameHeaderBytes> header_bytes,
                     std::span<const std::byte> payload) {
  uint32_t crc = crc32c::Extend(crc32c::Value(header_bytes.first(kFrameCrcOffset)), payload);
  return crc32c::Unmask(GetLe32(header_bytes.data() + kFrameCrcOffset)) == crc;
}

}  // namespace buffer
