#include "platforms/systemd/watchdog_pinger.h"

#include <algorithm>
#include <chrono>

#include "platforms/base/log.h"

namespace systemd {

base::Status WatchdogPinger::Start(uv_loop_t* loop) {
  auto interval = notifier_.watchdog_interval();
  if (!interval) return base::Status::Ok();
  auto every = std::max<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2),
      std::chrono::milliseconds(1));
  if (int rc = uv_timer_init(loop, timer_.get()); rc != 0) {
    return base::UvStatus(rc, "watchdog timer");
  }
  timer_.MarkInitialized();
  timer_->data = this;
  auto ms = static_cast<uint64_t>(every.count());
  if (int rc = uv_timer_start(timer_.get(), &OnTimer, 0, ms); rc != 0) {
    return base::UvStatus(rc, "watchdog timer");
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_.get()));
  return base::Status::Ok();
}

void WatchdogPinger::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<WatchdogPinger*>(timer->data);
  if (self == nullptr) return;
  if (base::Status s = self->notifier_.WatchdogPing(); !s.ok()) {
    base::LogWarn("systemd", s.WithContext("watchdog ping").message());
  }
}

}  // namespace systemd
