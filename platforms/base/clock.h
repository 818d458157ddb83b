// Clock: where skiff reads the time, so tests can pin it.
#pragma once

#include <chrono>
#include <cstdint>

namespace base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time for @timestamp, in nanoseconds since the Unix epoch.
  virtual int64_t NowUnixNanos() const = 0;
  // Monotonic time for timeouts and rates.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t NowUnixNanos() const override;
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace base
