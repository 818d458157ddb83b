#include "agent/inputs/directory_watcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "platforms/base/log.h"

namespace agent {

DirectoryWatcher::DirectoryWatcher(uv_loop_t* loop, Callback callback)
    : loop_(loop), callback_(std::move(callback)) {}

DirectoryWatcher::~DirectoryWatcher() = default;

base::Status DirectoryWatcher::Watch(const std::string& directory) {
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    return base::ErrnoStatus(errno, "watch " + directory);
  }
  auto it = watches_.find(directory);
  if (it != watches_.end()) {
    if (it->second->device == info.st_dev && it->second->inode == info.st_ino) {
      return base::Status::Ok();
    }
    watches_.erase(it);
  }
  auto entry = std::make_unique<Entry>();
  entry->owner = this;
  entry->directory = directory;
  entry->device = info.st_dev;
  entry->inode = info.st_ino;
  int rc = uv_fs_event_init(loop_, entry->handle.get());
  if (rc != 0) return base::UvStatus(rc, "watch " + directory);
  entry->handle.MarkInitialized();
  entry->handle->data = entry.get();
  rc = uv_fs_event_start(entry->handle.get(), &OnEvent, directory.c_str(), 0);
  if (rc != 0) return base::UvStatus(rc, "watch " + directory);
  watches_.emplace(directory, std::move(entry));
  return base::Status::Ok();
}

void DirectoryWatcher::Unwatch(const std::string& directory) {
  auto it = watches_.find(directory);
  if (it != watches_.end()) watches_.erase(it);  // ~UvHandle stops and closes the watch
}

void DirectoryWatcher::OnEvent(uv_fs_event_t* handle, const char* filename, int events,
                               int status) {
  auto* entry = static_cast<Entry*>(handle->data);
  if (entry == nullptr) return;
  // Copy what the callback needs: it may Unwatch() this very directory.
  DirectoryWatcher* owner = entry->owner;
  const std::string directory = entry->directory;
  if (status != 0) {
    base::LogWarn("file_tail", base::UvStatus(status, "notifications for " + directory).ToString());
    owner->callback_(directory, {}, Change::kEntries);
    return;
  }
  std::string_view name = filename != nullptr ? std::string_view(filename) : std::string_view();
  Change change = (events & UV_RENAME) != 0 ? Change::kEntries : Change::kContent;
  owner->callback_(directory, name, change);
}

}  // namespace agent
