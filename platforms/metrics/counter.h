// Counter: a registry-owned count that only goes up (requests sent, bytes written).
//
// A plain integer updated on the loop thread: no atomics, no locks. The registry reads it
// at scrape time on the same thread. Obtain one from Registry::AddCounter; the registry
// owns it and the reference stays valid for the registry's lifetime.
#pragma once

#include <cstdint>

namespace metrics {

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t by = 1) { value_ += by; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

}  // namespace metrics
