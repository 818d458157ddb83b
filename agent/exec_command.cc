#include "agent/exec_command.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "agent/data_dir.h"
#include "agent/exec_args.h"
#include "agent/event_format_options.h"
#include "agent/inputs/child_process.h"
#include "agent/inputs/pipe_reader.h"
#include "agent/inputs/task_output.h"
#include "agent/orphan_reaper.h"
#include "agent/run_command.h"
#include "agent/shared_fields.h"
#include "agent/shipper.h"
#include "agent/version.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kComponent = "exec";
// Signals skiff exec passes on to the command.
constexpr std::array<int, 4> kForwardedSignals = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
// After the command exits, how long its pipes may stay open (a background grandchild
// that inherited them) before skiff stops reading them and finishes the run.
constexpr std::chrono::milliseconds kPipeGraceAfterExit{2'000};
// A batch is at most this fraction of buffer.max_bytes, so it always fits in the ring.
constexpr uint64_t kBatchesPerBuffer = 4;

// Writes all of `bytes` to `fd`, waiting when it is non-blocking and full. False on an
// error (EPIPE: nobody reads skiff's output any more).
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else {
      return false;
    }
  }
  return true;
}

// Holds data_dir/exec/<run-id>/exec.lock for the run (flock, released by close at exit,
// also when the process is killed).
class RunLock {
 public:
  static base::Result<RunLock> Take(const std::string& run_dir) {
    if (::mkdir(run_dir.c_str(), 0750) != 0 && errno != EEXIST) {
      return base::ErrnoStatus(errno, base::StrCat("create directory ", run_dir));
    }
    std::string path = run_dir + "/exec.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", path));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK) {
        return base::AlreadyExists(
            base::StrCat("another skiff exec or the daemon's adoption holds ", path,
                         "; give this run its own --run-id"));
      }
      return base::ErrnoStatus(e, base::StrCat("lock ", path));
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
      [[maybe_unused]] ssize_t w = ::pwrite(fd, pid.data(), pid.size(), 0);
    }
    return RunLock(fd);
  }
  RunLock(RunLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_;
};

// The fields every event of the run carries: the agent's shared fields plus task.* and
// process.*; a --field of the same name wins.
std::string RunFields(const config::Config& config, const DataDir& data_dir, const ExecArgs& args,
                      int pid) {
  std::string out =
      RenderSharedFields(AgentIdentity{HostName(config), data_dir.agent_id(), kVersion}, "exec",
                         args.task, args.fields);
  auto user_sets = [&](std::string_view key) {
    for (const config::Field& f : args.fields) {
      if (f.key == key) return true;
    }
    return false;
  };
  auto add = [&](std::string_view key, std::string_view json_value) {
    if (user_sets(key)) return;
    if (!out.empty()) out += ',';
    base::AppendJsonString(out, key);
    out += ':';
    out += json_value;
  };
  auto json = [](std::string_view text) {
    std::string s;
    base::AppendJsonString(s, text);
    return s;
  };
  add("task.name", json(args.task));
  add("task.run_id", json(args.run_id));
  if (pid > 0) add("process.pid", std::to_string(pid));
  add("process.command_line", json(ChildProcess::CommandLine(args.command)));
  return out;
}

// One run: the child, its two readers, the task's events, the signals, the drain.
class ExecRun {
 public:
  ExecRun(uv_loop_t* loop, const config::Config& config, const DataDir& data_dir,
          const ExecArgs& args, Shipper& shipper)
      : loop_(loop),
        config_(config),
        data_dir_(data_dir),
        args_(args),
        shipper_(shipper),
        child_(loop),
        reaper_(loop) {}
  ExecRun(const ExecRun&) = delete;
  ExecRun& operator=(const ExecRun&) = delete;

  // Installs the signal handlers; the caller unblocks the signals after this.
  base::Status InstallSignals() {
    for (std::size_t i = 0; i < kForwardedSignals.size(); ++i) {
      base::UvHandle<uv_signal_t>& handle = signals_[i];
      if (int rc = uv_signal_init(loop_, handle.get()); rc != 0) {
        return base::UvStatus(rc, "signal handler");
      }
      handle.MarkInitialized();
      handle->data = this;
      if (int rc = uv_signal_start(handle.get(), &OnSignal, kForwardedSignals[i]); rc != 0) {
        return base::UvStatus(rc, "signal handler");
      }
    }
    if (int rc = uv_timer_init(loop_, grace_timer_.get()); rc != 0) {
      return base::UvStatus(rc, "init timer");
    }
    grace_timer_.MarkInitialized();
    grace_timer_->data = this;
    return base::Status::Ok();
  }

