#include "config/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platforms/base/log.h"

namespace config {
namespace {

// Closes a file descriptor on every return path.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&&) = delete;
  ScopedFd& operator=(ScopedFd&&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

base::Status ReadError(std::string_view path, int errno_value) {
  return base::InvalidArgument(
      base::StrCat("cannot read secret file ", path, ": ", std::strerror(errno_value)));
}

}  // namespace

std::string ReadableByOthersMessage(std::string_view path) {
  return base::StrCat("secret file ", path, " is readable by group or others; run chmod 600 ", path,
                      " (or set allow_insecure_permissions = true in [auth])");
}

base::Result<std::string> ReadSecretFile(std::string_view path, bool* readable_by_others) {
  if (!path.starts_with('/')) {
    return base::InvalidArgument(
        "expected an absolute path after \"file:\", like \"file:/run/secrets/es_password\"");
  }
  std::string path_z(path);
  // O_NONBLOCK: a FIFO at the path must not hang start-up; it is refused below as not a
  // regular file (for regular files the flag changes nothing).
  ScopedFd fd(::open(path_z.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return ReadError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ReadError(path, errno);
  if (!S_ISREG(st.st_mode)) {
    return base::InvalidArgument(base::StrCat("secret file ", path, " is not a regular file"));
  }
  if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    if (readable_by_others == nullptr) return base::InvalidArgument(ReadableByOthersMessage(path));
    *readable_by_others = true;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxSecretFileBytes) {
    return base::InvalidArgument(base::StrCat("secret file ", path, " is larger than ",
                                              kMaxSecretFileBytes / 1024,
                                              "KiB; is it the right file?"));
  }
  std::string content(kMaxSecretFileBytes + 1, '\0');
  std::size_t used = 0;
  // Read until EOF rather than trusting st_size: files under /proc or being rewritten lie.
  while (used < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + used, content.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ReadError(path, errno);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxSecretFileBytes) {
    return base::InvalidArgument(base::StrCat("secret file ", path, " is larger than ",
                                              kMaxSecretFileBytes / 1024,
                                              "KiB; is it the right file?"));
  }
  content.resize(used);
  if (content.ends_with('\n')) {
    content.pop_back();
    if (content.ends_with('\r')) content.pop_back();
  }
  if (content.empty())
    return base::InvalidArgument(base::StrCat("secret file ", path, " is empty"));
  return content;
}

}  // namespace config
