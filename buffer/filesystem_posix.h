// PosixFilesystem: the Filesystem of a real machine (open/pwrite/pread/fdatasync/rename).
#pragma once

#include "buffer/filesystem.h"

namespace buffer {

class PosixFilesystem final : public Filesystem {
 public:
  base::Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  base::Status Rename(const std::string& from, const std::string& to) override;
  base::Status Unlink(const std::string& path) override;
  base::Result<std::vector<std::string>> List(const std::string& dir) override;
  base::Status CreateDir(const std::string& dir) override;
  base::Status SyncDir(const std::string& dir) override;
};

}  // namespace buffer
