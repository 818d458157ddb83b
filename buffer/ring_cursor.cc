#include "buffer/ring_cursor.h"

#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "buffer/crc32c.h"
#include "buffer/frame_format.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

constexpr std::string_view kCursorMagic = "SKIFFCUR";
constexpr uint32_t kCursorVersion = 1;
constexpr std::size_t kCursorCrcOffset = 24;

}  // namespace

base::Result<uint64_t> ReadRingCursor(Filesystem& fs, const std::string& dir) {
  std::vector<std::byte> bytes;
  if (base::Status s = ReadWholeFile(fs, dir + "/cursor", bytes); !s.ok()) return s;
  if (bytes.size() != kCursorBytes) {
    return base::Corruption(base::StrCat("cursor has ", bytes.size(), " bytes"));
  }
  const std::byte* p = bytes.data();
  if (std::memcmp(p, kCursorMagic.data(), kCursorMagic.size()) != 0) {
    return base::Corruption("cursor has a bad magic");
  }
  if (crc32c::Unmask(GetLe32(p + kCursorCrcOffset)) !=
      crc32c::Value(std::span<const std::byte>(bytes).first(kCursorCrcOffset))) {
    return base::Corruption("cursor CRC mismatch");
  }
  if (GetLe32(p + 8) != kCursorVersion) return base::Corruption("cursor has an unknown version");
  return GetLe64(p + 12);
}

base::Status WriteRingCursor(Filesystem& fs, const std::string& dir, uint64_t ack_seq) {
  std::array<std::byte, kCursorBytes> bytes{};
  std::memcpy(bytes.data(), kCursorMagic.data(), kCursorMagic.size());
  PutLe32(bytes.data() + 8, kCursorVersion);
  PutLe64(bytes.data() + 12, ack_seq);
  PutLe32(bytes.data() + kCursorCrcOffset,
          crc32c::Mask(crc32c::Value(std::span<const std::byte>(bytes).first(kCursorCrcOffset))));
  return WriteFileAtomically(fs, dir, dir + "/cursor", bytes);
}

}  // namespace buffer
