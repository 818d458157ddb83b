#include "agent/orphan_reaper.h"

#include <dirent.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "platforms/base/log.h"

namespace agent {
namespace {

// The pids of our children, from every thread's /proc/self/task/<tid>/children (orphans
// may be re-parented to any thread of the process). False when /proc cannot tell.
bool ListChildren(std::vector<pid_t>* out) {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  bool any_file = false;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::string path = base::StrCat("/proc/self/task/", entry->d_name, "/children");
    std::FILE* f = std::fopen(path.c_str(), "re");
    if (f == nullptr) continue;
    any_file = true;
    long pid = 0;
    while (std::fscanf(f, "%ld", &pid) == 1) out->push_back(static_cast<pid_t>(pid));
    std::fclose(f);
  }
  ::closedir(tasks);
  return any_file;
}

}  // namespace

base::Status OrphanReaper::Start(IsSpawned is_spawned) {
  is_spawned_ = std::move(is_spawned);
  if (int rc = uv_signal_init(loop_, signal_.get()); rc != 0) {
    return base::UvStatus(rc, "SIGCHLD handler");
  }
  signal_.MarkInitialized();
  signal_->data = this;
  return base::UvStatus(uv_signal_start(signal_.get(), &OnSignal, SIGCHLD), "SIGCHLD handler");
}

void OrphanReaper::OnSignal(uv_signal_t* handle, int /*signum*/) {
  if (auto* self = static_cast<OrphanReaper*>(handle->data)) self->ReapNow();
}

void OrphanReaper::ReapNow() {
  std::vector<pid_t> children;
  if (ListChildren(&children)) {
    for (pid_t pid : children) {
      if (is_spawned_ && is_spawned_(pid)) continue;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) ++reaped_;
    }
    return;
  }
  // No /proc: only safe while libuv waits for nobody.
  if (is_spawned_ && is_spawned_(-1)) return;
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) ++reaped_;
}

}  // namespace agent
