// ExecRingAdopter: the `skiff run` daemon's side of `skiff exec` delivery. A `skiff exec`
// that was killed, or whose drain_timeout ran out, leaves data_dir/exec/<run-id>/ behind
// with undelivered events in its ring. At start and every [exec] adopt_interval the daemon
// looks for such directories whose exec.lock is free (so a live `skiff exec` is never
// disturbed), takes the lock, ships the ring to its end with its own output (shipper.h)
// and deletes the directory. Document ids depend only on the agent id, run id, stream and
// sequence, so events the dead process had already shipped come back 409, not twice.
//
// One directory at a time, beside the daemon's own pipeline. Stop() gives up the current
// one (its ring keeps what is left; the next start goes on) and runs the loop until the
// output has let go of it.
#pragma once

#include <uv.h>

#include <chrono>
#include <memory>
#include <string>

#include "agent/data_dir.h"
#include "agent/shipper.h"
#include "config/config.h"
#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

class ExecRingAdopter {
 public:
  // Copies `config` (a reload must not change a ring being shipped); borrows `loop` and
  // `data_dir` for its lifetime.
  ExecRingAdopter(uv_loop_t* loop, const config::Config& config, const DataDir& data_dir);
  ExecRingAdopter(const ExecRingAdopter&) = delete;
  ExecRingAdopter& operator=(const ExecRingAdopter&) = delete;
  ~ExecRingAdopter();

  base::Status Start();
  void Stop();

  uint64_t adopted() const { return adopted_; }

 private:
  static void OnTimer(uv_timer_t* timer);
  void Scan();
  // Takes `run_dir` when its lock is free; true when it is now being shipped.
  bool TryAdopt(const std::string& run_dir);
  void CheckProgress();
  void Finish(bool remove);
  void ReleaseLock();

  uv_loop_t* loop_;
  const config::Config config_;
  const DataDir& data_dir_;
  base::UvHandle<uv_timer_t> timer_;
  std::unique_ptr<Shipper> shipper_;  // the ring being shipped, or null
  std::unique_ptr<Shipper> retired_;  // shut down; destroyed on the next timer tick
  std::chrono::steady_clock::time_point next_scan_;
  std::string run_dir_;
  int lock_fd_ = -1;
  bool draining_ = false;
  bool stopped_ = false;
  uint64_t adopted_ = 0;
};

}  // namespace agent
