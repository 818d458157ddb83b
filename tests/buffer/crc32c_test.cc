#include "buffer/crc32c.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace buffer {
namespace {

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c::Value(Bytes("123456789")), 0xE3069283u);
}

TEST(Crc32cTest, MatchesKnownVectorsFromRfc3720) {
  std::vector<std::byte> zeros(32, std::byte{0});
  std::vector<std::byte> ones(32, std::byte{0xFF});
  EXPECT_EQ(crc32c::Value(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c::Value(ones), 0x62A8AB43u);
}

TEST(Crc32cTest, ExtendingEqualsComputingOverTheConcatenation) {
  std::string_view text = "hello, segment ring of zstd frames";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(crc32c::Extend(crc32c::Value(Bytes(text.substr(0, cut))), Bytes(text.substr(cut))),
              crc32c::Value(Bytes(text)));
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesTheValue) {
  uint32_t crc = crc32c::Value(Bytes("foo"));
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_NE(crc32c::Mask(crc32c::Mask(crc)), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Unmask(crc32c::Mask(crc32c::Mask(crc)))), crc);
}

}  // namespace
}  // namespace buffer
