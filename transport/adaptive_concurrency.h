// AdaptiveConcurrency: the output's limit on bulk requests in flight, adjusted by AIMD
// (additive increase, multiplicative decrease) between 1 and max_in_flight, after TCP's
// congestion control and Vector's adaptive request concurrency.
//
// The algorithm:
//  - Back-pressure (a whole-request 429 or 503, items answered 429, a request timeout)
//    halves the limit (rounded down, at least 1). Only a response to a request sent since
//    the last decrease can decrease it again: the requests already in flight were sent
//    under the old limit, and their failures say nothing new (one overload episode is one
//    halving, not one per request in flight).
//  - Rising latency counts as back-pressure: the round-trip times of a window (as many
//    responses as the limit) are averaged and compared with an exponentially weighted
//    average of the previous windows; a window more than kLatencyRiseRatio slower (and at
//    least kLatencyRiseFloor slower, so loopback jitter is not a signal) decreases the limit.
//    The average then follows the new latency, so a cluster that is slow but steady lets the
//    limit grow again.
//  - A window of successful responses without rising latency adds 1 to the limit.
//  - Other outcomes (4xx, connection refused: host health handles those) are neutral.
// The limit starts at max_in_flight: a healthy cluster never waits for a ramp-up.
//
// A plain value type; loop thread only, like the output.
#pragma once

#include <chrono>
#include <cstdint>

namespace transport {

class AdaptiveConcurrency {
 public:
  enum class Signal { kOk, kBackpressure, kNeutral };

  static constexpr double kDecreaseRatio = 0.5;
  static constexpr double kLatencyRiseRatio = 2.0;
  static constexpr std::chrono::milliseconds kLatencyRiseFloor{50};
  static constexpr double kLatencyEwmaAlpha = 0.4;

  explicit AdaptiveConcurrency(int max_limit);

  int limit() const { return limit_; }
  int max_limit() const { return max_limit_; }
  // Tag a request with this when it is sent; pass it back with its outcome.
  uint64_t generation() const { return generation_; }

  // One response (or transport failure) of a request sent at generation `sent_generation`
  // that took `rtt`.
  void OnOutcome(Signal signal, std::chrono::steady_clock::duration rtt, uint64_t sent_generation);

  uint64_t decreases() const { return decreases_; }
  uint64_t increases() const { return increases_; }

 private:
  void Decrease(uint64_t sent_generation);

  const int max_limit_;
  int limit_;
  uint64_t generation_ = 0;
  // The current window: successful responses and the sum of their round-trip times.
  int window_count_ = 0;
  double window_rtt_sum_s_ = 0;
  double rtt_average_s_ = 0;  // 0 until the first window
  uint64_t decreases_ = 0;
  uint64_t increases_ = 0;
};

}  // namespace transport
