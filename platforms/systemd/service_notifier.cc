#include "platforms/systemd/service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "platforms/base/log.h"

namespace systemd {
namespace {

std::optional<uint64_t> ParseUnsigned(const char* text) {
  if (text == nullptr) return std::nullopt;
  uint64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// One line of the protocol: newlines would start a new assignment.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

ServiceNotifier ServiceNotifier::FromEnvironment(bool unset_environment) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::string path = socket != nullptr ? socket : "";
  std::optional<std::chrono::microseconds> watchdog;
  std::optional<uint64_t> usec = ParseUnsigned(std::getenv("WATCHDOG_USEC"));
  std::optional<uint64_t> pid = ParseUnsigned(std::getenv("WATCHDOG_PID"));
  // WATCHDOG_PID names the process meant to ping; absent means "the main process".
  if (usec && *usec > 0 && (!pid || *pid == static_cast<uint64_t>(::getpid()))) {
    watchdog = std::chrono::microseconds(*usec);
  }
  if (unset_environment) {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  return ServiceNotifier(std::move(path), watchdog);
}

base::Status ServiceNotifier::Notify(std::string_view state) const {
  if (!enabled()) return base::Status::Ok();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path) ||
      (socket_path_[0] != '/' && socket_path_[0] != '@')) {
    return base::InvalidArgument(
        base::StrCat("NOTIFY_SOCKET is not a usable socket path: ", socket_path_));
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());

  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::ErrnoStatus(errno, "notify socket");
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&addr), addr_len);
  int saved = errno;
  ::close(fd);
  if (sent < 0) return base::ErrnoStatus(saved, base::StrCat("notify ", socket_path_));
  return base::Status::Ok();
}

base::Status ServiceNotifier::Ready(std::string_view status) const {
  return Notify(base::StrCat("READY=1\nSTATUS=", OneLine(status)));
}

base::Status ServiceNotifier::Reloading() const {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
  return Notify(base::StrCat("RELOADING=1\nMONOTONIC_USEC=", usec, "\nSTATUS=reloading"));
}

base::Status ServiceNotifier::Stopping() const {
  return Notify("STOPPING=1\nSTATUS=stopping: shipping what is buffered");
}

base::Status ServiceNotifier::SetStatus(std::string_view status) const {
  return Notify(base::StrCat("STATUS=", OneLine(status)));
}

}  // namespace systemd
