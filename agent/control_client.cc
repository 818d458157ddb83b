#include "agent/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "config/data_dir_probe.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the descriptor when the request ends, whichever way.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
base::Status WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return base::DeadlineExceeded("the agent did not answer in time");
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return base::Status::Ok();
    if (rc < 0 && errno != EINTR) return base::ErrnoStatus(errno, "control socket");
  }
}

// "HTTP/1.1 200 OK\r\n...\r\n\r\nbody": the status and the body (Content-Length bytes
// when given, otherwise up to the end, as the server closes after answering).
base::Result<ControlResponse> ParseResponse(std::string_view raw) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string_view::npos || raw.size() < 12) {
    return base::Unavailable("the agent closed the connection without a whole response");
  }
  ControlResponse response;
  const std::string_view code = raw.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + code.size(), response.status).ec != std::errc()) {
    return base::Unavailable("malformed response from the agent");
  }
  std::string_view body = raw.substr(head_end + 4);
  const std::string_view head = raw.substr(0, head_end);
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;) {
    const std::size_t next = head.find("\r\n", at + 2);
    const std::string_view line =
        head.substr(at + 2, next == std::string_view::npos ? head.npos : next - at - 2);
    constexpr std::string_view kLength = "content-length:";
    if (line.size() > kLength.size() &&
        std::equal(kLength.begin(), kLength.end(), line.begin(),
                   [](char a, char b) { return a == (b | 0x20); })) {
      std::string_view value = line.substr(kLength.size());
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      std::size_t length = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), length).ec == std::errc()) {
        if (body.size() < length) {
          return base::Unavailable("the agent closed the connection mid-response");
        }
        body = body.substr(0, length);
      }
    }
    at = next;
  }
  response.body = std::string(body);
  return response;
}

}  // namespace

ControlClient::ControlClient(std::string_view data_dir)
    : data_dir_(data_dir), socket_path_(base::StrCat(data_dir, "/skiff.sock")) {}

base::Result<ControlResponse> ControlClient::Request(std::string_view method, std::string_view path,
                                                     std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  const base::Status no_agent =
      base::NotFound(base::StrCat("no skiff running on ", data_dir_, " (no control socket)"));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    return base::InvalidArgument(base::StrCat("control socket path too long: ", socket_path_));
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return base::ErrnoStatus(errno, "control socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR) return no_agent;
    if (errno != EAGAIN && errno != EINPROGRESS) {
      return base::ErrnoStatus(errno, base::StrCat("connecting to ", socket_path_));
    }
    if (base::Status s = WaitFor(fd.get(), POLLOUT, deadline); !s.ok()) return s;
  }

  const std::string request =
      base::StrCat(method, " ", path, " HTTP/1.1\r\nHost: skiff\r\nConnection: close\r\n",
                   "Content-Length: 0\r\n\r\n");
  for (std::size_t sent = 0; sent < request.size();) {
    if (base::Status s = WaitFor(fd.get(), POLLOUT, deadline); !s.ok()) return s;
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      if (errno == ECONNREFUSED) return no_agent;
      return base::ErrnoStatus(errno, "writing to the control socket");
    }
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char chunk[16 * 1024];
  for (;;) {
    if (base::Status s = WaitFor(fd.get(), POLLIN, deadline); !s.ok()) return s;
    const ssize_t n = ::recv(fd.get(), chunk, sizeof(chunk), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ECONNRESET) break;  // what arrived may still be whole
      return base::ErrnoStatus(errno, "reading from the control socket");
    }
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  return ParseResponse(raw);
}

base::Result<std::string> ResolveDataDir(std::string_view config_path,
                                         std::string_view data_dir_flag) {
  if (!data_dir_flag.empty()) return std::string(data_dir_flag);
  std::optional<std::string> data_dir = config::ProbeDataDir(config_path);
  if (!data_dir) {
    return base::InvalidArgument(base::StrCat("cannot find data_dir in ", config_path,
                                              " (unreadable or not TOML); pass --data-dir DIR"));
  }
  return std::move(*data_dir);
}

}  // namespace agent
