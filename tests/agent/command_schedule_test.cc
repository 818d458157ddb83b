#include "agent/inputs/command_schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = CommandSchedule::TimePoint;
using config::RestartPolicy;

// Times are made up: t0 plus an offset.
const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

CommandScheduleOptions Supervised(RestartPolicy restart) {
  CommandScheduleOptions options;
  options.restart = restart;
  options.backoff = seconds(1);
  options.backoff_max = seconds(60);
  return options;
}

CommandScheduleOptions Periodic(milliseconds interval) {
  CommandScheduleOptions options;
  options.interval = interval;
  return options;
}

// Delay from `now` to the next start, in ms; -1 when none is due.
int64_t DelayMs(const CommandSchedule& s, TimePoint now) {
  auto next = s.next_start();
  if (!next) return -1;
  return std::chrono::duration_cast<milliseconds>(*next - now).count();
}

TEST(CommandScheduleTest, FirstRunIsDueAtOnce) {
  CommandSchedule s(Supervised(RestartPolicy::kNever));
  s.Begin(t0);
  EXPECT_EQ(DelayMs(s, t0), 0);
  EXPECT_TRUE(s.Due(t0));
  s.RunStarted(t0);
  EXPECT_FALSE(s.next_start().has_value()) << "nothing is due while a supervised run goes on";
}

TEST(CommandScheduleTest, NeverRestartsWhateverTheOutcome) {
  for (bool success : {true, false}) {
    CommandSchedule s(Supervised(RestartPolicy::kNever));
    s.Begin(t0);
    ASSERT_TRUE(s.Due(t0));
    s.RunStarted(t0);
    s.RunEnded(t0 + seconds(5), success);
    EXPECT_TRUE(s.done());
    EXPECT_FALSE(s.next_start().has_value());
  }
}

TEST(CommandScheduleTest, OnFailureRestartsAfterAFailureOnly) {
  CommandSchedule s(Supervised(RestartPolicy::kOnFailure));
  s.Begin(t0);
  ASSERT_TRUE(s.Due(t0));
  s.RunStarted(t0);
  s.RunEnded(t0 + milliseconds(100), /*success=*/false);
  EXPECT_FALSE(s.done());
  EXPECT_EQ(DelayMs(s, t0 + milliseconds(100)), 1000);
  const TimePoint t1 = t0 + milliseconds(1100);
  ASSERT_TRUE(s.Due(t1));
  s.RunStarted(t1);
  s.RunEnded(t1 + milliseconds(100), /*success=*/true);
  EXPECT_TRUE(s.done());
  EXPECT_FALSE(s.next_start().has_value());
}

TEST(CommandScheduleTest, BackoffDoublesUpToItsMaximum) {
  CommandSchedule s(Supervised(RestartPolicy::kAlways));
  s.Begin(t0);
  TimePoint now = t0;
  std::vector<int64_t> delays;
  for (int run = 0; run < 9; ++run) {
    ASSERT_TRUE(s.Due(now));
    s.RunStarted(now);
    now += milliseconds(10);  // a crash loop: each run ends at once
    s.RunEnded(now, /*success=*/true);
    delays.push_back(DelayMs(s, now));
    now = *s.next_start();
  }
  EXPECT_EQ(delays,
            (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
  EXPECT_EQ(s.runs(), 9u);
}

TEST(CommandScheduleTest, ARunThatLastedTheMaximumBackoffResetsIt) {
  CommandSchedule s(Supervised(RestartPolicy::kAlways));
  s.Begin(t0);
  TimePoint now = t0;
  for (int run = 0; run < 4; ++run) {  // backoff now 16 s
    ASSERT_TRUE(s.Due(now));
    s.RunStarted(now);
    now += milliseconds(10);
    s.RunEnded(now, false);
    now = *s.next_start();
  }
  ASSERT_EQ(s.backoff(), seconds(16));
  ASSERT_TRUE(s.Due(now));
  s.RunStarted(now);
  now += seconds(60);  // healthy for backoff_max
  s.RunEnded(now, false);
  EXPECT_EQ(DelayMs(s, now), 1000);
}

TEST(CommandScheduleTest, NothingStartsBeforeItsTime) {
  CommandSchedule s(Supervised(RestartPolicy::kAlways));
  s.Begin(t0);
  ASSERT_TRUE(s.Due(t0));
  s.RunStarted(t0);
  s.RunEnded(t0, false);
  EXPECT_FALSE(s.Due(t0 + milliseconds(999)));
  EXPECT_TRUE(s.Due(t0 + milliseconds(1000)));
}

TEST(CommandScheduleTest, PeriodicRunsAreDueOnEveryMultipleOfTheInterval) {
  CommandSchedule s(Periodic(seconds(1)));
  s.Begin(t0);
  std::vector<int64_t> starts;
  TimePoint now = t0;
  for (int run = 0; run < 10; ++run) {
    ASSERT_TRUE(s.Due(now));
    s.RunStarted(now);
    starts.push_back(std::chrono::duration_cast<milliseconds>(now - t0).count());
    s.RunEnded(now + milliseconds(300), run % 2 == 0);
    now = *s.next_start() + milliseconds(3);  // the timer fires a little late
  }
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 1003, 2003, 3003, 4003, 5003, 6003, 7003, 8003, 9003}))
      << "lateness does not accumulate: each run is due at t0 + k s";
  EXPECT_EQ(s.skipped_runs(), 0u);
  EXPECT_FALSE(s.done()) << "a periodic command is never done, whatever its exit";
}

TEST(CommandScheduleTest, APeriodicRunStillGoingMakesTheNextOneSkippedNotOverlapped) {
  CommandSchedule s(Periodic(seconds(1)));
  s.Begin(t0);
  ASSERT_TRUE(s.Due(t0));
  s.RunStarted(t0);
  // Due at 1 s and 2 s while the run goes on: both skipped.
  EXPECT_FALSE(s.Due(t0 + seconds(1)));
  EXPECT_FALSE(s.Due(t0 + seconds(2)));
  EXPECT_EQ(s.skipped_runs(), 2u);
  s.RunEnded(t0 + milliseconds(2500), true);
  EXPECT_EQ(DelayMs(s, t0 + milliseconds(2500)), 500) << "the next multiple, 3 s";
  EXPECT_TRUE(s.Due(t0 + seconds(3)));
  EXPECT_EQ(s.runs(), 1u);
}

TEST(CommandScheduleTest, ALoopLateBySeveralIntervalsStartsOneRunNotABurst) {
  CommandSchedule s(Periodic(seconds(1)));
  s.Begin(t0);
  ASSERT_TRUE(s.Due(t0));
  s.RunStarted(t0);
  s.RunEnded(t0 + milliseconds(10), true);
  const TimePoint late = t0 + milliseconds(5500);  // a suspended host wakes up
  ASSERT_TRUE(s.Due(late));
  s.RunStarted(late);
  s.RunEnded(late + milliseconds(10), true);
  EXPECT_EQ(DelayMs(s, late + milliseconds(10)), 490) << "next at 6 s";
  EXPECT_FALSE(s.Due(late + milliseconds(20)));
  EXPECT_EQ(s.skipped_runs(), 0u);
}

}  // namespace
}  // namespace agent
