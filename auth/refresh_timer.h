// RefreshTimer: the one-shot timer TokenCache schedules refreshes with. An interface so the
// refresh tests drive time with a fake clock instead of waiting 48 minutes; UvRefreshTimer
// is the libuv one the agent uses.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

#include "platforms/base/uv_handle.h"

namespace auth {

class RefreshTimer {
 public:
  virtual ~RefreshTimer() = default;
  // Runs `fire` once after `delay`, replacing any earlier Start().
  virtual void Start(std::chrono::milliseconds delay, std::function<void()> fire) = 0;
  virtual void Stop() = 0;
};

// A uv_timer_t that does not keep the loop alive: a pending refresh must not delay a
// graceful stop. Lives on the loop thread; `loop` must outlive it.
class UvRefreshTimer final : public RefreshTimer {
 public:
  explicit UvRefreshTimer(uv_loop_t* loop);
  UvRefreshTimer(const UvRefreshTimer&) = delete;
  UvRefreshTimer& operator=(const UvRefreshTimer&) = delete;

  void Start(std::chrono::milliseconds delay, std::function<void()> fire) override;
  void Stop() override;

 private:
  base::UvHandle<uv_timer_t> timer_;
  std::function<void()> fire_;
};

}  // namespace auth
