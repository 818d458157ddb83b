#include "transport/host_pool.h"

#include <gtest/gtest.h>

#include <set>

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
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pool.Acquire(kT0 + milliseconds(100))->host, 1u);
  EXPECT_FALSE(pool.NextProbe().has_value());
}

TEST(HostPoolTest, ABenchedHostIsProbedBackWhileAnotherIsUp) {
  HostPool pool(2, milliseconds(30'000));
  pool.OnFailure(0, false, kT0);
  const TimePoint later = kT0 + HostPool::kMinBench;
  // Its bench over, the host gets one request as a probe; the rest go to the healthy host.
  auto probe = pool.Acquire(later);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->host, 0u);
  EXPECT_TRUE(probe->probe);
  for (int i = 0; i < 5; ++i) {
    auto pick = pool.Acquire(later);
    EXPECT_EQ(pick->host, 1u);
    EXPECT_FALSE(pick->probe);
  }
  // The probe answered: both hosts share the requests again.
  pool.OnAnswer(0, true);
  EXPECT_TRUE(pool.up(0));
  int to_first = 0;
  for (int i = 0; i < 10; ++i) to_first += pool.Acquire(later)->host == 0 ? 1 : 0;
  EXPECT_EQ(to_first, 5);
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

TEST(HostPoolTest, ARetiredHostIsNeverPickedAgain) {
  HostPool pool(1, milliseconds(30'000));
  std::size_t discovered = pool.AddHost();
  EXPECT_TRUE(pool.discovered(discovered));
  EXPECT_TRUE(pool.Retire(discovered));
  EXPECT_TRUE(pool.retired(discovered));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(pool.Acquire(kT0)->host, 0u);
    EXPECT_EQ(pool.AnyHost(), 0u);
  }
}

TEST(HostPoolTest, ConfiguredHostsAreNeverRetired) {
  HostPool pool(2, milliseconds(30'000));
  EXPECT_FALSE(pool.discovered(1));
  EXPECT_FALSE(pool.Retire(1));
  EXPECT_FALSE(pool.retired(1));
  EXPECT_EQ(pool.Acquire(kT0)->host, 0u);
  EXPECT_EQ(pool.Acquire(kT0)->host, 1u);
}

TEST(HostPoolTest, ARetiredHostNeitherCountsAsUpNorIsProbed) {
  HostPool pool(1, milliseconds(30'000));
  std::size_t discovered = pool.AddHost();
  pool.OnFailure(0, false, kT0);
  ASSERT_TRUE(pool.Retire(discovered));
  EXPECT_FALSE(pool.AnyUp());
  EXPECT_EQ(*pool.NextProbe(), kT0 + HostPool::kMinBench);
  EXPECT_FALSE(pool.Acquire(kT0 + milliseconds(1)).has_value());
  auto probe = pool.Acquire(kT0 + HostPool::kMinBench);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->host, 0u);
  EXPECT_TRUE(probe->probe);
}

TEST(HostPoolTest, ARequestInFlightOnARetiredHostStillReportsItsOutcome) {
  HostPool pool(1, milliseconds(30'000));
  std::size_t discovered = pool.AddHost();
  pool.OnFailure(0, false, kT0);
  auto pick = pool.Acquire(kT0);
  ASSERT_TRUE(pick.has_value());
  ASSERT_EQ(pick->host, discovered);
  ASSERT_TRUE(pool.Retire(discovered));
  pool.OnFailure(discovered, pick->probe, kT0);  // the index is still valid
  EXPECT_FALSE(pool.AnyUp());
  EXPECT_EQ(pool.size(), 2u);
}

TEST(HostPoolTest, AReinstatedHostIsBackInRotationUnderItsIndexWithItsFailuresForgotten) {
  HostPool pool(1, milliseconds(30'000));
  std::size_t discovered = pool.AddHost();
  pool.OnFailure(discovered, false, kT0);
  ASSERT_TRUE(pool.Retire(discovered));
  pool.Reinstate(discovered);
  EXPECT_FALSE(pool.retired(discovered));
  EXPECT_TRUE(pool.up(discovered));
  EXPECT_EQ(pool.size(), 2u);
  std::set<std::size_t> picked;
  for (int i = 0; i < 4; ++i) picked.insert(pool.Acquire(kT0)->host);
  EXPECT_EQ(picked, (std::set<std::size_t>{0, discovered}));
  // Its next failure is a first one again: the shortest bench.
  pool.OnFailure(0, false, kT0);
  pool.OnFailure(discovered, false, kT0);
  EXPECT_EQ(*pool.NextProbe(), kT0 + HostPool::kMinBench);
}

}  // namespace
}  // namespace transport
