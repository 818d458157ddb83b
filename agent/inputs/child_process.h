// ChildProcess: runs one command with uv_spawn, its stdout and stderr on pipes the caller
// reads (pipe_reader.h), stdin and the environment inherited from skiff unless
// SpawnOptions say otherwise. Used by `skiff exec` and by the daemon's [[inputs.exec]]
// (command_run.h).
//
// The exit callback runs on the loop thread once libuv has reaped the child (libuv waits
// only for the pids it spawned, so a PID-1 reaper for orphans must skip pid(); see
// orphan_reaper.h). The pipes are separate handles: they may still hold unread output
// after the exit, and a grandchild that inherited them may keep them open.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

// How a child ended.
struct ChildExit {
  int64_t exit_status = 0;  // meaningful when term_signal == 0
  int term_signal = 0;      // the signal that killed it, or 0

  // The status a shell reports, and what `skiff exec` exits with: the exit status, or
  // 128 + N when signal N killed the child.
  int ShellStatus() const {
    return term_signal != 0 ? 128 + term_signal : static_cast<int>(exit_status);
  }
  bool success() const { return term_signal == 0 && exit_status == 0; }
};

// Shell conventions for a command that could not be started.
constexpr int kExitCommandNotFound = 127;
constexpr int kExitCommandNotExecutable = 126;

// How to start a child besides its argv. The default is `skiff exec`'s: skiff's own
// environment, working directory and stdin.
struct SpawnOptions {
  // "NAME=value" entries added to skiff's environment (replacing a variable of the same
  // name). Borrowed for the Spawn() call.
  std::span<const std::string> env;
  std::string working_directory;     // empty: skiff's
  bool stdin_from_dev_null = false;  // a daemon's command must not read the daemon's stdin
};

class ChildProcess {
 public:
  using OnExit = std::function<void(ChildExit)>;

  // `loop` must outlive the child process object.
  explicit ChildProcess(uv_loop_t* loop) : loop_(loop) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Closes the handles; a child still running keeps running (Kill() it first if needed).
  ~ChildProcess() = default;

  // Starts argv[0] (searched in PATH) with `argv`. On failure the status carries the
  // errno (kNotFound for ENOENT, kPermissionDenied for EACCES) and nothing runs.
  base::Status Spawn(std::span<const std::string> argv, OnExit on_exit) {
    return Spawn(argv, SpawnOptions{}, std::move(on_exit));
  }
  base::Status Spawn(std::span<const std::string> argv, const SpawnOptions& options,
                     OnExit on_exit);

  // The pipes the child writes to; the caller takes them once, after Spawn() succeeded.
  base::UvHandle<uv_pipe_t> TakeStdout() { return std::move(stdout_); }
  base::UvHandle<uv_pipe_t> TakeStderr() { return std::move(stderr_); }

  // Sends `signum` to the child while it runs; a no-op once it has exited.
  base::Status Kill(int signum);

  // For a stop that cannot wait for the loop (agent::Input::Stop() is synchronous): blocks
  // the calling thread for at most `limit`, polling, until the child has exited, and
  // returns how it ended, or nullopt while it still runs (or was never started). Once it
  // returns an exit, the child is reaped and its process handle closed: `on_exit` never
  // runs. Use on the stop path only; the loop stands still meanwhile.
  std::optional<ChildExit> WaitBlocking(std::chrono::milliseconds limit);

  int pid() const { return pid_; }
  bool running() const { return running_; }
  // The command line as one string, arguments joined by spaces (process.command_line).
  static std::string CommandLine(std::span<const std::string> argv);

 private:
  static void OnProcessExit(uv_process_t* process, int64_t exit_status, int term_signal);

  uv_loop_t* loop_;
  base::UvHandle<uv_process_t> process_;
  base::UvHandle<uv_pipe_t> stdout_;
  base::UvHandle<uv_pipe_t> stderr_;
  OnExit on_exit_;
  int pid_ = 0;
  bool running_ = false;
};

}  // namespace agent
