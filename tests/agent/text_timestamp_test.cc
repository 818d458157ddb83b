#include "agent/inputs/text_timestamp.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kReadTime = 1'795'348'800 * kSecond;  // 2026-11-22T12:00:00Z

std::unique_ptr<TextTimestamp> Make(std::string regex, std::string format = "") {
  auto made =
      TextTimestamp::Create(config::TextTimestampConfig{std::move(regex), std::move(format)});
  EXPECT_TRUE(made.has_value()) << made.error().ToString();
  return made.has_value() ? std::move(made).value() : nullptr;
}

TEST(TextTimestampTest, SetsTheTimeFromTheNamedCapture) {
  auto ts = Make(R"(\[(?P<ts>[^\]]+)\])", "%d/%b/%Y:%H:%M:%S %z");
  buffer::Event event;
  event.time_unix_nanos = 1;
  EXPECT_TRUE(ts->Apply(R"(1.2.3.4 - - [22/Nov/2026:12:00:00 +0000] "GET /")", &event));
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(event.flags, 0u);
}

TEST(TextTimestampTest, RecognisesRfc3339WithoutAFormatAndUsesTheOnlyCapture) {
  auto ts = Make(R"(^(\S+))");
  buffer::Event event;
  EXPECT_TRUE(ts->Apply("2026-11-22T13:00:00+01:00 hello", &event));
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
}

TEST(TextTimestampTest, KeepsTheReadTimeAndFlagsWhenTheTimeIsMissingOrBroken) {
  auto ts = Make(R"(^\[(?P<ts>[^\]]*)\])", "%Y-%m-%d %H:%M:%S");
  for (std::string_view text : {"no bracket", "[2026-11-22 25:00:00] bad hour", "[] empty"}) {
    buffer::Event event;
    event.time_unix_nanos = kReadTime;
    EXPECT_FALSE(ts->Apply(text, &event)) << text;
    EXPECT_EQ(event.time_unix_nanos, kReadTime);
    EXPECT_EQ(event.flags, buffer::kFlagTimestampParseFailed);
  }
}

TEST(TextTimestampTest, RefusesARegexWithoutACaptureToRead) {
  EXPECT_FALSE(TextTimestamp::Create({R"(^\S+ (\S+) (\S+))", ""}).has_value());
  EXPECT_FALSE(TextTimestamp::Create({R"(^(?P<ts>\S+)", "%Q"}).has_value());
  EXPECT_FALSE(TextTimestamp::Create({R"(^(unclosed)", ""}).has_value());
}

}  // namespace
}  // namespace agent
