// CommandRun: one run of an [[inputs.exec]] command inside the daemon: the child
// (child_process.h), a PipeReader on each of its stdout and stderr, and the run's events
// (task_output.h: "task started", every line, "task finished"), appended to the daemon's
// buffer. ExecInput (exec_input.h) starts one run at a time as its CommandSchedule says.
//
// The end of a run: once the child has exited and both pipes reached their end (or, after
// the exit, stayed open for kPipeGraceAfterExit because a background grandchild holds
// them), "task finished" is appended and `on_finished` runs. A run going longer than
// `timeout` gets SIGTERM, and SIGKILL after `stop_grace`; its finished event says why
// (event.reason).
//
// Stop() is synchronous, because agent::Input::Stop() is: SIGTERM, wait (blocking) up to
// `stop_grace`, SIGKILL, take what the pipes hold, append "task finished" with
// event.outcome "unknown" and the reason. `on_finished` is not called then.
//
// Backpressure: while the buffer is Full() (or the TaskOutput holds refused batches) the
// readers stop reading, so the command blocks on its pipe; OnBufferSpace() resumes them.
// A finished run may still hold batches the buffer refused: it stays alive (retirable()
// false) until OnBufferSpace() has appended them.
//
// Lifetime: borrows the loop, the buffer and the clock; `on_finished` may not destroy the
// run (it runs inside the run's own callbacks): the owner retires it later.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/child_process.h"
#include "agent/inputs/pipe_reader.h"
#include "agent/inputs/task_output.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct CommandRunOptions {
  std::string input_id;  // for log lines
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value", added to skiff's environment
  std::string working_directory;
  std::chrono::milliseconds timeout{0};  // 0: none
  std::chrono::milliseconds stop_grace{5'000};
  PipeReaderOptions reader;
  // run_id, index, format, batching; shared_fields_json without process.pid, which the
  // run adds once the child has one. own_on_space must be false (the daemon's inputs
  // share the buffer's slot).
  TaskOutputOptions output;
};

class CommandRun {
 public:
  // `success`: the command exited with status 0.
  using OnFinished = std::function<void(bool success)>;

  // After a command exits, how long its pipes may stay open (a background process that
  // inherited them) before the run stops reading them and finishes; as `skiff exec`.
  static constexpr std::chrono::milliseconds kPipeGraceAfterExit{2'000};
  // After SIGKILL on the stop path, how much longer Stop() waits for the exit.
  static constexpr std::chrono::milliseconds kKillWait{1'000};
  // What Stop() reads from each pipe at most: a pipe's default capacity, four times over.
  static constexpr std::size_t kStopReadBytes = 256 * 1024;

  CommandRun(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
             CommandRunOptions options, OnFinished on_finished);
  CommandRun(const CommandRun&) = delete;
  CommandRun& operator=(const CommandRun&) = delete;
  ~CommandRun();

  // Spawns the command and starts reading. False: it could not be started; a "task failed
  // to start" event was appended, the run is finished (on_finished is not called).
  bool Start();
  // Ends the run now (reload, shutdown), blocking up to stop_grace + kKillWait. A no-op on
  // a finished run.
  void Stop(std::string_view reason);
  void OnBufferSpace();

  bool finished() const { return finished_; }
  // Finished and nothing held for the buffer: the owner may destroy it.
  bool retirable() const { return finished_ && (!output_ || output_->HeldEvents() == 0); }
  const std::string& run_id() const { return options_.output.run_id; }
  int pid() const { return pid_; }
  uint64_t bytes_read() const;
  uint64_t events_appended() const { return output_ ? output_->events_appended() : 0; }
  uint64_t errors() const { return output_ ? output_->append_errors() : 0; }
  uint64_t truncated_lines() const;
  uint64_t partial_lines() const;

 private:
  void MakeOutput(int pid);
  void StartReader(TaskStream stream, base::UvHandle<uv_pipe_t> pipe);
  void PauseReaders();
  void ResumeReaders();
  void OnExit(ChildExit exit);
  void OnTimeout();
  void OnPipeGrace();
  void MaybeFinish();
  void Finish();
  void CloseHandles();
  bool StartTimer(base::UvHandle<uv_timer_t>& timer, std::chrono::milliseconds delay,
                  uv_timer_cb callback);

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  const base::Clock& clock_;
  CommandRunOptions options_;
  OnFinished on_finished_;
  ChildProcess child_;
  std::unique_ptr<TaskOutput> output_;
  std::array<std::unique_ptr<PipeReader>, 2> readers_;
  base::UvHandle<uv_timer_t> deadline_timer_;  // timeout, then SIGKILL after stop_grace
  base::UvHandle<uv_timer_t> pipe_timer_;      // pipe grace after the exit
  std::optional<ChildExit> exit_;
  int64_t ended_at_unix_nanos_ = 0;
  int pid_ = 0;
  bool timed_out_ = false;
  bool killed_ = false;
  bool finished_ = false;
};

}  // namespace agent
