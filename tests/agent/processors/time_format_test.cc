#include "agent/processors/time_format.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2026-11-22T12:00:00Z
constexpr int64_t kReference = 1'795'348'800 * kSecond;

TEST(TimeFormatTest, ReadsTheNginxAccessLogTime) {
  EXPECT_EQ(ParseTimeWithFormat("22/Nov/2026:12:00:00 +0000", "%d/%b/%Y:%H:%M:%S %z", 0),
            kReference);
  EXPECT_EQ(ParseTimeWithFormat("22/Nov/2026:14:00:00 +02:00", "%d/%b/%Y:%H:%M:%S %z", 0),
            kReference);
}

TEST(TimeFormatTest, ReadsFractionsZonesAndCompositeDirectives) {
  EXPECT_EQ(ParseTimeWithFormat("2026-11-22 12:00:00.25Z", "%F %T.%f%z", 0),
            kReference + kSecond / 4);
  EXPECT_EQ(
      ParseTimeWithFormat("2026-11-22T07:00:00,123456789123-0500", "%Y-%m-%dT%H:%M:%S,%f%z", 0),
      kReference + 123'456'789);
  EXPECT_EQ(ParseTimeWithFormat("1795348800", "%s", 0), kReference);
  EXPECT_EQ(ParseTimeWithFormat("26/11/22 12h00", "%y/%m/%d %Hh%M", 0), kReference);
  EXPECT_EQ(ParseTimeWithFormat("2026.326 12:00:00", "%Y.%j %T", 0), kReference);
  EXPECT_EQ(ParseTimeWithFormat("Sunday, 22 November 2026 12:00", "%A, %d %B %Y %H:%M", 0),
            kReference);
  EXPECT_EQ(ParseTimeWithFormat("100% 2026-11-22", "100%% %F", 0),
            kReference - 12 * 3600 * kSecond);
}

TEST(TimeFormatTest, TakesTheYearFromTheReferenceWhenTheFormatHasNone) {
  EXPECT_EQ(ParseTimeWithFormat("Nov 22 12:00:00", "%b %e %H:%M:%S", kReference), kReference);
  // Space-padded day, and a space in the format matching several.
  EXPECT_EQ(ParseTimeWithFormat("Nov  2 12:00:00", "%b %e %H:%M:%S", kReference),
            kReference - 20 * 86'400 * kSecond);
  // Read on 1 January, "Dec 31" is last year.
  const int64_t new_year = ParseTimeWithFormat("2027-01-01 00:00:10", "%F %T", 0).value();
  EXPECT_EQ(ParseTimeWithFormat("Dec 31 23:59:59", "%b %e %H:%M:%S", new_year),
            new_year - 11 * kSecond);
}

TEST(TimeFormatTest, RefusesTimesBeyondWhatNanosecondsHold) {
  EXPECT_FALSE(ParseTimeWithFormat("01/Jan/3000:00:00:00 +0000", "%d/%b/%Y:%H:%M:%S %z", 0));
  EXPECT_FALSE(ParseTimeWithFormat("99999999999", "%s", 0));
}

TEST(TimeFormatTest, RefusesTextThatDoesNotMatchAllOfTheFormat) {
  EXPECT_FALSE(ParseTimeWithFormat("2026-11-22 25:00:00", "%F %T", 0));
  EXPECT_FALSE(ParseTimeWithFormat("2026-02-30 12:00:00", "%F %T", 0));
  EXPECT_FALSE(ParseTimeWithFormat("2026-11-22 12:00:00 extra", "%F %T", 0));
  EXPECT_FALSE(ParseTimeWithFormat("22/Foo/2026", "%d/%b/%Y", 0));
  EXPECT_FALSE(ParseTimeWithFormat("", "%Y", 0));
  EXPECT_FALSE(ParseTimeWithFormat("2026-11-22 12:00:00 +2500", "%F %T %z", 0));
}

TEST(TimeFormatTest, NamesWhatIsWrongWithAFormat) {
  EXPECT_EQ(TimeFormatProblem("%d/%b/%Y:%H:%M:%S %z"), "");
  EXPECT_NE(TimeFormatProblem("%Q"), "");
  EXPECT_NE(TimeFormatProblem("%Y %"), "");
  EXPECT_NE(TimeFormatProblem(""), "");
}

}  // namespace
}  // namespace agent