  // Spawns the command and starts reading; false when skiff itself failed (logged).
  bool Start() {
    if (base::Status s = shipper_.Start(); !s.ok()) {
      base::LogError(kComponent, s.message());
      exit_code_ = kExitFailure;
      return false;
    }
    if (::getpid() == 1) {
      base::Status s = reaper_.Start(
          [this](pid_t pid) { return child_.running() && (pid == -1 || pid == child_.pid()); });
      if (!s.ok()) base::LogWarn(kComponent, s.WithContext("reaping orphans as PID 1").message());
    }
    const int64_t start = clock_.NowUnixNanos();
    base::Status spawned = child_.Spawn(args_.command, [this](ChildExit exit) { OnExit(exit); });
    MakeTaskOutput(spawned.ok() ? child_.pid() : 0);
    if (!spawned.ok()) {
      exit_code_ = spawned.code() == base::StatusCode::kNotFound ? kExitCommandNotFound
                   : spawned.code() == base::StatusCode::kPermissionDenied
                       ? kExitCommandNotExecutable
                       : kExitFailure;
      std::fprintf(stderr, "skiff exec: %s\n", std::string(spawned.message()).c_str());
      output_->TaskFailedToStart(spawned.message(), exit_code_, start);
      StartDrain();
      return true;
    }
    output_->TaskStarted(start);
    base::LogInfo(kComponent,
                  base::StrCat("task ", args_.task, " run ", args_.run_id, ": started pid ",
                               child_.pid(), " (", ChildProcess::CommandLine(args_.command), ")"));
    StartReader(TaskStream::kStdout, child_.TakeStdout(), STDOUT_FILENO);
    StartReader(TaskStream::kStderr, child_.TakeStderr(), STDERR_FILENO);
    return true;
  }

  // Closes every handle; the loop then runs dry.
  void Close() {
    for (auto& reader : readers_) reader.reset();
    for (auto& handle : signals_) handle.Reset();
    grace_timer_.Reset();
    reaper_.Stop();
    if (output_) output_->Stop();
  }

  int exit_code() const { return exit_code_; }

 private:
  void MakeTaskOutput(int pid) {
    TaskOutputOptions options;
    options.run_id = args_.run_id;
    options.index = config_.exec.index;
    options.shared_fields_json = RunFields(config_, data_dir_, args_, pid);
    options.batch_bytes = static_cast<std::size_t>(
        std::min<uint64_t>(options.batch_bytes, config_.buffer.max_bytes / kBatchesPerBuffer));
    // [exec] format and multiline: as for [[inputs.exec]]. Checked by the config loader,
    // so Create() fails only on what it could not foresee (logged; lines stay plain).
    EventFormatOptions format =
        EventFormatOptionsFor(config_.exec.format, config_.exec.parsing, config_.exec.max_line_bytes);
    if (format.active()) {
      auto created = EventFormat::Create(std::move(format));
      if (created.has_value()) {
        format_ = std::move(created).value();
        options.format = format_.get();
      } else {
        base::LogError(kComponent, created.error().WithContext("[exec] format").message());
      }
    }
    output_ = std::make_unique<TaskOutput>(loop_, shipper_.ring(), clock_, std::move(options));
    if (base::Status s = output_->Start([this] { ResumeReaders(); }); !s.ok()) {
      base::LogError(kComponent, s.message());
    }
  }

  void StartReader(TaskStream stream, base::UvHandle<uv_pipe_t> pipe, int passthrough_fd) {
    const auto i = static_cast<std::size_t>(stream);
    PipeReaderOptions options;
    options.max_line_bytes = config_.exec.max_line_bytes;
    PipeReader::OnBytes on_bytes;
    if (!args_.quiet) {
      on_bytes = [this, i, passthrough_fd](std::string_view bytes) {
        if (passthrough_failed_[i]) return;
        if (!WriteAll(passthrough_fd, bytes)) {
          passthrough_failed_[i] = true;
          base::LogWarn(kComponent, base::ErrnoStatus(errno, "copying the command's output")
                                        .WithContext("pass-through stopped; still shipping")
                                        .message());
        }
      };
    }
    readers_[i] = std::make_unique<PipeReader>(
        std::move(pipe), options, std::move(on_bytes),
        [this, stream](const LineSplitter::Line& line, bool partial) {
          output_->AddLine(stream, line, partial);
          if (output_->Blocked()) PauseReaders();
        },
        [this, i](base::Status status) { OnReaderEnd(i, std::move(status)); });
    if (base::Status s = readers_[i]->Start(); !s.ok()) {
      base::LogError(kComponent, s.message());
      readers_[i]->Close();
    }
  }

  void PauseReaders() {
    for (auto& reader : readers_) {
      if (reader && !reader->ended()) reader->Pause();
    }
  }

  void ResumeReaders() {
    for (auto& reader : readers_) {
      if (reader && !reader->ended()) reader->Resume();
    }
  }

