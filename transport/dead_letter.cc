#include "transport/dead_letter.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace transport {
namespace {

constexpr std::string_view kPrefix = "dead-letter-";
constexpr std::string_view kSuffix = ".ndjson";

base::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", dir));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return base::ErrnoStatus(err, base::StrCat("fsync ", dir));
  return base::Status::Ok();
}

}  // namespace

DeadLetterWriter::DeadLetterWriter(Options options, const base::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (fd_ >= 0) ::close(fd_);
}

base::Status DeadLetterWriter::Open() {
  if (::mkdir(options_.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return base::ErrnoStatus(errno, base::StrCat("create ", options_.dir));
  }
  DIR* dir = ::opendir(options_.dir.c_str());
  if (dir == nullptr) return base::ErrnoStatus(errno, base::StrCat("open ", options_.dir));
  total_bytes_ = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) continue;
    struct stat st {};
    std::string path = base::StrCat(options_.dir, "/", name);
    if (::stat(path.c_str(), &st) == 0) total_bytes_ += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(dir);
  opened_ = true;
  return base::Status::Ok();
}

base::Status DeadLetterWriter::OpenFileFor(int64_t unix_nanos) {
  std::string stamp;
  base::AppendRfc3339Millis(stamp, unix_nanos);
  std::string date = stamp.substr(0, 10);
  if (fd_ >= 0 && date == file_date_) return base::Status::Ok();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  std::string path = base::StrCat(options_.dir, "/", kPrefix, date, kSuffix);
  bool existed = ::access(path.c_str(), F_OK) == 0;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", path));
  fd_ = fd;
  file_date_ = date;
  if (!existed) return FsyncDir(options_.dir);  // the new name must survive a crash too
  return base::Status::Ok();
}

base::Status DeadLetterWriter::Write(std::span<const DeadLetter> letters) {
  if (letters.empty()) return base::Status::Ok();
  if (!opened_) {
    if (base::Status s = Open(); !s.ok()) return s;
  }
  int64_t now = clock_.NowUnixNanos();
  scratch_.clear();
  for (const DeadLetter& d : letters) {
    scratch_.append("{\"@timestamp\":");
    base::AppendJsonTimestamp(scratch_, now);
    scratch_.append(",\"index\":");
    base::AppendJsonString(scratch_, d.index);
    scratch_.append(",\"status\":").append(std::to_string(d.status));
    scratch_.append(",\"error\":{\"type\":");
    base::AppendJsonString(scratch_, d.error_type);
    scratch_.append(",\"reason\":");
    base::AppendJsonString(scratch_, d.error_reason);
    scratch_.append("},\"document\":");
    scratch_.append(d.document.empty() ? std::string_view("null") : d.document);
    scratch_.append("}\n");
  }
  if (total_bytes_ + scratch_.size() > options_.max_total_bytes) {
    dropped_ += letters.size();
    base::LogError("transport",
                   base::StrCat("dead-letter directory ", options_.dir, " is at its cap of ",
                                options_.max_total_bytes, " bytes: ", letters.size(),
                                " rejected documents NOT kept (", dropped_,
                                " so far); clear old dead-letter files or raise the cap"));
    return base::Status::Ok();
  }
  if (base::Status s = OpenFileFor(now); !s.ok()) return s;
  std::string_view rest = scratch_;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd_);  // the next Write reopens; a partial line is followed by a full one
      fd_ = -1;
      return base::ErrnoStatus(err, base::StrCat("write dead letters to ", options_.dir));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd_) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    return base::ErrnoStatus(err, base::StrCat("fsync dead letters in ", options_.dir));
  }
  total_bytes_ += scratch_.size();
  written_ += letters.size();
  return base::Status::Ok();
}

}  // namespace transport
