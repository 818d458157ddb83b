#include "agent/inputs/command_run.h"

#include <csignal>
#include <utility>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kComponent = "exec";
constexpr int kExitFailure = 1;

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return base::StrCat(d.count() / 1000, "s");
  return base::StrCat(d.count(), "ms");
}

}  // namespace

CommandRun::CommandRun(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
                       CommandRunOptions options, OnFinished on_finished)
    : loop_(loop),
      buffer_(buffer),
      clock_(clock),
      options_(std::move(options)),
      on_finished_(std::move(on_finished)),
      child_(loop) {
  options_.output.own_on_space = false;
}

CommandRun::~CommandRun() {
  if (child_.running()) {
    // The owner stops a run before destroying it; this is the last resort.
    base::LogWarn(kComponent, base::StrCat("input ", options_.input_id, ": run ", run_id(),
                                           " destroyed while pid ", pid_, " runs; killing it"));
    Stop("input destroyed");
  }
  CloseHandles();
}

void CommandRun::CloseHandles() {
  for (auto& reader : readers_) {
    if (reader) reader->Close();
  }
  deadline_timer_.Reset();
  pipe_timer_.Reset();
  if (output_) output_->Stop();
}

bool CommandRun::StartTimer(base::UvHandle<uv_timer_t>& timer, std::chrono::milliseconds delay,
                            uv_timer_cb callback) {
  if (!timer.initialized()) {
    if (int rc = uv_timer_init(loop_, timer.get()); rc != 0) {
      base::LogError(kComponent, base::UvStatus(rc, "init timer").message());
      return false;
    }
    timer.MarkInitialized();
    timer->data = this;
  }
  if (int rc = uv_timer_start(timer.get(), callback, static_cast<uint64_t>(delay.count()), 0);
      rc != 0) {
    base::LogError(kComponent, base::UvStatus(rc, "start timer").message());
    return false;
  }
  return true;
}

bool CommandRun::Start() {
  const int64_t start = clock_.NowUnixNanos();
  SpawnOptions spawn;
  spawn.env = options_.env;
  spawn.working_directory = options_.working_directory;
  spawn.stdin_from_dev_null = true;
  base::Status spawned =
      child_.Spawn(options_.argv, spawn, [this](ChildExit exit) { OnExit(exit); });
  MakeOutput(spawned.ok() ? child_.pid() : 0);
  if (!spawned.ok()) {
    const int code = spawned.code() == base::StatusCode::kNotFound ? kExitCommandNotFound
                     : spawned.code() == base::StatusCode::kPermissionDenied
                         ? kExitCommandNotExecutable
                         : kExitFailure;
    base::LogWarn(kComponent, base::StrCat("input ", options_.input_id, ": ", spawned.message()));
    output_->TaskFailedToStart(spawned.message(), code, start);
    finished_ = true;
    return false;
  }
  pid_ = child_.pid();
  output_->TaskStarted(start);
  base::LogDebug(kComponent, base::StrCat("input ", options_.input_id, ": run ", run_id(),
                                          " started pid ", pid_));
  StartReader(TaskStream::kStdout, child_.TakeStdout());
  StartReader(TaskStream::kStderr, child_.TakeStderr());
  if (options_.timeout.count() > 0) {
    StartTimer(deadline_timer_, options_.timeout, [](uv_timer_t* timer) {
      if (auto* self = static_cast<CommandRun*>(timer->data)) self->OnTimeout();
    });
  }
  return true;
}

void CommandRun::MakeOutput(int pid) {
  TaskOutputOptions options = options_.output;
  if (pid > 0) {
    if (!options.shared_fields_json.empty()) options.shared_fields_json += ',';
    options.shared_fields_json += base::StrCat("\"process.pid\":", pid);
  }
  output_ = std::make_unique<TaskOutput>(loop_, buffer_, clock_, std::move(options));
  if (base::Status s = output_->Start([this] { ResumeReaders(); }); !s.ok()) {
    // Without its flush timer the output still appends full batches and at the end.
    base::LogError(kComponent, s.message());
  }
}

void CommandRun::StartReader(TaskStream stream, base::UvHandle<uv_pipe_t> pipe) {
  const auto i = static_cast<std::size_t>(stream);
  readers_[i] = std::make_unique<PipeReader>(
      std::move(pipe), options_.reader, PipeReader::OnBytes{},
      [this, stream](const LineSplitter::Line& line, bool partial) {
        output_->AddLine(stream, line, partial);
        if (output_->Blocked()) PauseReaders();
      },
      [this, stream](base::Status status) {
        if (!status.ok() && status.code() != base::StatusCode::kCancelled) {
          base::LogWarn(kComponent, base::StrCat("input ", options_.input_id, ": ",
                                                 TaskStreamName(stream), ": ", status.message()));
        }
        MaybeFinish();
      });
  if (base::Status s = readers_[i]->Start(); !s.ok()) {
    base::LogError(kComponent, s.message());
    readers_[i]->Close();
  }
}

void CommandRun::PauseReaders() {
  for (auto& reader : readers_) {
    if (reader && !reader->ended()) reader->Pause();
  }
}

void CommandRun::ResumeReaders() {
  for (auto& reader : readers_) {
    if (reader && !reader->ended()) reader->Resume();
  }
}

void CommandRun::OnBufferSpace() {
  if (output_) output_->OnBufferSpace();
}

