// CommandSchedule: when the runs of one [[inputs.exec]] command start. Pure decisions on
// times it is given, no timers and no processes, so that tests drive it with made-up
// times; ExecInput (exec_input.h) arms one timer for next_start() and reports each run's
// start and end.
//
// Two shapes:
//   - supervised (`interval` 0): the first run starts at once; when a run ends, `restart`
//     decides: "never" stops, "on-failure" starts again after a failure only, "always"
//     after every end. The wait before a restart is `backoff`, doubled after each restart
//     up to `backoff_max`; a run that lasted at least `backoff_max` counts as healthy and
//     resets the wait to `backoff` (so a crash loop slows down, a long-lived daemon that
//     dies once a day comes back after `backoff`).
//   - periodic (`interval` > 0): runs are due at begin + k * interval. A run still going
//     when the next is due makes that one skipped (counted), never overlapped; the next
//     chance is the following multiple. A loop late by several intervals (a suspended
//     host) starts one run, not a burst.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "config/config.h"

namespace agent {

struct CommandScheduleOptions {
  config::RestartPolicy restart = config::RestartPolicy::kNever;
  std::chrono::milliseconds backoff{1'000};
  std::chrono::milliseconds backoff_max{60'000};
  std::chrono::milliseconds interval{0};  // 0: supervised
};

class CommandSchedule {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit CommandSchedule(CommandScheduleOptions options) : options_(options) {
    backoff_ = options_.backoff;
  }

  // The input started at `now`: the first run is due at once.
  void Begin(TimePoint now);
  // When the next run is due, or nullopt: none is (a run is going on in supervised mode,
  // or the command is done for good).
  std::optional<TimePoint> next_start() const { return next_start_; }
  // The time next_start() named has come (`now` >= it). True: start a run now and call
  // RunStarted(). False: a run is still going; this one is skipped and next_start()
  // moves on.
  bool Due(TimePoint now);
  // A run started at `now` (a command that could not be started counts as a run that
  // started and at once ended in failure).
  void RunStarted(TimePoint now);
  // The run ended at `now`; `success`: exit status 0.
  void RunEnded(TimePoint now, bool success);

  bool running() const { return running_; }
  // Supervised: the command ended and `restart` says not to start it again.
  bool done() const { return done_; }
  uint64_t runs() const { return runs_; }
  uint64_t skipped_runs() const { return skipped_; }
  // The wait before the next restart of a supervised command.
  std::chrono::milliseconds backoff() const { return backoff_; }

 private:
  bool periodic() const { return options_.interval.count() > 0; }
  // The first begin + k * interval strictly after `now`.
  TimePoint NextTickAfter(TimePoint now) const;

  const CommandScheduleOptions options_;
  TimePoint begin_{};
  TimePoint run_started_{};
  std::optional<TimePoint> next_start_;
  std::chrono::milliseconds backoff_{};
  bool running_ = false;
  bool done_ = false;
  uint64_t runs_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace agent
