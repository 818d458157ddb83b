// DirectoryWatcher: file-system notifications (inotify, through libuv's uv_fs_event) for
// the directories a file input reads, so a new file is opened and an append is read as
// soon as it happens rather than at the next scan or poll. Under rename rotation every
// 50 ms, waiting for a 10 s scan would miss whole files; with notifications the new file
// is opened within a loop turn, and an open descriptor keeps it readable through later
// renames and deletion.
//
// Notifications are a fast path, never the only path: a file system without them (NFS,
// FUSE), an exhausted fs.inotify.max_user_watches, or an event the kernel dropped under
// load are all covered by the input's periodic poll and scan. Watch() reports a failure
// so the input can log it once and keep polling.
//
// Loop thread only. The callback runs on the loop and may call Watch() and Unwatch(),
// including for the directory being reported.
#pragma once

#include <sys/stat.h>
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

class DirectoryWatcher {
 public:
  enum class Change {
    kEntries,  // a name appeared, disappeared or was renamed (create, delete, move)
    kContent,  // a file's data or attributes changed (write, truncate, chmod)
  };
  // `name` is the entry's name within `directory`; empty when the kernel did not say
  // (an overflowed queue): treat it as "anything in this directory may have changed".
  using Callback =
      std::function<void(const std::string& directory, std::string_view name, Change change)>;

  // `loop` must outlive the watcher.
  DirectoryWatcher(uv_loop_t* loop, Callback callback);
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;
  ~DirectoryWatcher();

  // Starts watching `directory` (not recursively). Watching it again is a no-op unless the
  // directory was replaced (deleted and made again: inotify dropped the old watch), in
  // which case the watch is renewed.
  base::Status Watch(const std::string& directory);
  void Unwatch(const std::string& directory);
  bool watching(const std::string& directory) const { return watches_.contains(directory); }
  std::size_t size() const { return watches_.size(); }

 private:
  struct Entry {
    DirectoryWatcher* owner = nullptr;
    std::string directory;
    dev_t device = 0;  // of the directory when the watch began
    ino_t inode = 0;
    base::UvHandle<uv_fs_event_t> handle;
  };

  static void OnEvent(uv_fs_event_t* handle, const char* filename, int events, int status);

  uv_loop_t* loop_;
  Callback callback_;
  // unique_ptr: libuv holds a pointer to each Entry (handle->data) while it is watched.
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> watches_;
};

}  // namespace agent