void CommandRun::OnExit(ChildExit exit) {
  exit_ = exit;
  ended_at_unix_nanos_ = clock_.NowUnixNanos();
  if (deadline_timer_.initialized()) uv_timer_stop(deadline_timer_.get());
  StartTimer(pipe_timer_, kPipeGraceAfterExit, [](uv_timer_t* timer) {
    if (auto* self = static_cast<CommandRun*>(timer->data)) self->OnPipeGrace();
  });
  MaybeFinish();
}

void CommandRun::OnTimeout() {
  if (exit_ || finished_) return;
  if (!timed_out_) {
    timed_out_ = true;
    base::LogWarn(kComponent, base::StrCat("input ", options_.input_id, ": run ", run_id(),
                                           " (pid ", pid_, ") still going after timeout ",
                                           DurationText(options_.timeout), "; sending SIGTERM"));
    if (base::Status s = child_.Kill(SIGTERM); !s.ok()) base::LogWarn(kComponent, s.message());
    StartTimer(deadline_timer_, options_.stop_grace, [](uv_timer_t* timer) {
      if (auto* self = static_cast<CommandRun*>(timer->data)) self->OnTimeout();
    });
    return;
  }
  killed_ = true;
  base::LogWarn(kComponent, base::StrCat("input ", options_.input_id, ": run ", run_id(),
                                         " ignored SIGTERM for ", DurationText(options_.stop_grace),
                                         "; sending SIGKILL"));
  if (base::Status s = child_.Kill(SIGKILL); !s.ok()) base::LogWarn(kComponent, s.message());
}

void CommandRun::OnPipeGrace() {
  bool waiting = false;
  for (auto& reader : readers_) {
    if (reader && !reader->ended() && reader->paused()) waiting = true;
  }
  if (waiting) {
    // Output written before the exit, held back by a full buffer: keep reading it.
    StartTimer(pipe_timer_, kPipeGraceAfterExit, [](uv_timer_t* timer) {
      if (auto* self = static_cast<CommandRun*>(timer->data)) self->OnPipeGrace();
    });
    return;
  }
  for (auto& reader : readers_) {
    if (reader && !reader->ended()) {
      base::LogInfo(kComponent, base::StrCat("input ", options_.input_id,
                                             ": the command ended but a background process "
                                             "holds its output pipes; no longer reading them"));
      reader->Close();
    }
  }
}

void CommandRun::MaybeFinish() {
  if (!exit_ || finished_) return;
  for (auto& reader : readers_) {
    if (reader && !reader->ended()) return;
  }
  Finish();
}

void CommandRun::Finish() {
  finished_ = true;
  if (pipe_timer_.initialized()) uv_timer_stop(pipe_timer_.get());
  if (deadline_timer_.initialized()) uv_timer_stop(deadline_timer_.get());
  output_->FlushAll();
  std::string reason;
  if (timed_out_) reason = base::StrCat("timeout after ", DurationText(options_.timeout));
  output_->TaskFinished(*exit_, ended_at_unix_nanos_, reason);
  const bool success = exit_->success() && !timed_out_;
  base::LogDebug(kComponent, base::StrCat("input ", options_.input_id, ": run ", run_id(),
                                          " ended with status ", exit_->ShellStatus()));
  if (on_finished_) on_finished_(success);
}

void CommandRun::Stop(std::string_view reason) {
  if (finished_) return;
  finished_ = true;  // from here on MaybeFinish() does nothing
  if (pipe_timer_.initialized()) uv_timer_stop(pipe_timer_.get());
  if (deadline_timer_.initialized()) uv_timer_stop(deadline_timer_.get());
  std::optional<ChildExit> exit = exit_;
  const bool ran_on = !exit_.has_value();
  if (child_.running()) {
    if (base::Status s = child_.Kill(SIGTERM); !s.ok()) base::LogWarn(kComponent, s.message());
    exit = child_.WaitBlocking(options_.stop_grace);
    if (!exit && child_.running()) {
      base::LogWarn(
          kComponent,
          base::StrCat("input ", options_.input_id, ": pid ", pid_, " ignored SIGTERM for ",
                       DurationText(options_.stop_grace), "; sending SIGKILL"));
      if (base::Status s = child_.Kill(SIGKILL); !s.ok()) base::LogWarn(kComponent, s.message());
      exit = child_.WaitBlocking(kKillWait);
    }
    if (!exit) {
      base::LogError(kComponent, base::StrCat("input ", options_.input_id, ": pid ", pid_,
                                              " did not exit after SIGKILL; leaving it"));
    }
  }
  const int64_t end = exit_ ? ended_at_unix_nanos_ : clock_.NowUnixNanos();
  for (auto& reader : readers_) {
    if (!reader) continue;
    reader->ReadAvailable(kStopReadBytes);
    reader->Close();
  }
  if (!output_) return;
  output_->FlushAll();
  if (ran_on) {
    output_->TaskInterrupted(exit, end, reason);
  } else {
    output_->TaskFinished(*exit, end);
  }
}

uint64_t CommandRun::bytes_read() const {
  uint64_t n = 0;
  for (const auto& reader : readers_) {
    if (reader) n += reader->bytes_read();
  }
  return n;
}

uint64_t CommandRun::truncated_lines() const {
  if (!output_) return 0;
  return output_->counters(TaskStream::kStdout).truncated_lines +
         output_->counters(TaskStream::kStderr).truncated_lines;
}

uint64_t CommandRun::partial_lines() const {
  if (!output_) return 0;
  return output_->counters(TaskStream::kStdout).partial_lines +
         output_->counters(TaskStream::kStderr).partial_lines;
}

}  // namespace agent
