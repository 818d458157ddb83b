// OrphanReaper: when skiff exec is PID 1 (a container's entrypoint), processes orphaned by
// the command are re-parented to it and become zombies unless it waits for them. This
// reaps them on SIGCHLD without stealing the exit status of the children libuv itself
// waits for: it waits only for pids listed in /proc/self/task/*/children that
// `is_spawned` does not claim. Without /proc it falls back to waitpid(-1) once no spawned
// child is alive, which can then steal nothing.
//
// Runs on the loop thread; `loop` must outlive it.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>

#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

class OrphanReaper {
 public:
  // True for a pid libuv waits for (a child skiff spawned and has not seen exit); asked
  // with -1, whether there is any such child.
  using IsSpawned = std::function<bool(pid_t)>;

  explicit OrphanReaper(uv_loop_t* loop) : loop_(loop) {}
  OrphanReaper(const OrphanReaper&) = delete;
  OrphanReaper& operator=(const OrphanReaper&) = delete;

  base::Status Start(IsSpawned is_spawned);
  void Stop() { signal_.Reset(); }
  // One pass over the current children; also run by every SIGCHLD.
  void ReapNow();

  uint64_t reaped() const { return reaped_; }

 private:
  static void OnSignal(uv_signal_t* handle, int signum);

  uv_loop_t* loop_;
  IsSpawned is_spawned_;
  base::UvHandle<uv_signal_t> signal_;
  uint64_t reaped_ = 0;
};

}  // namespace agent
