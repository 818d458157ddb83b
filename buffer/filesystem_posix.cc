#include "buffer/filesystem_posix.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platforms/base/log.h"

namespace buffer {
namespace {

// The one conversion of errno for the ring: disk full is a back-off, not a failure.
base::Status FsError(int err, std::string_view what, const std::string& path) {
  std::string context = base::StrCat(what, " ", path);
  if (err == ENOSPC || err == EDQUOT) {
    return base::ResourceExhausted(base::StrCat(context, ": no space left on device"));
  }
  if (err == ENOENT) return base::NotFound(base::StrCat(context, ": no such file"));
  return base::ErrnoStatus(err, context);
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;
  ~PosixFile() override { ::close(fd_); }

  base::Status Append(std::span<const std::byte> data) override {
    auto size = Size();
    if (!size) return size.error();
    return WriteAt(*size, data);
  }

  base::Status WriteAt(uint64_t offset, std::span<const std::byte> data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return FsError(errno, "write", path_);
      }
      data = data.subspan(static_cast<std::size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return base::Status::Ok();
  }

  base::Result<std::size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return FsError(errno, "read", path_);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  base::Status Sync() override {
    if (::fdatasync(fd_) != 0) return FsError(errno, "fsync", path_);
    return base::Status::Ok();
  }

  base::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return FsError(errno, "truncate", path_);
    return base::Status::Ok();
  }

  base::Result<uint64_t> Size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return FsError(errno, "stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  const int fd_;
  const std::string path_;
};

}  // namespace

base::Result<std::unique_ptr<File>> PosixFilesystem::Open(const std::string& path, OpenMode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case OpenMode::kRead:
      flags |= O_RDONLY;
      break;
    case OpenMode::kReadWrite:
      flags |= O_RDWR;
      break;
    case OpenMode::kCreateOrTruncate:
      flags |= O_RDWR | O_CREAT | O_TRUNC;
      break;
  }
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return FsError(errno, "open", path);
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
}

base::Status PosixFilesystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return FsError(errno, "rename", from);
  return base::Status::Ok();
}

base::Status PosixFilesystem::Unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return FsError(errno, "unlink", path);
  return base::Status::Ok();
}

base::Result<std::vector<std::string>> PosixFilesystem::List(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return FsError(errno, "list", dir);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

base::Status PosixFilesystem::CreateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return FsError(errno, "mkdir", dir);
  return base::Status::Ok();
}

base::Status PosixFilesystem::SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FsError(errno, "open", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FsError(err, "fsync", dir);
  return base::Status::Ok();
}

}  // namespace buffer
