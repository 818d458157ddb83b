// CRC32C (Castagnoli), in software, and LevelDB's masking of stored CRCs (FORMAT.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace buffer::crc32c {

// CRC32C of `data` continuing from `crc` (the CRC of the bytes before; 0 to start).
// Extend(Extend(0, a), b) == Value(a ++ b).
uint32_t Extend(uint32_t crc, std::span<const std::byte> data);
inline uint32_t Value(std::span<const std::byte> data) { return Extend(0, data); }

// Stored CRCs are masked so that the CRC of bytes which themselves contain CRCs does not
// degenerate (LevelDB's crc32c::Mask).
constexpr uint32_t kMaskDelta = 0xA282EAD8u;
constexpr uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
constexpr uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace buffer::crc32c
