#include "transport/adaptive_concurrency.h"

#include <algorithm>
#include <cmath>

namespace transport {

AdaptiveConcurrency::AdaptiveConcurrency(int max_limit)
    : max_limit_(std::max(1, max_limit)), limit_(max_limit_) {}

void AdaptiveConcurrency::Decrease(uint64_t sent_generation) {
  if (sent_generation < generation_) return;  // sent before the last decrease
  limit_ = std::max(1, static_cast<int>(std::floor(limit_ * kDecreaseRatio)));
  ++generation_;
  ++decreases_;
  window_count_ = 0;
  window_rtt_sum_s_ = 0;
}

void AdaptiveConcurrency::OnOutcome(Signal signal, std::chrono::steady_clock::duration rtt,
                                    uint64_t sent_generation) {
  switch (signal) {
    case Signal::kNeutral:
      return;
    case Signal::kBackpressure:
      Decrease(sent_generation);
      return;
    case Signal::kOk:
      break;
  }
  window_rtt_sum_s_ += std::chrono::duration<double>(rtt).count();
  if (++window_count_ < limit_) return;
  const double mean_s = window_rtt_sum_s_ / window_count_;
  window_count_ = 0;
  window_rtt_sum_s_ = 0;
  const double previous_s = rtt_average_s_;
  rtt_average_s_ =
      previous_s == 0 ? mean_s : kLatencyEwmaAlpha * mean_s + (1 - kLatencyEwmaAlpha) * previous_s;
  const double floor_s = std::chrono::duration<double>(kLatencyRiseFloor).count();
  if (previous_s > 0 && mean_s > previous_s * kLatencyRiseRatio && mean_s - previous_s > floor_s) {
    Decrease(sent_generation);
    return;
  }
  if (limit_ < max_limit_) {
    ++limit_;
    ++increases_;
  }
}

}  // namespace transport
