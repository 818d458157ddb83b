// TailedFile: one file a FileTailInput follows: its descriptor, identity, generation,
// read position and line splitter. Policy (when to read, rotate, close) lives in
// file_tail.cc; this type only owns the per-file state and the system calls on it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "agent/line_splitter.h"
#include "platforms/base/result.h"

namespace agent {

// The identity of a file across renames and restarts: EventBatch::source_key (so part of
// every document _id) and the base of its checkpoint key. Device and inode, plus the
// birth time where the file system records one (statx STATX_BTIME: ext4, xfs, btrfs,
// tmpfs): a new file that reuses a deleted file's inode then has a new key, so its
// documents get new _ids and its position starts fresh. Where there is no birth time,
// the fingerprint kept in the checkpoint and the generation carried over a deletion tell
// the two apart (file_tail.cc).
std::string FileSourceKey(const struct statx& info);
// statx(2) of `path`, following symlinks, with the fields FileSourceKey needs.
base::Result<struct statx> StatxPath(const std::string& path);
// The birth time in `info`, nanoseconds since the epoch; 0 when the file system has none.
int64_t BirthUnixNanos(const struct statx& info);

// A hash (XXH64) of a file's first `bytes` bytes.
struct FileFingerprint {
  uint64_t hash = 0;
  uint32_t bytes = 0;
  bool operator==(const FileFingerprint&) const = default;
};

class TailedFile {
 public:
  // Opens `path` for reading (non-blocking, so a FIFO matching a glob cannot hang the
  // loop; anything but a regular file is refused with kInvalidArgument).
  // `fingerprint_bytes`: how much of the file's beginning its fingerprint covers.
  static base::Result<TailedFile> Open(std::string path, std::size_t max_line_bytes,
                                       uint32_t fingerprint_bytes = 1024);

  TailedFile(TailedFile&& other) noexcept;
  TailedFile& operator=(TailedFile&& other) noexcept;
  TailedFile(const TailedFile&) = delete;
  TailedFile& operator=(const TailedFile&) = delete;
  ~TailedFile();

  // Positions the next read at `offset` of generation `generation`.
  void StartAt(uint64_t offset, uint32_t generation);
  // The file shrank below what was read: a new generation, read again from 0.
  void Truncated();

  // Closes the descriptor (close_inactive, max_open_files) and keeps everything else: the
  // identity, read position, generation, fingerprint and the splitter's unfinished line,
  // so Reopen() continues exactly where reading stopped.
  void Release();
  // Opens the path again after Release(). kNotFound when the path is gone or names
  // another file (another device, inode or birth time): the file was rotated or deleted
  // while released and can no longer be reached here. A changed beginning (truncated and
  // rewritten in place) is left to BeginningUnchanged(), as for an open file.
  base::Status Reopen();
  bool is_open() const { return fd_ >= 0; }

  // Reads the next bytes at the read position into `buffer`; 0 at end of file.
  base::Result<std::size_t> Read(std::span<char> buffer);
  // fstat of the open descriptor.
  base::Result<struct stat> Stat() const;
  // Whether `info` (a stat of some path) is this very file.
  bool SameFile(const struct stat& info) const;

  // The fingerprint of the file's first min(size, fingerprint_bytes) bytes, for its
  // checkpoint. Read once; read again only while the file is shorter than that (and
  // open: a released file answers with the last one).
  base::Result<FileFingerprint> Fingerprint();
  // The fingerprint of exactly the first `bytes` bytes, to compare with a checkpoint's;
  // nullopt when the file is shorter.
  base::Result<std::optional<FileFingerprint>> FingerprintOf(uint32_t bytes) const;
  // Whether the first bytes are still those fingerprinted last (true when none were).
  // False after a truncation, even one the file has since outgrown.
  base::Result<bool> BeginningUnchanged() const;
  // Whether the file system records birth times (the key then includes it).
  bool has_birth_time() const { return has_birth_time_; }
  // The birth time (statx), nanoseconds since the epoch; 0 without one.
  int64_t birth_unix_nanos() const { return birth_unix_nanos_; }

  const std::string& path() const { return path_; }
  const std::string& source_key() const { return source_key_; }
  uint32_t generation() const { return generation_; }
  uint64_t read_offset() const { return read_offset_; }
  uint64_t size_at_open() const { return size_at_open_; }
  LineSplitter& splitter() { return splitter_; }
  const LineSplitter& splitter() const { return splitter_; }

 private:
  TailedFile(std::string path, int fd, const struct statx& info, std::size_t max_line_bytes,
             uint32_t fingerprint_bytes);

  std::string path_;
  int fd_ = -1;  // owned
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::string source_key_;
  bool has_birth_time_ = false;
  int64_t birth_unix_nanos_ = 0;
  uint32_t fingerprint_bytes_ = 1024;
  FileFingerprint fingerprint_;  // complete once fingerprint_.bytes == fingerprint_bytes_
  uint64_t size_at_open_ = 0;
  uint32_t generation_ = 0;
  uint64_t read_offset_ = 0;
  LineSplitter splitter_;
};

}  // namespace agent
