#include "transport/backoff.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

using std::chrono::milliseconds;

class BackoffTest : public ::testing::Test {
 protected:
  double unit_ = 0.5;
  Backoff backoff_{milliseconds(500), milliseconds(30'000), [this] { return unit_; }};
};

TEST_F(BackoffTest, CeilingDoublesFromInitialUpToMax) {
  EXPECT_EQ(backoff_.Ceiling(1), milliseconds(500));
  EXPECT_EQ(backoff_.Ceiling(2), milliseconds(1'000));
  EXPECT_EQ(backoff_.Ceiling(3), milliseconds(2'000));
  EXPECT_EQ(backoff_.Ceiling(7), milliseconds(30'000));  // 32 s capped
  EXPECT_EQ(backoff_.Ceiling(1000), milliseconds(30'000));
}

TEST_F(BackoffTest, FullJitterScalesTheCeilingByThePinnedRandomValue) {
  unit_ = 0.5;
  EXPECT_EQ(backoff_.Delay(1), milliseconds(250));
  EXPECT_EQ(backoff_.Delay(3), milliseconds(1'000));
  unit_ = 0.0;
  EXPECT_EQ(backoff_.Delay(5), milliseconds(0));
  unit_ = 0.999;
  EXPECT_EQ(backoff_.Delay(2), milliseconds(999));
  EXPECT_EQ(backoff_.Delay(20), milliseconds(29'970));
}

TEST_F(BackoffTest, RetryAfterWinsWhenLongerAndIsCapped) {
  unit_ = 0.5;
  EXPECT_EQ(backoff_.Delay(1, milliseconds(3'000)), milliseconds(3'000));
  EXPECT_EQ(backoff_.Delay(10, milliseconds(1'000)), milliseconds(15'000));
  EXPECT_EQ(backoff_.Delay(1, milliseconds(24 * 3600 * 1000)), Backoff::kMaxRetryAfter);
}

TEST_F(BackoffTest, ParsesRetryAfterSecondsOnly) {
  EXPECT_EQ(Backoff::ParseRetryAfter("120"), milliseconds(120'000));
  EXPECT_EQ(Backoff::ParseRetryAfter(" 0 "), milliseconds(0));
  EXPECT_FALSE(Backoff::ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(Backoff::ParseRetryAfter("-5").has_value());
  EXPECT_FALSE(Backoff::ParseRetryAfter("").has_value());
  EXPECT_FALSE(Backoff::ParseRetryAfter("99999999999").has_value());
}

TEST_F(BackoffTest, DefaultRandomStaysInTheUnitInterval) {
  Backoff::RandomUnit random = Backoff::DefaultRandom();
  for (int i = 0; i < 1000; ++i) {
    double v = random();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

}  // namespace
}  // namespace transport
