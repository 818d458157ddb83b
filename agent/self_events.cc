#include "agent/self_events.h"

#include <mutex>
#include <utility>
#include <vector>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kComponent = "self";

struct QueuedLine {
  base::LogLevel level;
  int64_t unix_nanos;
  std::string component;
  std::string message;
};

// The lines logged since the loop last took them. Process-wide and never destroyed:
// another thread may be inside Observe() after the observer is withdrawn, and the
// process's last log lines come after every SelfEvents is gone.
class LogQueue {
 public:
  static LogQueue& Get() {
    static LogQueue queue;
    return queue;
  }

  static void Observe(void* context, base::LogLevel level, int64_t unix_nanos,
                      std::string_view component, std::string_view message) {
    static_cast<LogQueue*>(context)->Add(level, unix_nanos, component, message);
  }

  // `wake` is signalled (from any thread) when a line arrives; null detaches.
  void Attach(uv_async_t* wake, base::LogLevel min_level) {
    std::lock_guard lock(mutex_);
    wake_ = wake;
    min_level_ = min_level;
    if (wake == nullptr) lines_.clear();
  }

  std::vector<QueuedLine> Take(uint64_t* dropped) {
    std::lock_guard lock(mutex_);
    *dropped = std::exchange(dropped_, 0);
    return std::exchange(lines_, {});
  }

 private:
  void Add(base::LogLevel level, int64_t unix_nanos, std::string_view component,
           std::string_view message) {
    std::lock_guard lock(mutex_);
    if (wake_ == nullptr || level < min_level_) return;
    if (lines_.size() >= SelfEvents::kMaxQueuedLines) {
      ++dropped_;
      return;
    }
    lines_.push_back(QueuedLine{level, unix_nanos, std::string(component), std::string(message)});
    uv_async_send(wake_);  // thread-safe; coalesces
  }

  std::mutex mutex_;
  uv_async_t* wake_ = nullptr;  // guarded by mutex_
  base::LogLevel min_level_ = base::LogLevel::kWarn;
  std::vector<QueuedLine> lines_;
  uint64_t dropped_ = 0;
};

}  // namespace

SelfEvents::SelfEvents(uv_loop_t* loop, const config::SelfConfig& config,
                       buffer::EventBuffer& buffer, const StatusReport& status,
                       const AgentIdentity& identity, const base::Clock& clock)
    : loop_(loop),
      config_(config),
      buffer_(buffer),
      status_(status),
      clock_(clock),
      shared_fields_json_(RenderSharedFields(identity, "self", "skiff", {})),
      source_key_(base::StrCat("self:", identity.agent_id, ":", clock.NowUnixNanos())) {}

SelfEvents::~SelfEvents() { Stop(); }

base::Status SelfEvents::Start() {
  if (!config_.ship || started_) return base::Status::Ok();
  if (int rc = uv_timer_init(loop_, timer_.get()); rc != 0) {
    return base::UvStatus(rc, "self events timer");
  }
  timer_.MarkInitialized();
  timer_->data = this;
  if (int rc = uv_async_init(loop_, wake_.get(),
                             [](uv_async_t* h) {
                               if (h->data != nullptr) {
                                 static_cast<SelfEvents*>(h->data)->AppendQueuedLines();
                               }
                             });
      rc != 0) {
    return base::UvStatus(rc, "self events wake-up");
  }
  wake_.MarkInitialized();
  wake_->data = this;
  base::LogLevel min_level = base::LogLevel::kWarn;
  base::ParseLogLevel(config_.min_level, &min_level);  // validated by the config loader
  LogQueue::Get().Attach(wake_.get(), min_level);
  base::SetLogObserver(&LogQueue::Observe, &LogQueue::Get());
  const auto interval = static_cast<uint64_t>(config_.interval.count());
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* h) {
        if (h->data != nullptr) static_cast<SelfEvents*>(h->data)->AppendStatus();
      },
      interval, interval);
  started_ = true;
  return base::Status::Ok();
}

void SelfEvents::Stop() {
  if (!started_) return;
  started_ = false;
  AppendQueuedLines();
  base::SetLogObserver(nullptr, nullptr);
  LogQueue::Get().Attach(nullptr, base::LogLevel::kError);
  timer_.Reset();
  wake_.Reset();
}

void SelfEvents::AppendStatus() {
  // Lines that found the buffer full wait for a wake-up; each tick is one, so they go at
  // most an interval after room frees up even if skiff logs nothing more.
  AppendQueuedLines();
  if (buffer_.Full()) {
    ++skipped_ticks_;
    return;
  }
  buffer::EventBatch batch;
  buffer::Event event;
  event.offset = next_offset_++;
  event.time_unix_nanos = clock_.NowUnixNanos();
  event.message = "skiff status";
  event.fields_json = "\"event.kind\":\"metric\",\"skiff.status_skipped_while_full\":";
  event.fields_json += std::to_string(skipped_ticks_);
  event.fields_json += ",\"skiff\":";
  std::string status = status_.RenderJson();
  // The HTTP answer ends with a newline; inside a bulk body it would end the document.
  while (!status.empty() && (status.back() == '\n' || status.back() == '\r')) status.pop_back();
  event.fields_json += status;
  batch.events.push_back(std::move(event));
  Append(std::move(batch));
}

void SelfEvents::AppendQueuedLines() {
  if (buffer_.Full()) return;  // the lines wait (bounded); the next tick, line or Stop() retries
  uint64_t dropped = 0;
  std::vector<QueuedLine> lines = LogQueue::Get().Take(&dropped);
  if (lines.empty() && dropped == 0) return;
  buffer::EventBatch batch;
  batch.events.reserve(lines.size() + 1);
  for (const QueuedLine& line : lines) {
    buffer::Event event;
    event.offset = next_offset_++;
    event.time_unix_nanos = line.unix_nanos;
    event.message = line.message;
    event.fields_json = "\"event.kind\":\"event\",\"log.level\":";
    base::AppendJsonString(event.fields_json, base::LogLevelName(line.level));
    event.fields_json += ",\"log.logger\":";
    base::AppendJsonString(event.fields_json, line.component);
    batch.events.push_back(std::move(event));
  }
  if (dropped > 0) {
    // Not through base::Log: this line would come straight back into the queue.
    buffer::Event event;
    event.offset = next_offset_++;
    event.time_unix_nanos = clock_.NowUnixNanos();
    event.message = base::StrCat(dropped, " of skiff's own log lines were not shipped (more than ",
                                 kMaxQueuedLines, " waiting)");
    event.fields_json = "\"event.kind\":\"event\",\"log.level\":\"warn\",\"log.logger\":\"self\"";
    batch.events.push_back(std::move(event));
  }
  Append(std::move(batch));
}

void SelfEvents::Append(buffer::EventBatch batch) {
  batch.source_key = source_key_;
  batch.index = config_.index;
  batch.shared_fields_json = shared_fields_json_;
  if (base::Status s = buffer_.Append(std::move(batch), nullptr); !s.ok()) {
    // Only while Full(), checked above; the events are lost, which this line says.
    base::LogWarn(kComponent, s.WithContext("shipping skiff's own events").message());
  }
}

}  // namespace agent
