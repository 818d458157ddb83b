#include "agent/inputs/tailed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "platforms/base/log.h"

namespace agent {

namespace {

constexpr unsigned kStatxMask = STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_BTIME;

bool HasBirthTime(const struct statx& info) { return (info.stx_mask & STATX_BTIME) != 0; }

}  // namespace

std::string FileSourceKey(const struct statx& info) {
  // st_dev's encoding, so keys match what stat(2) reports.
  const auto device = static_cast<uint64_t>(makedev(info.stx_dev_major, info.stx_dev_minor));
  std::string key = base::StrCat("dev:", device, ",ino:", static_cast<uint64_t>(info.stx_ino));
  if (HasBirthTime(info)) {
    char birth[48];
    std::snprintf(birth, sizeof(birth), ",btime:%lld.%09u",
                  static_cast<long long>(info.stx_btime.tv_sec), info.stx_btime.tv_nsec);
    key += birth;
  }
  return key;
}

int64_t BirthUnixNanos(const struct statx& info) {
  if (!HasBirthTime(info)) return 0;
  return static_cast<int64_t>(info.stx_btime.tv_sec) * 1'000'000'000 + info.stx_btime.tv_nsec;
}

base::Result<struct statx> StatxPath(const std::string& path) {
  struct statx info {};
  if (::statx(AT_FDCWD, path.c_str(), 0, kStatxMask, &info) != 0) {
    return base::ErrnoStatus(errno, base::StrCat("stat ", path));
  }
  return info;
}

base::Result<TailedFile> TailedFile::Open(std::string path, std::size_t max_line_bytes,
                                          uint32_t fingerprint_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", path));
  struct statx info {};
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMask, &info) != 0) {
    base::Status status = base::ErrnoStatus(errno, base::StrCat("stat ", path));
    ::close(fd);
    return status;
  }
  if (!S_ISREG(info.stx_mode)) {
    ::close(fd);
    return base::InvalidArgument(base::StrCat(path, " is not a regular file"));
  }
  return TailedFile(std::move(path), fd, info, max_line_bytes, fingerprint_bytes);
}

TailedFile::TailedFile(std::string path, int fd, const struct statx& info,
                       std::size_t max_line_bytes, uint32_t fingerprint_bytes)
    : path_(std::move(path)),
      fd_(fd),
      device_(makedev(info.stx_dev_major, info.stx_dev_minor)),
      inode_(info.stx_ino),
      source_key_(FileSourceKey(info)),
      has_birth_time_(HasBirthTime(info)),
      birth_unix_nanos_(BirthUnixNanos(info)),
      fingerprint_bytes_(fingerprint_bytes),
      size_at_open_(static_cast<uint64_t>(info.stx_size)),
      splitter_(max_line_bytes) {}

TailedFile::TailedFile(TailedFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      device_(other.device_),
      inode_(other.inode_),
      source_key_(std::move(other.source_key_)),
      has_birth_time_(other.has_birth_time_),
      birth_unix_nanos_(other.birth_unix_nanos_),
      fingerprint_bytes_(other.fingerprint_bytes_),
      fingerprint_(other.fingerprint_),
      size_at_open_(other.size_at_open_),
      generation_(other.generation_),
      read_offset_(other.read_offset_),
      splitter_(std::move(other.splitter_)) {}

TailedFile& TailedFile::operator=(TailedFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    device_ = other.device_;
    inode_ = other.inode_;
    source_key_ = std::move(other.source_key_);
    has_birth_time_ = other.has_birth_time_;
    birth_unix_nanos_ = other.birth_unix_nanos_;
    fingerprint_bytes_ = other.fingerprint_bytes_;
    fingerprint_ = other.fingerprint_;
    size_at_open_ = other.size_at_open_;
    generation_ = other.generation_;
    read_offset_ = other.read_offset_;
    splitter_ = std::move(other.splitter_);
  }
  return *this;
}

TailedFile::~TailedFile() {
  if (fd_ >= 0) ::close(fd_);
}

void TailedFile::StartAt(uint64_t offset, uint32_t generation) {
  generation_ = generation;
  read_offset_ = offset;
  splitter_.Reset(offset);
}

void TailedFile::Truncated() {
  StartAt(0, generation_ + 1);
  fingerprint_ = FileFingerprint{};  // the beginning was rewritten
}

void TailedFile::Release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

base::Status TailedFile::Reopen() {
  if (fd_ >= 0) return base::Status::Ok();
  int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return base::NotFound(base::StrCat(path_, " is gone"));
    return base::ErrnoStatus(errno, base::StrCat("open ", path_));
  }
  struct statx info {};
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMask, &info) != 0) {
    base::Status status = base::ErrnoStatus(errno, base::StrCat("stat ", path_));
    ::close(fd);
    return status;
  }
  if (!S_ISREG(info.stx_mode) || FileSourceKey(info) != source_key_) {
    ::close(fd);
    return base::NotFound(base::StrCat(path_, " now names another file"));
  }
  fd_ = fd;
  return base::Status::Ok();
}

base::Result<FileFingerprint> TailedFile::Fingerprint() {
  if (fingerprint_.bytes == fingerprint_bytes_ || fd_ < 0) return fingerprint_;
  base::Result<struct stat> info = Stat();
  if (!info.has_value()) return info.error();
  const auto size = static_cast<uint64_t>(info->st_size);
  const auto bytes = static_cast<uint32_t>(std::min<uint64_t>(size, fingerprint_bytes_));
  if (bytes == fingerprint_.bytes) return fingerprint_;
  base::Result<std::optional<FileFingerprint>> fingerprint = FingerprintOf(bytes);
  if (!fingerprint.has_value()) return fingerprint.error();
  // nullopt: the file shrank between fstat and pread; keep the last one.
  if (fingerprint->has_value()) fingerprint_ = **fingerprint;
  return fingerprint_;
}

base::Result<bool> TailedFile::BeginningUnchanged() const {
  if (fingerprint_.bytes == 0) return true;
  base::Result<std::optional<FileFingerprint>> now = FingerprintOf(fingerprint_.bytes);
  if (!now.has_value()) return now.error();
  return now->has_value() && **now == fingerprint_;
}

base::Result<std::optional<FileFingerprint>> TailedFile::FingerprintOf(uint32_t bytes) const {
  if (bytes == 0) return std::optional<FileFingerprint>(FileFingerprint{});
  std::string head(bytes, '\0');
  std::size_t have = 0;
  while (have < bytes) {
    ssize_t n = ::pread(fd_, head.data() + have, bytes - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::ErrnoStatus(errno, base::StrCat("read ", path_));
    if (n == 0) return std::optional<FileFingerprint>();
    have += static_cast<std::size_t>(n);
  }
  return std::optional<FileFingerprint>(FileFingerprint{XXH64(head.data(), head.size(), 0), bytes});
}

base::Result<std::size_t> TailedFile::Read(std::span<char> buffer) {
  for (;;) {
    ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(read_offset_));
    if (n >= 0) {
      read_offset_ += static_cast<uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    return base::ErrnoStatus(errno, base::StrCat("read ", path_));
  }
}

base::Result<struct stat> TailedFile::Stat() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return base::ErrnoStatus(errno, base::StrCat("fstat ", path_));
  return info;
}

bool TailedFile::SameFile(const struct stat& info) const {
  return info.st_dev == device_ && info.st_ino == inode_;
}

}  // namespace agent
