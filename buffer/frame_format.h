// The ring's frame header and the little-endian helpers every on-disk structure uses.
// The layout is specified in FORMAT.md; this file holds only the constants and the
// encode/decode of the header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace buffer {

inline void PutLe32(std::byte* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline void PutLe64(std::byte* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline void PutLe16(std::byte* p, uint16_t v) {
  p[0] = static_cast<std::byte>(v);
  p[1] = static_cast<std::byte>(v >> 8);
}
inline uint32_t GetLe32(const std::byte* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint32_t>(p[i]);
  return v;
}
inline uint64_t GetLe64(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint64_t>(p[i]);
  return v;
}
inline uint16_t GetLe16(const std::byte* p) {
  return static_cast<uint16_t>(static_cast<uint16_t>(p[0]) | (static_cast<uint16_t>(p[1]) << 8));
}

// "SKF1" read as a little-endian u32.
constexpr uint32_t kFrameMagic = 0x31464B53u;
constexpr uint8_t kFrameVersion = 1;
constexpr uint8_t kFrameFlagZstd = 1u << 0;
constexpr std::size_t kFrameHeaderBytes = 36;
// Offsets inside the header (FORMAT.md).
constexpr std::size_t kFrameCrcOffset = 28;        // CRC of header[0..28) ++ payload
constexpr std::size_t kFrameHeaderCrcOffset = 32;  // CRC of header[0..32)

struct FrameHeader {
  uint8_t flags = kFrameFlagZstd;
  uint32_t payload_bytes = 0;
  uint32_t raw_bytes = 0;
  uint64_t first_seq = 0;
  uint32_t event_count = 0;
  uint32_t frame_crc = 0;  // masked; filled by EncodeFrameHeader when given the payload

  uint64_t EndSeq() const { return first_seq + event_count; }
  uint64_t FrameBytes() const { return kFrameHeaderBytes + payload_bytes; }
};

// Writes the header of a frame carrying `payload` (computes both CRCs) into `out`.
void EncodeFrameHeader(const FrameHeader& header, std::span<const std::byte> payload,
                       std::span<std::byte, kFrameHeaderBytes> out);

// Parses a header whose magic, version and header CRC are valid; nullopt otherwise.
// The payload CRC is not checked here (FrameCrcMatches).
std::optional<FrameHeader> DecodeFrameHeader(std::span<const std::byte, kFrameHeaderBytes> in);

// True when the payload CRC stored in `header_bytes` matches `payload`.
bool FrameCrcMatches(std::span<const std::byte, kFrameHeaderBytes> header_bytes,
                     std::span<const std::byte> payload);

}  // namespace buffer
