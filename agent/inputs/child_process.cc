#include "agent/inputs/child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "platforms/base/log.h"

namespace agent {

namespace {

// The poll period of WaitBlocking(): short next to any stop grace, long enough not to spin.
constexpr std::chrono::milliseconds kWaitPollPeriod{5};

// skiff's environment with `overrides` ("NAME=value") added or replacing; the strings
// are owned by `storage`, the pointers (null-terminated) by the result.
std::vector<char*> MergedEnvironment(std::span<const std::string> overrides,
                                     std::vector<std::string>& storage) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const std::string& o : overrides) {
      if (name_of(o) == name_of(entry)) replaced = true;
    }
    if (!replaced) storage.emplace_back(entry);
  }
  storage.insert(storage.end(), overrides.begin(), overrides.end());
  std::vector<char*> out;
  out.reserve(storage.size() + 1);
  for (std::string& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

base::Status ChildProcess::Spawn(std::span<const std::string> argv, const SpawnOptions& spawn,
                                 OnExit on_exit) {
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
  if (spawn.stdin_from_dev_null) {
    stdio[0].flags = UV_IGNORE;  // libuv opens /dev/null for the first three
  } else {
    stdio[0].flags = UV_INHERIT_FD;
    stdio[0].data.fd = STDIN_FILENO;
  }
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
  std::vector<std::string> env_storage;
  std::vector<char*> env;
  if (!spawn.env.empty()) {
    env = MergedEnvironment(spawn.env, env_storage);
    options.env = env.data();
  }
  if (!spawn.working_directory.empty()) options.cwd = spawn.working_directory.c_str();
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

std::optional<ChildExit> ChildProcess::WaitBlocking(std::chrono::milliseconds limit) {
  if (!running_) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    siginfo_t info{};
    // WNOWAIT: look without reaping while libuv's handle still lists the pid; the handle
    // is closed first (uv_close takes it off libuv's list at once), then the pid reaped.
    int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc != 0 && errno == EINTR) continue;
    if (rc != 0) {
      // ECHILD: someone else reaped it; how it ended is unknown.
      base::LogWarn("exec",
                    base::ErrnoStatus(errno, base::StrCat("wait for pid ", pid_)).message());
      running_ = false;
      process_.Reset();
      return std::nullopt;
    }
    if (info.si_pid == pid_) {
      ChildExit exit;
      if (info.si_code == CLD_EXITED) {
        exit.exit_status = info.si_status;
      } else {
        exit.term_signal = info.si_status;
      }
      running_ = false;
      process_->data = nullptr;
      process_.Reset();
      [[maybe_unused]] pid_t reaped = ::waitpid(pid_, nullptr, WNOHANG);
      return exit;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kWaitPollPeriod);
  }
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
