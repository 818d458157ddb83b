// TailedFile: one file a FileTailInput follows: its descriptor, identity, generation,
// read position and line splitter. Policy (when to read, rotate, close) lives in
// file_tail.cc; this type only owns the per-file state and the system calls on it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <span>
#include <string>

#include "agent/line_splitter.h"
#include "platforms/base/result.h"

namespace agent {

// The identity of a file across renames and restarts: EventBatch::source_key and the
// base of its checkpoint key. Device and inode for now.
// TODO(skiff): add a fingerprint of the first bytes to survive inode reuse #fingerprint
std::string FileSourceKey(const struct stat& info);

class TailedFile {
 public:
  // Opens `path` for reading (non-blocking, so a FIFO matching a glob cannot hang the
  // loop; anything but a regular file is refused with kInvalidArgument).
  static base::Result<TailedFile> Open(std::string path, std::size_t max_line_bytes);

  TailedFile(TailedFile&& other) noexcept;
  TailedFile& operator=(TailedFile&& other) noexcept;
  TailedFile(const TailedFile&) = delete;
  TailedFile& operator=(const TailedFile&) = delete;
  ~TailedFile();

  // Positions the next read at `offset` of generation `generation`.
  void StartAt(uint64_t offset, uint32_t generation);
  // The file shrank below what was read: a new generation, read again from 0.
  void Truncated();

  // Reads the next bytes at the read position into `buffer`; 0 at end of file.
  base::Result<std::size_t> Read(std::span<char> buffer);
  // fstat of the open descriptor.
  base::Result<struct stat> Stat() const;
  // Whether `info` (a stat of some path) is this very file.
  bool SameFile(const struct stat& info) const;

  const std::string& path() const { return path_; }
  const std::string& source_key() const { return source_key_; }
  uint32_t generation() const { return generation_; }
  uint64_t read_offset() const { return read_offset_; }
  uint64_t size_at_open() const { return size_at_open_; }
  LineSplitter& splitter() { return splitter_; }
  const LineSplitter& splitter() const { return splitter_; }

 private:
  TailedFile(std::string path, int fd, const struct stat& info, std::size_t max_line_bytes);

  std::string path_;
  int fd_ = -1;  // owned
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::string source_key_;
  uint64_t size_at_open_ = 0;
  uint32_t generation_ = 0;
  uint64_t read_offset_ = 0;
  LineSplitter splitter_;
};

}  // namespace agent
