// Interrupter: a one-way stop flag that sleeping threads can wait on, so a shutdown never
// waits out an injected response delay.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace esim {

class Interrupter {
 public:
  Interrupter() = default;
  Interrupter(const Interrupter&) = delete;
  Interrupter& operator=(const Interrupter&) = delete;

  void Interrupt() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      interrupted_ = true;
    }
    cv_.notify_all();
  }

  bool interrupted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return interrupted_;
  }

  // Sleeps for `duration` or until Interrupt(). Returns false when interrupted.
  bool SleepFor(std::chrono::milliseconds duration) const {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, duration, [this] { return interrupted_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool interrupted_ = false;
};

}  // namespace esim
