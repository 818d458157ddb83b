#include "transport/host_pool.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

using std::chrono::milliseconds;
using TimePoint = HostPool::TimePoint;

constexpr TimePoint kT0{std::chrono::hours(1)};

TEST(HostPoolTest, PicksHealthyHostsRoundRobin) {
  HostPool pool(3, milliseconds(30'000));
  EXPECT_EQ(pool.Acquire(kT0)->host, 0u);
  EXPECT_EQ(pool.Acquire(kT0)->host, 1u);
  EXPECT_EQ(pool.Acquire(kT0)->host, 2u);
  EXPECT_EQ(pool.Acquire(kT0)->host, 0u);
  EXPECT_FALSE(pool.Acquire(kT0)->probe);
}

TEST(HostPoolTest, ABenchedHostIsSkippedWhileAnotherIsUp) {
  HostPool pool(2, milliseconds(30'000));
  pool.OnFailure(0, false, kT0);
  EXPECT_FALSE(pool.up(0));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pool.Acquire(kT0 + milliseconds(10'000))->host, 1u);
  EXPECT_FALSE(pool.NextProbe().has_value());
}

TEST(HostPoolTest, WithEveryHostBenchedOnlyOneProbeGoesWhenTheBenchEnds) {
  HostPool pool(1, milliseconds(30'000));
  pool.OnFailure(0, false, kT0);
  EXPECT_FALSE(pool.Acquire(kT0 + milliseconds(100)).has_value());
  EXPECT_EQ(*pool.NextProbe(), kT0 + HostPool::kMinBench);
  TimePoint later = kT0 + HostPool::kMinBench;
  auto probe = pool.Acquire(later);
  ASSERT_TRUE(probe.has_value());
  EXPECT_TRUE(probe->probe);
  // Everyone else waits for the probe's outcome.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(pool.Acquire(later).has_value());
  EXPECT_EQ(*pool.NextProbe(), TimePoint::max());
  pool.OnAnswer(0, true);
  EXPECT_TRUE(pool.up(0));
  EXPECT_FALSE(pool.Acquire(later)->probe);
}

TEST(HostPoolTest, FailedProbesDoubleTheBenchUpToTheMaximum) {
  HostPool pool(1, milliseconds(3'000));
  TimePoint now = kT0;
  pool.OnFailure(0, false, now);
  std::vector<milliseconds> benches;
  for (int i = 0; i < 5; ++i) {
    now = *pool.NextProbe();
    auto probe = pool.Acquire(now);
    ASSERT_TRUE(probe && probe->probe);
    pool.OnFailure(0, true, now);
    benches.push_back(std::chrono::duration_cast<milliseconds>(*pool.NextProbe() - now));
  }
  EXPECT_EQ(benches, (std::vector<milliseconds>{milliseconds(1'000), milliseconds(2'000),
                                                milliseconds(3'000), milliseconds(3'000),
                                                milliseconds(3'000)}));
}

TEST(HostPoolTest, FailuresOfRequestsSentBeforeTheBenchDoNotLengthenIt) {
  HostPool pool(1, milliseconds(30'000));
  pool.OnFailure(0, false, kT0);
  pool.OnFailure(0, false, kT0 + milliseconds(1));  // in flight when the first failed
  pool.OnFailure(0, false, kT0 + milliseconds(2));
  EXPECT_EQ(*pool.NextProbe(), kT0 + HostPool::kMinBench);
  EXPECT_EQ(pool.benchings(), 1u);
}

TEST(HostPoolTest, AnAnswerFromAnyRequestPutsTheHostBack) {
  HostPool pool(2, milliseconds(30'000));
  pool.OnFailure(1, false, kT0);
  pool.OnAnswer(1, false);
  EXPECT_TRUE(pool.up(1));
  EXPECT_TRUE(pool.AnyUp());
}

}  // namespace
}  // namespace transport
