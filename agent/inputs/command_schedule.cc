#include "agent/inputs/command_schedule.h"

#include <algorithm>

namespace agent {

void CommandSchedule::Begin(TimePoint now) {
  begin_ = now;
  next_start_ = now;
  done_ = false;
}

CommandSchedule::TimePoint CommandSchedule::NextTickAfter(TimePoint now) const {
  const auto elapsed = now - begin_;
  const auto ticks = elapsed / options_.interval + 1;
  return begin_ + ticks * options_.interval;
}

bool CommandSchedule::Due(TimePoint now) {
  if (!next_start_ || now < *next_start_) return false;
  if (!periodic()) {
    next_start_.reset();
    return true;
  }
  next_start_ = NextTickAfter(now);
  if (running_) {
    ++skipped_;
    return false;
  }
  return true;
}

void CommandSchedule::RunStarted(TimePoint now) {
  running_ = true;
  run_started_ = now;
  ++runs_;
  if (!periodic()) next_start_.reset();
}

void CommandSchedule::RunEnded(TimePoint now, bool success) {
  running_ = false;
  if (periodic()) return;  // the next tick is already set
  const bool restart = options_.restart == config::RestartPolicy::kAlways ||
                       (options_.restart == config::RestartPolicy::kOnFailure && !success);
  if (!restart) {
    done_ = true;
    next_start_.reset();
    return;
  }
  if (now - run_started_ >= options_.backoff_max) backoff_ = options_.backoff;
  next_start_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
}

}  // namespace agent