  void OnReaderEnd(std::size_t i, base::Status status) {
    if (!status.ok() && status.code() != base::StatusCode::kCancelled) {
      base::LogWarn(kComponent, base::StrCat(TaskStreamName(static_cast<TaskStream>(i)), ": ",
                                             status.message()));
    }
    MaybeFinish();
  }

  void OnExit(ChildExit exit) {
    exit_ = exit;
    ended_at_unix_nanos_ = clock_.NowUnixNanos();
    exit_code_ = exit.ShellStatus();
    uv_timer_start(grace_timer_.get(), &OnGraceTimer,
                   static_cast<uint64_t>(kPipeGraceAfterExit.count()), 0);
    MaybeFinish();
  }

  static void OnGraceTimer(uv_timer_t* timer) {
    auto* self = static_cast<ExecRun*>(timer->data);
    if (self == nullptr) return;
    bool waiting = false;
    for (auto& reader : self->readers_) {
      if (reader && !reader->ended() && reader->paused()) waiting = true;
    }
    if (waiting) {
      // Output the command wrote before it ended, held back by a full buffer: keep going.
      uv_timer_start(timer, &OnGraceTimer, static_cast<uint64_t>(kPipeGraceAfterExit.count()), 0);
      return;
    }
    for (auto& reader : self->readers_) {
      if (reader && !reader->ended()) {
        base::LogInfo(kComponent,
                      "the command ended but its output pipes are still open (a background "
                      "process holds them); no longer reading them");
        reader->Close();
      }
    }
  }

  void MaybeFinish() {
    if (!exit_ || finishing_) return;
    for (auto& reader : readers_) {
      if (reader && !reader->ended()) return;
    }
    finishing_ = true;
    uv_timer_stop(grace_timer_.get());
    output_->FlushAll();  // multiline events still held come before the finished event
    output_->TaskFinished(*exit_, ended_at_unix_nanos_);
    base::LogInfo(
        kComponent,
        base::StrCat("task ", args_.task, " run ", args_.run_id, ": ",
                     exit_->term_signal != 0 ? base::StrCat("killed by signal ", exit_->term_signal)
                                             : base::StrCat("exited with ", exit_->exit_status),
                     "; ", output_->counters(TaskStream::kStdout).lines, " stdout and ",
                     output_->counters(TaskStream::kStderr).lines, " stderr lines"));
    StartDrain();
  }

  void StartDrain() {
    output_->Flush();
    draining_ = true;
    shipper_.Drain(config_.exec.drain_timeout, [this] { Done(/*at_once=*/false); });
  }

  void Done(bool at_once) {
    if (done_) return;
    done_ = true;
    if (at_once) shipper_.Flush();
    const std::size_t held = output_ ? output_->HeldEvents() : 0;
    const buffer::RingStats ring = shipper_.ring().stats();
    if (held > 0 || ring.pending_batches > 0) {
      base::LogError(kComponent, base::StrCat(held, " events and ", ring.pending_batches,
                                              " batches could not be stored: the buffer is full "
                                              "(buffer.max_bytes) and Elasticsearch took nothing"));
    }
    const std::size_t left = shipper_.ring().PendingBatches();
    const transport::OutputStats& s = shipper_.output_stats();
    base::LogInfo(kComponent,
                  base::StrCat("run ", args_.run_id, ": shipped ", s.docs_delivered, " documents (",
                               s.docs_duplicate, " already present)",
                               left > 0 ? base::StrCat("; ", left,
                                                       " batch(es) stay in the buffer for a "
                                                       "skiff run daemon to ship")
                                        : std::string()));
    uv_stop(loop_);
  }

  static void OnSignal(uv_signal_t* handle, int signum) {
    if (auto* self = static_cast<ExecRun*>(handle->data)) self->HandleSignal(signum);
  }

  void HandleSignal(int signum) {
    if (child_.running()) {
      if (base::Status s = child_.Kill(signum); !s.ok()) base::LogWarn(kComponent, s.message());
      return;
    }
    if (draining_ && (signum == SIGTERM || signum == SIGINT)) {
      base::LogWarn(kComponent, base::StrCat("signal ", signum,
                                             ": stopping the drain; unshipped events stay "
                                             "in the buffer"));
      Done(/*at_once=*/true);
    }
  }

  uv_loop_t* loop_;
  const config::Config& config_;
  const DataDir& data_dir_;
  const ExecArgs& args_;
  Shipper& shipper_;
  base::RealClock clock_;
  ChildProcess child_;
  OrphanReaper reaper_;
  std::unique_ptr<EventFormat> format_;  // null: one event per line; outlives output_
  std::unique_ptr<TaskOutput> output_;
  std::array<std::unique_ptr<PipeReader>, 2> readers_;
  std::array<bool, 2> passthrough_failed_{};
  std::array<base::UvHandle<uv_signal_t>, kForwardedSignals.size()> signals_;
  base::UvHandle<uv_timer_t> grace_timer_;
  std::optional<ChildExit> exit_;
  int64_t ended_at_unix_nanos_ = 0;
  bool finishing_ = false;
  bool draining_ = false;
  bool done_ = false;
  int exit_code_ = kExitFailure;
};

