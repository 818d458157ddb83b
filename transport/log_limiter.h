// LogLimiter: lets at most `max_lines` log lines through per `window`, and counts the rest,
// so a storm of identical failures (every retry of every request) cannot flood the log.
#pragma once

#include <chrono>
#include <cstdint>

namespace transport {

class LogLimiter {
 public:
  LogLimiter(int max_lines, std::chrono::milliseconds window)
      : max_lines_(max_lines), window_(window) {}

  // Whether a line may be written now. When a new window opens, `*suppressed` gets the
  // number of lines held back in the previous one (to say so once), otherwise 0.
  bool Allow(std::chrono::steady_clock::time_point now, uint64_t* suppressed) {
    *suppressed = 0;
    if (lines_ == 0 || now - window_start_ >= window_) {
      *suppressed = held_back_;
      held_back_ = 0;
      window_start_ = now;
      lines_ = 0;
    }
    if (lines_ < max_lines_) {
      ++lines_;
      return true;
    }
    ++held_back_;
    return false;
  }

 private:
  const int max_lines_;
  const std::chrono::milliseconds window_;
  std::chrono::steady_clock::time_point window_start_{};
  int lines_ = 0;
  uint64_t held_back_ = 0;
};

}  // namespace transport
