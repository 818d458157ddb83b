#include "buffer/segment_header.h"

#include <cstring>

#include "buffer/crc32c.h"
#include "buffer/frame_format.h"

namespace buffer {
namespace {

constexpr std::string_view kSegmentMagic = "SKIFFSEG";
constexpr std::size_t kSegmentCrcOffset = 36;
constexpr std::string_view kPrefix = "seg-";
constexpr std::string_view kSuffix = ".zlog";
constexpr std::size_t kIdDigits = 20;  // enough for any u64

}  // namespace

void EncodeSegmentHeader(const SegmentHeader& header,
                         std::span<std::byte, kSegmentHeaderBytes> out) {
  std::byte* p = out.data();
  std::memset(p, 0, kSegmentHeaderBytes);
  std::memcpy(p, kSegmentMagic.data(), kSegmentMagic.size());
  PutLe16(p + 8, kSegmentVersion);
  PutLe64(p + 16, header.segment_id);
  PutLe64(p + 24, header.base_seq);
  PutLe32(p + kSegmentCrcOffset, crc32c::Mask(crc32c::Value(out.first(kSegmentCrcOffset))));
}

std::optional<SegmentHeader> DecodeSegmentHeader(
    std::span<const std::byte, kSegmentHeaderBytes> in) {
  const std::byte* p = in.data();
  if (std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) != 0) return std::nullopt;
  if (crc32c::Unmask(GetLe32(p + kSegmentCrcOffset)) !=
      crc32c::Value(in.first(kSegmentCrcOffset))) {
    return std::nullopt;
  }
  if (GetLe16(p + 8) != kSegmentVersion) return std::nullopt;
  return SegmentHeader{GetLe64(p + 16), GetLe64(p + 24)};
}

std::string SegmentFileName(uint64_t segment_id) {
  std::string digits = std::to_string(segment_id);
  return std::string(kPrefix) + std::string(kIdDigits - digits.size(), '0') + digits +
         std::string(kSuffix);
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kPrefix.size() + kIdDigits + kSuffix.size()) return std::nullopt;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  uint64_t id = 0;
  for (char c : name.substr(kPrefix.size(), kIdDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (id > (UINT64_MAX - digit) / 10) return std::nullopt;
    id = id * 10 + digit;
  }
  return id;
}

}  // namespace buffer
