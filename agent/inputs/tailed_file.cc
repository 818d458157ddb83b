#include "agent/inputs/tailed_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "platforms/base/log.h"

namespace agent {

std::string FileSourceKey(const struct stat& info) {
  return base::StrCat("dev:", static_cast<uint64_t>(info.st_dev),
                      ",ino:", static_cast<uint64_t>(info.st_ino));
}

base::Result<TailedFile> TailedFile::Open(std::string path, std::size_t max_line_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", path));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    base::Status status = base::ErrnoStatus(errno, base::StrCat("fstat ", path));
    ::close(fd);
    return status;
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return base::InvalidArgument(base::StrCat(path, " is not a regular file"));
  }
  return TailedFile(std::move(path), fd, info, max_line_bytes);
}

TailedFile::TailedFile(std::string path, int fd, const struct stat& info,
                       std::size_t max_line_bytes)
    : path_(std::move(path)),
      fd_(fd),
      device_(info.st_dev),
      inode_(info.st_ino),
      source_key_(FileSourceKey(info)),
      size_at_open_(static_cast<uint64_t>(info.st_size)),
      splitter_(max_line_bytes) {}

TailedFile::TailedFile(TailedFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      device_(other.device_),
      inode_(other.inode_),
      source_key_(std::move(other.source_key_)),
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

void TailedFile::Truncated() { StartAt(0, generation_ + 1); }

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
