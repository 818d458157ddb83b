// The 40-byte header at the start of every segment file, and segment file names
// (FORMAT.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace buffer {

constexpr std::size_t kSegmentHeaderBytes = 40;
constexpr uint16_t kSegmentVersion = 1;

struct SegmentHeader {
  uint64_t segment_id = 0;
  uint64_t base_seq = 0;
};

void EncodeSegmentHeader(const SegmentHeader& header,
                         std::span<std::byte, kSegmentHeaderBytes> out);
// nullopt unless magic, version and CRC are valid.
std::optional<SegmentHeader> DecodeSegmentHeader(
    std::span<const std::byte, kSegmentHeaderBytes> in);

// "seg-<20 digits>.zlog".
std::string SegmentFileName(uint64_t segment_id);
// The id in a segment file name; nullopt for any other name.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace buffer
