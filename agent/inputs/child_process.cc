#include "agent/inputs/child_process.h"

#include <unistd.h>

#include <vector>

#include "platforms/base/log.h"

namespace agent {

base::Status ChildProcess::Spawn(std::span<const std::string> argv, OnExit on_exit) {
  if (argv.empty()) return base::InvalidArgument("no command given");
  if (process_.initialized()) return base::Internal("ChildProcess::Spawn called twice");
  for (auto* pipe : {&stdout_, &stderr_}) {
    if (int rc = uv_pipe_init(loop_, pipe->get(), /*ipc=*/0); rc != 0) {
      return base::UvStatus(rc, "create pipe");
    }
    pipe->MarkInitialized();
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  // uv_spawn takes char**; it copies the strings before returning and never writes them.
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_INHERIT_FD;
  stdio[0].data.fd = STDIN_FILENO;
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = stdout_.as_stream();
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = stderr_.as_stream();

  uv_process_options_t options{};
  options.exit_cb = &OnProcessExit;
  options.file = args[0];
  options.args = args.data();
  options.stdio_count = 3;
  options.stdio = stdio;
  int rc = uv_spawn(loop_, process_.get(), &options);
  // libuv initializes the handle even when the spawn fails; it must be closed either way.
  process_.MarkInitialized();
  if (rc != 0) {
    stdout_.Reset();
    stderr_.Reset();
    std::string what = base::StrCat("cannot run ", argv[0]);
    if (rc == UV_ENOENT) return base::NotFound(base::StrCat(what, ": command not found"));
    if (rc == UV_EACCES) return base::PermissionDenied(base::StrCat(what, ": permission denied"));
    return base::UvStatus(rc, what);
  }
  process_->data = this;
  pid_ = process_->pid;
  running_ = true;
  on_exit_ = std::move(on_exit);
  return base::Status::Ok();
}

base::Status ChildProcess::Kill(int signum) {
  if (!running_) return base::Status::Ok();
  int rc = uv_process_kill(process_.get(), signum);
  if (rc == UV_ESRCH) return base::Status::Ok();  // exited; the exit callback is on its way
  return base::UvStatus(rc, base::StrCat("send signal ", signum, " to pid ", pid_));
}

std::string ChildProcess::CommandLine(std::span<const std::string> argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

void ChildProcess::OnProcessExit(uv_process_t* process, int64_t exit_status, int term_signal) {
  auto* self = static_cast<ChildProcess*>(process->data);
  if (self == nullptr) return;
  self->running_ = false;
  if (self->on_exit_) self->on_exit_(ChildExit{exit_status, term_signal});
}

}  // namespace agent
