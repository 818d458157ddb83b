#include "platforms/metrics/unix_socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "platforms/base/log.h"

namespace metrics {
namespace {

// True when a process accepts connections on the socket at `path`. A refused connection
// is a stale file; anything else (accepted, or a full backlog) means someone is there.
bool SomeoneListens(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int error = rc == 0 ? 0 : errno;
  ::close(fd);
  return rc == 0 || (error != ECONNREFUSED && error != ENOENT);
}

}  // namespace

base::Status ClaimUnixSocketPath(std::string_view path) {
  std::string path_z(path);
  if (path_z.empty() || path_z.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return base::InvalidArgument(base::StrCat("socket path ", path, " must be 1 to ",
                                              sizeof(sockaddr_un{}.sun_path) - 1, " bytes"));
  }
  struct stat st {};
  if (::lstat(path_z.c_str(), &st) != 0) {
    if (errno == ENOENT) return base::Status::Ok();
    return base::ErrnoStatus(errno, base::StrCat("stat ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return base::AlreadyExists(base::StrCat(path, " exists and is not a socket; not replacing it"));
  }
  if (SomeoneListens(path_z)) {
    return base::AlreadyExists(
        base::StrCat("another process is listening on ", path, " (is skiff already running?)"));
  }
  if (::unlink(path_z.c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoStatus(errno, base::StrCat("remove stale socket ", path));
  }
  base::LogInfo("metrics", base::StrCat("replaced a stale socket left by an earlier run: ", path));
  return base::Status::Ok();
}

}  // namespace metrics
