#include "agent/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "platforms/base/atomic_file.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kAgentIdFile = "agent-id";
constexpr std::string_view kLockFile = "skiff.lock";

base::Status MakeDirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string prefix = path.substr(0, i);
    if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      return base::ErrnoStatus(errno, base::StrCat("create directory ", prefix));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return base::ErrnoStatus(errno, base::StrCat("stat ", path));
  if (!S_ISDIR(st.st_mode)) return base::InvalidArgument(base::StrCat(path, " is not a directory"));
  return base::Status::Ok();
}

// A random (version 4) UUID: 128 bits from the kernel's CSPRNG.
base::Result<std::string> NewUuid() {
  std::array<unsigned char, 16> b{};
  std::size_t got = 0;
  while (got < b.size()) {
    ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::ErrnoStatus(errno, "getrandom");
    got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xF];
  }
  return out;
}

bool LooksLikeAgentId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

base::Result<std::string> LoadOrCreateAgentId(const std::string& dir, bool may_create) {
  std::string path = dir + "/" + std::string(kAgentIdFile);
  auto existing = base::ReadSmallFile(path, 4096);
  if (existing.has_value()) {
    std::string id = std::move(existing.value());
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' '))
      id.pop_back();
    if (!LooksLikeAgentId(id)) {
      return base::Corruption(base::StrCat(
          path,
          " does not hold an agent id; restore it from a backup, or delete it to start "
          "a new identity (documents then get new ids, so a resend may duplicate)"));
    }
    return id;
  }
  if (existing.error().code() != base::StatusCode::kNotFound || !may_create) {
    return std::move(existing).error();
  }
  auto id = NewUuid();
  if (!id.has_value()) return std::move(id).error();
  base::Status written = base::WriteFileAtomically(path, id.value() + "\n", 0644);
  if (!written.ok()) return written;
  base::LogInfo("agent", base::StrCat("new agent id ", id.value(), " written to ", path));
  return id;
}

// The pid text stored in an open lock file ("" when it holds none).
std::string ReadLockPid(int lock_fd) {
  std::string holder;
  std::array<char, 32> pid{};
  ssize_t n = ::pread(lock_fd, pid.data(), pid.size() - 1, 0);
  if (n > 0) holder = std::string(pid.data(), static_cast<std::size_t>(n));
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return holder;
}

}  // namespace

base::Result<std::optional<std::string>> DataDir::LockHolder(std::string_view path_view) {
  std::string lock_path(path_view);
  while (lock_path.size() > 1 && lock_path.back() == '/') lock_path.pop_back();
  lock_path += '/';
  lock_path += kLockFile;
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return base::ErrnoStatus(errno, base::StrCat("open ", lock_path));
  }
  // A shared lock conflicts only with the agent's exclusive one; it is dropped at once.
  std::optional<std::string> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    int e = errno;
    if (e != EWOULDBLOCK) {
      ::close(fd);
      return base::ErrnoStatus(e, base::StrCat("lock ", lock_path));
    }
    std::string pid = ReadLockPid(fd);
    holder = pid.empty() ? std::string("unknown") : std::move(pid);
  }
  ::close(fd);
  return holder;
}

base::Result<DataDir> DataDir::Open(std::string_view path_view, bool take_lock) {
  std::string path(path_view);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return base::InvalidArgument("data_dir is empty");
  if (take_lock) {
    base::Status made = MakeDirs(path);
    if (!made.ok()) return made.WithContext("data_dir");
  }
  int lock_fd = -1;
  if (take_lock) {
    std::string lock_path = path + "/" + std::string(kLockFile);
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", lock_path));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      std::string holder = ReadLockPid(lock_fd);
      ::close(lock_fd);
      if (e == EWOULDBLOCK) {
        return base::AlreadyExists(base::StrCat(
            "another skiff (pid ", holder.empty() ? "unknown" : holder,
            ") is running with data_dir ", path, "; stop it or give this one its own data_dir"));
      }
      return base::ErrnoStatus(e, base::StrCat("lock ", lock_path));
    }
    std::string pid_text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd, 0) == 0) {
      [[maybe_unused]] ssize_t w = ::pwrite(lock_fd, pid_text.data(), pid_text.size(), 0);
    }
  }
  auto id = LoadOrCreateAgentId(path, take_lock);
  if (!id.has_value()) {
    if (lock_fd >= 0) ::close(lock_fd);
    return std::move(id).error();
  }
  return DataDir(std::move(path), std::move(id.value()), lock_fd);
}

base::Result<DataDir> DataDir::OpenShared(std::string_view path_view) {
  std::string path(path_view);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return base::InvalidArgument("data_dir is empty");
  base::Status made = MakeDirs(path);
  if (!made.ok()) return made.WithContext("data_dir");
  auto id = LoadOrCreateAgentId(path, /*may_create=*/true);
  if (!id.has_value()) return std::move(id).error();
  return DataDir(std::move(path), std::move(id.value()), -1);
}

DataDir::DataDir(DataDir&& other) noexcept
    : path_(std::move(other.path_)),
      agent_id_(std::move(other.agent_id_)),
      lock_fd_(std::exchange(other.lock_fd_, -1)) {}

DataDir& DataDir::operator=(DataDir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    agent_id_ = std::move(other.agent_id_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string DataDir::Child(std::string_view name) const {
  std::string out = path_;
  out += '/';
  out += name;
  return out;
}

}  // namespace agent
