// ManualTime: a clock the test moves by hand, and RefreshTimers that fire when it passes
// their due time. Lets the refresh tests live through a 1 h token in microseconds.
// Wall time starts at 2026-01-01T00:00:00Z (1767225600), the epoch of the JWT vectors.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "auth/refresh_timer.h"
#include "platforms/base/clock.h"

namespace auth::testing {

class ManualTime final : public base::Clock {
 public:
  static constexpr int64_t kStartUnixSeconds = 1'767'225'600;

  int64_t NowUnixNanos() const override { return kStartUnixSeconds * 1'000'000'000 + now_.count(); }
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(now_);
  }
  int64_t NowUnixSeconds() const { return NowUnixNanos() / 1'000'000'000; }

  // Moves time forward by `d`, firing each timer that falls due, at its due time, in order.
  void Advance(std::chrono::nanoseconds d) {
    std::chrono::nanoseconds end = now_ + d;
    while (true) {
      Timer* next = nullptr;
      for (Timer* t : timers_) {
        if (t->due_ && *t->due_ <= end && (next == nullptr || *t->due_ < *next->due_)) next = t;
      }
      if (next == nullptr) break;
      now_ = std::max(now_, *next->due_);
      next->due_.reset();
      std::function<void()> fire = std::move(next->fire_);
      if (fire) fire();
    }
    now_ = end;
  }

  // The soonest armed timer's delay from now, if any.
  std::optional<std::chrono::nanoseconds> NextDue() const {
    std::optional<std::chrono::nanoseconds> best;
    for (const Timer* t : timers_) {
      if (t->due_ && (!best || *t->due_ - now_ < *best)) best = *t->due_ - now_;
    }
    return best;
  }

  std::unique_ptr<RefreshTimer> MakeTimer() { return std::make_unique<Timer>(*this); }

 private:
  class Timer final : public RefreshTimer {
   public:
    explicit Timer(ManualTime& time) : time_(time) { time_.timers_.push_back(this); }
    ~Timer() override {
      auto& all = time_.timers_;
      all.erase(std::remove(all.begin(), all.end(), this), all.end());
    }
    void Start(std::chrono::milliseconds delay, std::function<void()> fire) override {
      due_ = time_.now_ + delay;
      fire_ = std::move(fire);
    }
    void Stop() override {
      due_.reset();
      fire_ = nullptr;
    }

    ManualTime& time_;
    std::optional<std::chrono::nanoseconds> due_;
    std::function<void()> fire_;
  };

  std::chrono::nanoseconds now_{0};
  std::vector<Timer*> timers_;
};

}  // namespace auth::testing
