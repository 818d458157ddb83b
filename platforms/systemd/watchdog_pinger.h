// WatchdogPinger: sends WATCHDOG=1 from the event loop at half the interval systemd asked
// for (WatchdogSec=). The ping runs on the loop thread, so a loop that stops turning stops
// the pings and systemd restarts the service. The timer is unreferenced: it never keeps
// the loop alive on its own.
#pragma once

#include <uv.h>

#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"
#include "platforms/systemd/service_notifier.h"

namespace systemd {

class WatchdogPinger {
 public:
  // `notifier` must outlive the pinger.
  explicit WatchdogPinger(const ServiceNotifier& notifier) : notifier_(notifier) {}

  // Starts pinging when the notifier has a watchdog interval; otherwise does nothing.
  base::Status Start(uv_loop_t* loop);
  void Stop() { timer_.Reset(); }

 private:
  static void OnTimer(uv_timer_t* timer);

  const ServiceNotifier& notifier_;
  base::UvHandle<uv_timer_t> timer_;
};

}  // namespace systemd
