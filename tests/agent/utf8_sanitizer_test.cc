#include "agent/utf8_sanitizer.h"

#include <gtest/gtest.h>

#include <string>

namespace agent {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::string Fix(std::string_view text) {
  std::string out = "stale contents";
  Utf8Sanitizer::Assign(text, out);
  return out;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class Utf8SanitizerTest : public ::testing::Test {};

TEST_F(Utf8SanitizerTest, ValidTextIsCopiedUnchangedAndNotFlagged) {
  std::string out;
  std::string_view text = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80, nul:\0!";
  text = std::string_view(text.data(), text.size());  // keeps the NUL
  EXPECT_FALSE(Utf8Sanitizer::Assign(text, out));
  EXPECT_EQ(out, text);
}

TEST_F(Utf8SanitizerTest, NulBytesAreKept) {
  const std::string text("a\0b", 3);
  EXPECT_TRUE(Utf8Sanitizer::IsValid(text));
  EXPECT_EQ(Fix(text), text);
}

TEST_F(Utf8SanitizerTest, EachStrayByteFrom80ToFFBecomesOneReplacement) {
  for (int b = 0x80; b <= 0xFF; ++b) {
    std::string text = "a";
    text += static_cast<char>(b);
    text += "z";
    std::string out;
    ASSERT_TRUE(Utf8Sanitizer::Assign(text, out)) << b;
    EXPECT_EQ(out, std::string("a") + std::string(kFffd) + "z") << "byte " << b;
  }
}

TEST_F(Utf8SanitizerTest, OverlongEncodingsAreReplacedBytewise) {
  // C0 AF and E0 80 AF both spell '/' too long: no byte starts a valid maximal subpart
  // except that E0 alone is one (its second byte must be A0..BF).
  EXPECT_EQ(Fix("\xC0\xAF"), Repeat(kFffd, 2));
  EXPECT_EQ(Fix("\xE0\x80\xAF"), Repeat(kFffd, 3));
  EXPECT_EQ(Fix("\xF0\x80\x80\xAF"), Repeat(kFffd, 4));
}

TEST_F(Utf8SanitizerTest, SurrogatesAreReplaced) {
  // ED A0 80 would be U+D800.
  EXPECT_EQ(Fix("x\xED\xA0\x80y"), "x" + Repeat(kFffd, 3) + "y");
  // ED 9F BF is U+D7FF, valid.
  EXPECT_EQ(Fix("\xED\x9F\xBF"), "\xED\x9F\xBF");
}

TEST_F(Utf8SanitizerTest, CodePointsAbove10FFFFAreReplaced) {
  EXPECT_EQ(Fix("\xF4\x90\x80\x80"), Repeat(kFffd, 4));
  EXPECT_EQ(Fix("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF");
}

TEST_F(Utf8SanitizerTest, TruncatedSequenceIsOneReplacementForItsMaximalSubpart) {
  // The Unicode Standard's example (Table 3-8): 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
  // becomes a FFFD b FFFD c FFFD FFFD d... here in short forms.
  EXPECT_EQ(Fix("\xF1\x80\x80"), std::string(kFffd));
  EXPECT_EQ(Fix("\xE1\x80"), std::string(kFffd));
  EXPECT_EQ(Fix("\xC2"), std::string(kFffd));
  EXPECT_EQ(Fix("a\xF1\x80\x80\xE1\x80\xC2"
                "b\x80"
                "c\x80\xBF"
                "d"),
            "a" + Repeat(kFffd, 3) + "b" + std::string(kFffd) + "c" + Repeat(kFffd, 2) + "d");
  // A complete character right after a truncated one survives.
  EXPECT_EQ(Fix("\xE2\x82\xC3\xA9"), std::string(kFffd) + "\xC3\xA9");
}

TEST_F(Utf8SanitizerTest, SanitizeReturnsTheInputItselfWhenValid) {
  Utf8Sanitizer sanitizer;
  const std::string text = "fine";
  Utf8Sanitizer::Output out = sanitizer.Sanitize(text);
  EXPECT_FALSE(out.replaced);
  EXPECT_EQ(out.text.data(), text.data());
  out = sanitizer.Sanitize("bad\xFF");
  EXPECT_TRUE(out.replaced);
  EXPECT_EQ(out.text, "bad" + std::string(kFffd));
}

TEST_F(Utf8SanitizerTest, OutputIsAlwaysValid) {
  std::string text;
  for (int i = 0; i < 4096; ++i) text += static_cast<char>((i * 7919) & 0xFF);
  std::string out;
  Utf8Sanitizer::Assign(text, out);
  EXPECT_TRUE(Utf8Sanitizer::IsValid(out));
}

}  // namespace
}  // namespace agent