int RunExec(const config::Config& config, const ExecArgs& args, sigset_t* held_signals) {
  auto data_dir = DataDir::OpenShared(config.data_dir);
  if (!data_dir.has_value()) {
    base::LogError(kComponent, data_dir.error().message());
    return kExitFailure;
  }
  const std::string exec_dir = data_dir->Child("exec");
  if (::mkdir(exec_dir.c_str(), 0750) != 0 && errno != EEXIST) {
    base::LogError(kComponent, base::ErrnoStatus(errno, "create " + exec_dir).message());
    return kExitFailure;
  }
  const std::string run_dir = base::StrCat(exec_dir, "/", args.run_id);
  auto lock = RunLock::Take(run_dir);
  if (!lock.has_value()) {
    base::LogError(kComponent, lock.error().message());
    return kExitFailure;
  }

  uv_loop_t loop;
  if (int rc = uv_loop_init(&loop); rc != 0) {
    base::LogError(kComponent, base::UvStatus(rc, "event loop").message());
    return kExitFailure;
  }
  int exit_code = kExitFailure;
  bool fully_shipped = false;
  {
    auto shipper = Shipper::Open(
        &loop, config,
        ShipperPaths{run_dir + "/ring", data_dir->Child("dead-letter"), data_dir->agent_id()});
    if (!shipper.has_value()) {
      base::LogError(kComponent, shipper.error().message());
      exit_code =
          shipper.error().code() == base::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    } else {
      ExecRun run(&loop, config, data_dir.value(), args, *shipper.value());
      base::Status installed = run.InstallSignals();
      pthread_sigmask(SIG_UNBLOCK, held_signals, nullptr);
      if (!installed.ok()) {
        base::LogError(kComponent, installed.message());
      } else if (run.Start()) {
        uv_run(&loop, UV_RUN_DEFAULT);
      }
      exit_code = run.exit_code();
      run.Close();
      fully_shipped = shipper.value()->ring().PendingBatches() == 0;
      shipper.value().reset();
    }
  }
  if (int rc = base::CloseLoop(&loop); rc != 0) {
    base::LogWarn(kComponent, base::UvStatus(rc, "closing the event loop").message());
  }
  if (fully_shipped) {
    // Everything is in Elasticsearch: the run leaves nothing behind. Still under the lock,
    // so no daemon is adopting the directory meanwhile.
    std::error_code error;
    std::filesystem::remove_all(run_dir, error);
    if (error) {
      base::LogWarn(kComponent, base::StrCat("removing ", run_dir, ": ", error.message()));
    }
  }
  return exit_code;
}

}  // namespace

int ExecCommand(const std::string& config_path, const std::vector<std::string>& args,
                bool log_level_from_cli) {
  // Signals that arrive before the handlers forward them must not kill skiff (and leave
  // the command unstarted or orphaned): hold them until then.
  sigset_t held;
  sigemptyset(&held);
  for (int s : kForwardedSignals) sigaddset(&held, s);
  pthread_sigmask(SIG_BLOCK, &held, nullptr);
  // A closed stdout must not kill skiff with SIGPIPE; the write reports EPIPE instead. The
  // command gets default dispositions back from uv_spawn.
  std::signal(SIGPIPE, SIG_IGN);

  auto parsed = ParseExecArgs(args);
  if (!parsed.has_value()) {
    std::fprintf(stderr, "skiff exec: %s\n\n%s", std::string(parsed.error().message()).c_str(),
                 kExecUsage);
    return kExitUsage;
  }
  ExecArgs exec_args = std::move(parsed).value();
  if (exec_args.help) {
    std::fputs(kExecUsage, stdout);
    return kExitOk;
  }
  if (exec_args.run_id.empty()) {
    auto id = NewRunId();
    if (!id.has_value()) {
      base::LogError(kComponent, id.error().message());
      return kExitFailure;
    }
    exec_args.run_id = std::move(id).value();
  }
  std::optional<config::Config> loaded = LoadConfigOrReport(config_path);
  if (!loaded) return kExitUsage;
  if (!log_level_from_cli) {
    base::LogLevel level;
    if (base::ParseLogLevel(loaded->log_level, &level)) base::SetLogLevel(level);
  }
  base::SetLogFormat(loaded->log_format == "json" ? base::LogFormat::kJson
                                                  : base::LogFormat::kText);
  return RunExec(*loaded, exec_args, &held);
}

}  // namespace agent
