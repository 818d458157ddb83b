#include "agent/inputs/exec_input.h"

#include <algorithm>
#include <utility>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kComponent = "exec";
constexpr std::string_view kStopReason = "skiff stopped the input (reload or shutdown)";

}  // namespace

ExecInput::ExecInput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
                     ExecInputOptions options)
    : loop_(loop),
      buffer_(buffer),
      clock_(clock),
      options_(std::move(options)),
      schedule_(options_.schedule) {}

ExecInput::~ExecInput() { Stop(); }

base::Status ExecInput::Start() {
  if (started_) return base::Internal("ExecInput started twice");
  if (options_.run.argv.empty()) return base::InvalidArgument("no command");
  if (!options_.new_run_id) return base::InvalidArgument("no run id source");
  if (options_.format.active()) {
    auto format = EventFormat::Create(options_.format);
    if (!format.has_value()) return std::move(format).error();
    format_ = std::move(format).value();
  }
  if (int rc = uv_timer_init(loop_, timer_.get()); rc != 0) {
    return base::UvStatus(rc, "init timer");
  }
  timer_.MarkInitialized();
  timer_->data = this;
  started_ = true;
  schedule_.Begin(clock_.Now());
  ArmTimer();
  return base::Status::Ok();
}

void ExecInput::Stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.Reset();
  if (current_) {
    current_->Stop(kStopReason);
    ++runs_finished_;
    ended_.push_back(std::move(current_));
  }
  Retire(/*all=*/true);
}

void ExecInput::OnTimer(uv_timer_t* timer) {
  if (auto* self = static_cast<ExecInput*>(timer->data)) self->Tick();
}

void ExecInput::Tick() {
  Retire(/*all=*/false);
  const auto now = clock_.Now();
  const std::optional<CommandSchedule::TimePoint> next = schedule_.next_start();
  if (next && now >= *next) {
    if (schedule_.Due(now)) {
      StartRun();
    } else if (schedule_.running()) {
      base::LogWarn(kComponent, base::StrCat("input ", options_.id,
                                             ": run skipped, the previous "
                                             "one is still going (",
                                             schedule_.skipped_runs(), " skipped so far)"));
    }
  }
  ArmTimer();
}

void ExecInput::StartRun() {
  base::Result<std::string> run_id = options_.new_run_id();
  const auto now = clock_.Now();
  if (!run_id.has_value()) {
    // Without an id there are no document ids: count it as a failed run, try again later.
    base::LogError(kComponent, base::StrCat("input ", options_.id, ": ",
                                            run_id.error().WithContext("new run id").message()));
    ++totals_.errors;
    schedule_.RunStarted(now);
    schedule_.RunEnded(now, /*success=*/false);
    return;
  }
  CommandRunOptions run_options = options_.run;
  run_options.input_id = options_.id;
  run_options.output.run_id = run_id.value();
  run_options.output.format = format_.get();
  std::string& fields = run_options.output.shared_fields_json;
  if (!fields.empty()) fields += ',';
  fields += "\"task.run_id\":";
  base::AppendJsonString(fields, run_id.value());
  auto run = std::make_unique<CommandRun>(loop_, buffer_, clock_, std::move(run_options),
                                          [this](bool success) { OnRunFinished(success); });
  schedule_.RunStarted(now);
  if (run->Start()) {
    current_ = std::move(run);
    return;
  }
  ++totals_.errors;
  ++runs_finished_;
  ended_.push_back(std::move(run));
  schedule_.RunEnded(now, /*success=*/false);
  if (!schedule_.done() && schedule_.next_start()) {
    base::LogInfo(kComponent, base::StrCat("input ", options_.id, ": trying again in ",
                                           schedule_.backoff().count(), "ms"));
  }
}

void ExecInput::OnRunFinished(bool success) {
  // Inside the run's own callbacks: it is destroyed later (Retire), not here.
  ++runs_finished_;
  ended_.push_back(std::move(current_));
  const auto now = clock_.Now();
  const std::chrono::milliseconds backoff = schedule_.backoff();
  schedule_.RunEnded(now, success);
  if (options_.schedule.interval.count() == 0) {
    if (schedule_.done()) {
      base::LogInfo(kComponent, base::StrCat("input ", options_.id, ": command ended (",
                                             success ? "success" : "failure",
                                             "); restart policy says not to start it again"));
    } else {
      base::LogInfo(kComponent, base::StrCat("input ", options_.id, ": command ended (",
                                             success ? "success" : "failure", "); restarting in ",
                                             backoff.count(), "ms"));
    }
  }
  if (!stopped_) ArmTimer();
}

void ExecInput::ArmTimer() {
  if (stopped_ || !timer_.initialized()) return;
  std::chrono::milliseconds delay{0};
  if (const auto next = schedule_.next_start()) {
    delay = std::max(std::chrono::milliseconds{0},
                     std::chrono::ceil<std::chrono::milliseconds>(*next - clock_.Now()));
  } else if (std::none_of(ended_.begin(), ended_.end(),
                          [](const auto& run) { return run->retirable(); })) {
    // A run is going (its end re-arms), or the command is done; runs holding batches for
    // a Full() buffer are retired from OnBufferSpace().
    uv_timer_stop(timer_.get());
    return;
  }
  if (int rc = uv_timer_start(timer_.get(), &OnTimer, static_cast<uint64_t>(delay.count()), 0);
      rc != 0) {
    base::LogError(
        kComponent,
        base::UvStatus(rc, base::StrCat("input ", options_.id, ": start timer")).message());
  }
}

void ExecInput::Retire(bool all) {
  for (auto it = ended_.begin(); it != ended_.end();) {
    CommandRun& run = **it;
    if (!all && !run.retirable()) {
      ++it;
      continue;
    }
    if (!run.retirable()) {
      // Stopping while the buffer is full: the batches it refused cannot wait any longer.
      base::LogError(kComponent, base::StrCat("input ", options_.id, ": run ", run.run_id(),
                                              ": events not buffered at stop, the buffer is "
                                              "full (buffer.max_bytes)"));
      ++totals_.errors;
    }
    AddToTotals(run);
    it = ended_.erase(it);
  }
}

void ExecInput::AddToTotals(const CommandRun& run) {
  totals_.events += run.events_appended();
  totals_.bytes += run.bytes_read();
  totals_.errors += run.errors();
  totals_.truncated_lines += run.truncated_lines();
  totals_.partial_lines += run.partial_lines();
}

InputStats ExecInput::stats() const {
  InputStats s = totals_;
  auto add = [&s](const CommandRun& run) {
    s.events += run.events_appended();
    s.bytes += run.bytes_read();
    s.errors += run.errors();
    s.truncated_lines += run.truncated_lines();
    s.partial_lines += run.partial_lines();
  };
  if (current_) add(*current_);
  for (const auto& run : ended_) add(*run);
  if (format_) {
    const EventFormatCounters& c = format_->counters();
    s.json_failures = c.json_failures;
    s.timestamp_failures = c.timestamp_failures;
    s.multiline_cut = c.multiline_cut;
    s.multiline_timed_out = c.multiline_timed_out;
  }
  return s;
}

void ExecInput::OnBufferSpace() {
  if (current_) current_->OnBufferSpace();
  for (auto& run : ended_) run->OnBufferSpace();
  // Not inside any run's callback here: ended runs with nothing held can go.
  if (!stopped_) Retire(/*all=*/false);
}

}  // namespace agent
