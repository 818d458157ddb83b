#include "transport/adaptive_concurrency.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

using std::chrono::milliseconds;
using Signal = AdaptiveConcurrency::Signal;

// Completes `n` requests sent now, each with `rtt`.
void Succeed(AdaptiveConcurrency& c, int n, milliseconds rtt) {
  for (int i = 0; i < n; ++i) c.OnOutcome(Signal::kOk, rtt, c.generation());
}

TEST(AdaptiveConcurrencyTest, StartsAtTheMaximum) {
  AdaptiveConcurrency c(8);
  EXPECT_EQ(c.limit(), 8);
}

TEST(AdaptiveConcurrencyTest, BackpressureHalvesTheLimitDownToOne) {
  AdaptiveConcurrency c(8);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  EXPECT_EQ(c.limit(), 4);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  EXPECT_EQ(c.limit(), 1);
}

TEST(AdaptiveConcurrencyTest, RequestsSentBeforeADecreaseDoNotDecreaseAgain) {
  AdaptiveConcurrency c(8);
  uint64_t old = c.generation();  // four requests in flight, all sent now
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), old);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), old);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), old);
  EXPECT_EQ(c.limit(), 4);
  EXPECT_EQ(c.decreases(), 1u);
}

TEST(AdaptiveConcurrencyTest, AWindowOfSuccessesAddsOne) {
  AdaptiveConcurrency c(8);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  ASSERT_EQ(c.limit(), 4);
  Succeed(c, 3, milliseconds(10));
  EXPECT_EQ(c.limit(), 4);  // a window is `limit` responses
  Succeed(c, 1, milliseconds(10));
  EXPECT_EQ(c.limit(), 5);
  Succeed(c, 5 + 6 + 7, milliseconds(10));
  EXPECT_EQ(c.limit(), 8);
  Succeed(c, 100, milliseconds(10));
  EXPECT_EQ(c.limit(), 8);  // never above the maximum
}

TEST(AdaptiveConcurrencyTest, RisingLatencyDecreasesAndASteadySlowClusterRecovers) {
  AdaptiveConcurrency c(4);
  Succeed(c, 4, milliseconds(20));  // baseline
  Succeed(c, 4, milliseconds(2000));
  EXPECT_EQ(c.limit(), 2);
  // The average follows the new latency: steady 2 s answers let the limit grow back.
  Succeed(c, 40, milliseconds(2000));
  EXPECT_EQ(c.limit(), 4);
}

TEST(AdaptiveConcurrencyTest, LoopbackJitterIsNotRisingLatency) {
  AdaptiveConcurrency c(4);
  Succeed(c, 4, milliseconds(1));
  Succeed(c, 4, milliseconds(20));  // 20x slower, but below the absolute floor
  EXPECT_EQ(c.limit(), 4);
}

TEST(AdaptiveConcurrencyTest, NeutralOutcomesChangeNothing) {
  AdaptiveConcurrency c(4);
  c.OnOutcome(Signal::kBackpressure, milliseconds(10), c.generation());
  for (int i = 0; i < 50; ++i) c.OnOutcome(Signal::kNeutral, milliseconds(10), c.generation());
  EXPECT_EQ(c.limit(), 2);
}

}  // namespace
}  // namespace transport
