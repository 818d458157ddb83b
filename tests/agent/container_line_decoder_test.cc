#include "agent/inputs/container_line_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// Designated initializers name only the members a test cares about; the rest keep their
// defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t k2024 = 1'704'067'200 * kSecond;  // 2024-01-01T00:00:00Z

struct Decoded {
  std::string text;
  uint64_t offset;
  uint32_t flags;
  int64_t time;
  std::string stream;
};

class ContainerLineDecoderTest : public ::testing::Test {
 protected:
  // Feeds `lines` with offsets as a file would give them; returns what came out.
  std::vector<Decoded> Feed(ContainerLineDecoder& decoder, const std::vector<std::string>& lines) {
    std::vector<Decoded> out;
    for (const std::string& text : lines) {
      SourceLine line{.text = text, .offset = offset_, .time_unix_nanos = 7};
      offset_ += text.size() + 1;
      if (auto d = decoder.Decode(line, parser_)) {
        out.push_back({std::string(d->text), d->offset, d->flags, d->time_unix_nanos,
                       std::string(d->stream)});
      }
    }
    return out;
  }

  simdjson::dom::parser parser_;
  uint64_t offset_ = 0;
};

TEST_F(ContainerLineDecoderTest, UnwrapsACriLineAndKeepsItsTimeAndStream) {
  ContainerLineDecoder decoder(ContainerFormat::kCri, 1024);
  auto out = Feed(decoder, {"2024-01-01T00:00:00.123456789Z stderr F hello world"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "hello world");
  EXPECT_EQ(out[0].stream, "stderr");
  EXPECT_EQ(out[0].time, k2024 + 123'456'789);
  EXPECT_EQ(out[0].flags, 0u);
  EXPECT_FALSE(decoder.held_from());
}

TEST_F(ContainerLineDecoderTest, JoinsCriPartialsPerStreamAndHoldsTheirFirstOffset) {
  ContainerLineDecoder decoder(ContainerFormat::kCri, 1024);
  auto out = Feed(decoder, {"2024-01-01T00:00:01Z stdout P ab", "2024-01-01T00:00:02Z stderr F e",
                            "2024-01-01T00:00:03Z stdout P cd"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "e");
  EXPECT_EQ(decoder.held_from(), 0u);
  out = Feed(decoder, {"2024-01-01T00:00:04Z stdout F ef"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "abcdef");
  EXPECT_EQ(out[0].offset, 0u);
  EXPECT_EQ(out[0].time, k2024 + kSecond);
  EXPECT_FALSE(decoder.held_from());
}

TEST_F(ContainerLineDecoderTest, CutsAReassembledLineAtMaxBytesAndSkipsItsRest) {
  ContainerLineDecoder decoder(ContainerFormat::kCri, 5);
  auto out =
      Feed(decoder, {"2024-01-01T00:00:00Z stdout P 1234", "2024-01-01T00:00:00Z stdout P 5678",
                     "2024-01-01T00:00:00Z stdout F 9", "2024-01-01T00:00:00Z stdout F ok"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text, "12345");
  EXPECT_EQ(out[0].flags, buffer::kFlagTruncated);
  EXPECT_EQ(out[1].text, "ok");
  EXPECT_EQ(decoder.counters().truncated_lines, 1u);
}

TEST_F(ContainerLineDecoderTest, PassesMalformedLinesOnFlaggedAndCounted) {
  ContainerLineDecoder decoder(ContainerFormat::kCri, 1024);
  auto out = Feed(decoder, {"garbage", "2024-01-01T00:00:00Z stdout Q tag", "notatime stdout F x"});
  ASSERT_EQ(out.size(), 3u);
  for (const Decoded& d : out) EXPECT_EQ(d.flags, buffer::kFlagParseFailed);
  EXPECT_EQ(out[0].text, "garbage");
  EXPECT_EQ(out[0].time, 7);
  EXPECT_EQ(decoder.counters().malformed_lines, 3u);
}

TEST_F(ContainerLineDecoderTest, UnwrapsDockerJsonAndJoinsLinesWithoutTheirNewline) {
  ContainerLineDecoder decoder(ContainerFormat::kDocker, 1024);
  auto out = Feed(decoder, {R"({"log":"par","stream":"stdout","time":"2024-01-01T00:00:00Z"})",
                            R"({"log":"tial\r\n","stream":"stdout","time":"2024-01-01T00:00:01Z"})",
                            R"({"log":"x\n","stream":"stderr","time":"2024-01-01T00:00:02.5Z"})",
                            R"({"stream":"stderr"})"});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].text, "partial");
  EXPECT_EQ(out[0].time, k2024);
  EXPECT_EQ(out[1].text, "x");
  EXPECT_EQ(out[1].stream, "stderr");
  EXPECT_EQ(out[1].time, k2024 + 2 * kSecond + kSecond / 2);
  EXPECT_EQ(out[2].flags, buffer::kFlagParseFailed);
}

TEST_F(ContainerLineDecoderTest, FlushHeldSendsWaitingFragmentsOldestFirstFlaggedPartial) {
  ContainerLineDecoder decoder(ContainerFormat::kCri, 1024);
  Feed(decoder, {"2024-01-01T00:00:00Z stderr P first", "2024-01-01T00:00:00Z stdout P second"});
  std::vector<std::string> flushed;
  decoder.FlushHeld([&](const SourceLine& line) {
    flushed.emplace_back(line.text);
    EXPECT_EQ(line.flags, buffer::kFlagPartial);
  });
  EXPECT_EQ(flushed, (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE(decoder.held_from());
}

}  // namespace
}  // namespace agent
