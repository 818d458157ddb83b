// ExecInput: [[inputs.exec]], a command the daemon runs, supervised or periodic, its
// output and outcome shipped like `skiff exec`'s (docs/exec-input.md). Each run is a
// CommandRun (command_run.h) with its own run id: "task started", one event per line
// (or per assembled event with `format`/`multiline`), "task finished" with the exit code,
// duration and line counts, all appended to the daemon's buffer. When runs start is the
// CommandSchedule's decision (command_schedule.h): restart policy with backoff, or a
// fixed interval without overlap. One run at a time.
//
// Document ids: each run's sources are "exec/<run_id>/stdout|stderr|task" with the
// sequence within the source as offset (task_output.h), the scheme of `skiff exec`; run
// ids are fresh random ids, so two runs never share an id and a batch resent from the
// ring after a crash keeps its own.
//
// Stop() (reload, shutdown) ends the running command: SIGTERM, up to stop_grace, SIGKILL,
// and its "task finished" event with event.outcome "unknown". It blocks the loop for at
// most stop_grace + 1 s. The command is not started again until the input is.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/command_run.h"
#include "agent/inputs/command_schedule.h"
#include "agent/inputs/event_assembler.h"
#include "agent/inputs/input.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct ExecInputOptions {
  std::string id;
  std::string task;  // task.name, for log lines
  CommandScheduleOptions schedule;
  // Everything but output.run_id (set per run). output.shared_fields_json holds the
  // shared fields plus task.name and process.command_line; each run adds task.run_id and
  // process.pid.
  CommandRunOptions run;
  EventFormatOptions format;  // inactive: one event per line
  // A fresh run id per run (agent/exec_args.h NewRunId()); a test seam.
  std::function<base::Result<std::string>()> new_run_id;
};

class ExecInput final : public Input {
 public:
  // Borrows `loop`, `buffer` and `clock` for its lifetime.
  ExecInput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
            ExecInputOptions options);
  ExecInput(const ExecInput&) = delete;
  ExecInput& operator=(const ExecInput&) = delete;
  ~ExecInput() override;

  base::Status Start() override;
  void Stop() override;
  std::string_view id() const override { return options_.id; }
  std::string_view type() const override { return "exec"; }
  InputStats stats() const override;
  void OnBufferSpace() override;

  const CommandSchedule& schedule() const { return schedule_; }
  // Runs that ended (finished events appended), since Start().
  uint64_t runs_finished() const { return runs_finished_; }
  bool running() const { return current_ != nullptr; }

 private:
  static void OnTimer(uv_timer_t* timer);
  void Tick();
  void StartRun();
  void OnRunFinished(bool success);
  void ArmTimer();
  void Retire(bool all);
  void AddToTotals(const CommandRun& run);

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  const base::Clock& clock_;
  ExecInputOptions options_;
  CommandSchedule schedule_;
  std::unique_ptr<EventFormat> format_;  // null: one event per line
  base::UvHandle<uv_timer_t> timer_;
  std::unique_ptr<CommandRun> current_;
  // Ended runs not destroyed yet: they ended inside their own callbacks, or still hold
  // batches a Full() buffer refused.
  std::vector<std::unique_ptr<CommandRun>> ended_;
  InputStats totals_;  // of destroyed runs
  uint64_t runs_finished_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace agent
