#include "agent/processors/timestamp_parser.h"

#include <gtest/gtest.h>

#include <limits>

namespace agent {
namespace {

using config::TimestampFormat;

constexpr int64_t kSecond = 1'000'000'000;
// 2026-11-22T12:00:00Z
constexpr int64_t kReference = 1'795'348'800 * kSecond;

class TimestampParserTest : public ::testing::Test {};

TEST_F(TimestampParserTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11'017);
  EXPECT_EQ(DaysFromCivil(2026, 11, 22), 20'779);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
}

TEST_F(TimestampParserTest, ParsesRfc3339WithFractionsAndZones) {
  EXPECT_EQ(ParseTimestamp("2026-11-22T12:00:00Z", TimestampFormat::kRfc3339, 0), kReference);
  EXPECT_EQ(ParseTimestamp("2026-11-22 13:00:00.25+01:00", TimestampFormat::kRfc3339, 0),
            kReference + kSecond / 4);
  EXPECT_EQ(ParseTimestamp("2026-11-22T07:00:00-0500", TimestampFormat::kRfc3339, 0), kReference);
  EXPECT_EQ(ParseTimestamp("2026-11-22T12:00:00.123456789123Z", TimestampFormat::kRfc3339, 0),
            kReference + 123'456'789);
  EXPECT_EQ(ParseTimestamp("2026-11-22T12:00:00", TimestampFormat::kRfc3339, 0), kReference);
  EXPECT_FALSE(ParseTimestamp("2026-13-22T12:00:00Z", TimestampFormat::kRfc3339, 0));
  EXPECT_FALSE(ParseTimestamp("2026-11-22T12:00Z", TimestampFormat::kRfc3339, 0));
  EXPECT_FALSE(ParseTimestamp("2026-11-22T12:00:00Zjunk", TimestampFormat::kRfc3339, 0));
}

TEST_F(TimestampParserTest, ParsesCommonLogFormat) {
  EXPECT_EQ(ParseTimestamp("22/Nov/2026:12:00:00 +0000", TimestampFormat::kClf, 0), kReference);
  EXPECT_EQ(ParseTimestamp("22/Nov/2026:05:00:00 -0700", TimestampFormat::kClf, 0), kReference);
  EXPECT_FALSE(ParseTimestamp("22/Foo/2026:12:00:00 +0000", TimestampFormat::kClf, 0));
}

TEST_F(TimestampParserTest, Rfc3164TakesTheLatestYearThatIsNotInTheFuture) {
  EXPECT_EQ(ParseTimestamp("Nov 22 12:00:00", TimestampFormat::kRfc3164, kReference), kReference);
  EXPECT_EQ(ParseTimestamp("Nov  2 12:00:00", TimestampFormat::kRfc3164, kReference),
            kReference - 20 * 86'400 * kSecond);
  // Read on 1 January 2027 at 00:00:05: a line from New Year's Eve is from 2026.
  int64_t new_year = (1'795'348'800 + (40 * 86'400) - 12 * 3'600 + 5) * kSecond;
  EXPECT_EQ(ParseTimestamp("Dec 31 23:59:59", TimestampFormat::kRfc3164, new_year),
            new_year - 6 * kSecond);
  // February read in November is this February, not the next.
  EXPECT_EQ(ParseTimestamp("Feb  5 00:00:00", TimestampFormat::kRfc3164, kReference),
            DaysFromCivil(2026, 2, 5) * 86'400 * kSecond);
  // A day ahead is clock skew, not last year.
  EXPECT_EQ(ParseTimestamp("Nov 23 12:00:00", TimestampFormat::kRfc3164, kReference),
            kReference + 86'400 * kSecond);
  EXPECT_FALSE(ParseTimestamp("Nov 22", TimestampFormat::kRfc3164, kReference));
}

TEST_F(TimestampParserTest, ParsesUnixSecondsAndMilliseconds) {
  EXPECT_EQ(ParseTimestamp("1795348800", TimestampFormat::kUnix, 0), kReference);
  EXPECT_EQ(ParseTimestamp("1795348800.5", TimestampFormat::kUnix, 0), kReference + kSecond / 2);
  EXPECT_EQ(ParseTimestamp("1795348800250", TimestampFormat::kUnixMs, 0), kReference + kSecond / 4);
  EXPECT_FALSE(ParseTimestamp("17953488x", TimestampFormat::kUnix, 0));
}

TEST_F(TimestampParserTest, TimesBeyondWhatNanosecondsHoldDoNotParse) {
  // int64 nanoseconds since 1970 reach from 1677-09-21 to 2262-04-11.
  EXPECT_EQ(ParseTimestamp("2262-04-11T00:00:00Z", TimestampFormat::kRfc3339, 0),
            int64_t{9'223'286'400} * kSecond);
  EXPECT_FALSE(ParseTimestamp("2263-01-01T00:00:00Z", TimestampFormat::kRfc3339, 0));
  EXPECT_FALSE(ParseTimestamp("1000-01-01T00:00:00Z", TimestampFormat::kRfc3339, 0));
  EXPECT_FALSE(ParseTimestamp("01/Jan/9999:00:00:00 +0000", TimestampFormat::kClf, 0));
  EXPECT_FALSE(ParseTimestamp("9999999999999", TimestampFormat::kUnix, 0));
  EXPECT_FALSE(UnixNanos(std::numeric_limits<int64_t>::max() / 1'000, 0));
  EXPECT_EQ(UnixNanos(-1, 500), -kSecond + 500);
}

TEST_F(TimestampParserTest, AutoTriesEachFormat) {
  EXPECT_EQ(ParseTimestamp("2026-11-22T12:00:00Z", TimestampFormat::kAuto, kReference), kReference);
  EXPECT_EQ(ParseTimestamp("22/Nov/2026:12:00:00 +0000", TimestampFormat::kAuto, kReference),
            kReference);
  EXPECT_EQ(ParseTimestamp("Nov 22 12:00:00", TimestampFormat::kAuto, kReference), kReference);
  EXPECT_EQ(ParseTimestamp("1795348800", TimestampFormat::kAuto, kReference), kReference);
  EXPECT_FALSE(ParseTimestamp("soon", TimestampFormat::kAuto, kReference));
}

}  // namespace
}  // namespace agent
