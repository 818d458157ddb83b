// DataDir: skiff's state directory (DESIGN contracts: `data_dir`, default /var/lib/skiff).
//
// Opening it creates the directory if missing, takes `skiff.lock` (one agent per data_dir:
// two writers would corrupt the checkpoints and the ring), and reads or creates `agent-id`,
// the identity that goes into every document and every document `_id`. The lock is held
// until the DataDir is destroyed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace agent {

class DataDir {
 public:
  // `take_lock` false opens the directory for read-only tools while no agent runs.
  static base::Result<DataDir> Open(std::string_view path, bool take_lock);
  // For a process that works beside the agent on its own part of the directory (`skiff
  // exec` in exec/<run-id>/): creates the directory and the agent id if missing, like the
  // agent does, but does not take skiff.lock.
  static base::Result<DataDir> OpenShared(std::string_view path);

  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&& other) noexcept;
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  ~DataDir();

  // The pid (as written in the lock file; "unknown" when it holds none) of the process that
  // holds `path`/skiff.lock, or nullopt when no process does. Creates nothing: a missing
  // data_dir or lock file means no agent runs. A point-in-time answer for offline tools
  // (`skiff buffer`): an agent may start right after it.
  static base::Result<std::optional<std::string>> LockHolder(std::string_view path);

  const std::string& path() const { return path_; }
  const std::string& agent_id() const { return agent_id_; }
  // A path inside the data directory: Child("checkpoints") -> "/var/lib/skiff/checkpoints".
  std::string Child(std::string_view name) const;

 private:
  DataDir(std::string path, std::string agent_id, int lock_fd)
      : path_(std::move(path)), agent_id_(std::move(agent_id)), lock_fd_(lock_fd) {}

  std::string path_;
  std::string agent_id_;
  int lock_fd_ = -1;  // holds flock(LOCK_EX) while open
};

}  // namespace agent
