// ServiceNotifier: tells the service manager how skiff is doing, with the sd_notify
// protocol (one datagram per state change on the Unix socket named by $NOTIFY_SOCKET).
// The protocol is small and stable, so skiff speaks it directly and needs no libsystemd.
//
// Outside systemd (no $NOTIFY_SOCKET) every call is a no-op. With `WatchdogSec=` set in
// the unit, systemd passes $WATCHDOG_USEC (and $WATCHDOG_PID); the agent pings at half that
// interval from its event loop, so a wedged loop gets the process restarted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/status.h"

namespace systemd {

class ServiceNotifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID. With `unset_environment`, the
  // variables are removed so that child processes (skiff exec's commands) do not inherit
  // them and talk to systemd in skiff's name.
  static ServiceNotifier FromEnvironment(bool unset_environment);
  // A notifier for `socket_path` ("" = disabled); "@name" is an abstract socket.
  explicit ServiceNotifier(std::string socket_path,
                           std::optional<std::chrono::microseconds> watchdog = std::nullopt)
      : socket_path_(std::move(socket_path)), watchdog_(watchdog) {}

  bool enabled() const { return !socket_path_.empty(); }
  // The interval systemd expects pings at (WatchdogSec=), when enabled for this process.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  // Sends `state`, newline-separated KEY=VALUE assignments ("READY=1\nSTATUS=running").
  base::Status Notify(std::string_view state) const;

  base::Status Ready(std::string_view status) const;
  // Reloading carries MONOTONIC_USEC, which systemd 253+ requires for Type=notify-reload.
  base::Status Reloading() const;
  base::Status Stopping() const;
  base::Status SetStatus(std::string_view status) const;
  base::Status WatchdogPing() const { return Notify("WATCHDOG=1"); }

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace systemd
