#include "transport/document_id.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <set>

#include "transport/base64.h"

namespace transport {
namespace {

class DocumentIdTest : public ::testing::Test {};

// Golden values: these must never change (a change breaks deduplication across upgrades).
TEST_F(DocumentIdTest, MatchesTheGoldenValuesForever) {
  DocumentId id("agent-0001", "dev=2049,ino=131,fp=3f2a", 0);
  EXPECT_EQ(id.ForOffset(0), "3CFr2rMubopSsx2w-TtB6Q");
  EXPECT_EQ(id.ForOffset(4096), "LNKW2R1qITu9DIJLaFbi2A");
  EXPECT_EQ(DocumentId("agent-0001", "dev=2049,ino=131,fp=3f2a", 1).ForOffset(4096),
            "MFGMFjP0Hea-L8oUSYQT6w");
  EXPECT_EQ(DocumentId("", "", 0).ForOffset(0), "zx3IVAHllzJoYjU0Ea5LsQ");
}

// Recomputes the id from the definition in document_id.h, byte by byte.
TEST_F(DocumentIdTest, FollowsTheDocumentedDefinition) {
  std::string input;
  auto u32 = [&input](uint32_t v) {
    for (int i = 0; i < 4; ++i) input += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  u32(5);
  input += "agent";
  u32(3);
  input += "src";
  u32(9);
  uint64_t seed = XXH3_64bits(input.data(), input.size());
  DocumentId id("agent", "src", 9);
  EXPECT_EQ(id.seed(), seed);
  unsigned char offset_le[8] = {0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0};  // 0x12345678
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_withSeed(offset_le, 8, seed));
  std::string want;
  AppendBase64Url(want, std::as_bytes(std::span<const unsigned char>(canonical.digest)));
  EXPECT_EQ(id.ForOffset(0x12345678), want);
}

TEST_F(DocumentIdTest, IsTwentyTwoUrlSafeCharacters) {
  DocumentId id("a", "b", 7);
  for (uint64_t offset : {0ull, 1ull, 1ull << 40, ~0ull}) {
    std::string s = id.ForOffset(offset);
    ASSERT_EQ(s.size(), DocumentId::kLength);
    for (char c : s) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << s;
    }
  }
}

TEST_F(DocumentIdTest, ChangesWithEveryComponent) {
  std::set<std::string> ids = {
      DocumentId("agent", "source", 0).ForOffset(10),
      DocumentId("agent2", "source", 0).ForOffset(10),
      DocumentId("agent", "source2", 0).ForOffset(10),
      DocumentId("agent", "source", 1).ForOffset(10),
      DocumentId("agent", "source", 0).ForOffset(11),
  };
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(DocumentIdTest, KeepsFieldBoundariesApart) {
  EXPECT_NE(DocumentId("ab", "c", 0).ForOffset(0), DocumentId("a", "bc", 0).ForOffset(0));
}

TEST_F(DocumentIdTest, AppendsWithoutDisturbingWhatIsThere) {
  DocumentId id("agent", "source", 3);
  std::string out = "prefix:";
  id.AppendTo(out, 99);
  EXPECT_EQ(out, "prefix:" + id.ForOffset(99));
}

}  // namespace
}  // namespace transport
