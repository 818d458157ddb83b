// Filesystem: the few file operations the ring needs, behind one interface so tests can
// run the ring over an in-memory filesystem that loses unsynced bytes and fails on demand
// (tests/buffer/fake_filesystem.h). filesystem_posix.h is the real one.
//
// Errors come back as statuses: ENOSPC as kResourceExhausted, other OS errors as kIoError,
// a missing file as kNotFound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"

namespace buffer {

// An open file. Not thread-safe; used from the loop thread only.
class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at the end of the file. On error some prefix may have been written.
  virtual base::Status Append(std::span<const std::byte> data) = 0;
  // Writes all of `data` at `offset`.
  virtual base::Status WriteAt(uint64_t offset, std::span<const std::byte> data) = 0;
  // Reads up to out.size() bytes at `offset`; returns how many were read (short at EOF).
  virtual base::Result<std::size_t> ReadAt(uint64_t offset, std::span<std::byte> out) = 0;
  // Makes everything written so far survive a crash (fdatasync).
  virtual base::Status Sync() = 0;
  virtual base::Status Truncate(uint64_t size) = 0;
  virtual base::Result<uint64_t> Size() = 0;
};

class Filesystem {
 public:
  enum class OpenMode {
    kRead,              // existing file, read only
    kReadWrite,         // existing file
    kCreateOrTruncate,  // new empty file (replaces an existing one)
  };

  virtual ~Filesystem() = default;

  virtual base::Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  virtual base::Status Rename(const std::string& from, const std::string& to) = 0;
  virtual base::Status Unlink(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..", in no order.
  virtual base::Result<std::vector<std::string>> List(const std::string& dir) = 0;
  // Creates `dir` (one level) if it does not exist.
  virtual base::Status CreateDir(const std::string& dir) = 0;
  // Makes renames, creations and unlinks in `dir` survive a crash.
  virtual base::Status SyncDir(const std::string& dir) = 0;
};

// Reads the whole file at `path` into `out` (cleared first; capacity reused).
base::Status ReadWholeFile(Filesystem& fs, const std::string& path, std::vector<std::byte>& out);

// Replaces `path` with `contents`: `path`.tmp, sync, rename, sync of `dir`.
base::Status WriteFileAtomically(Filesystem& fs, const std::string& dir, const std::string& path,
                                 std::span<const std::byte> contents);

}  // namespace buffer
