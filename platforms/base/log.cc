#include "platforms/base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "platforms/base/clock.h"
#include "platforms/base/json_writer.h"

namespace base {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::atomic<LogObserver> g_observer{nullptr};
std::atomic<void*> g_observer_context{nullptr};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}
}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
void SetLogFormat(LogFormat format) { g_format.store(static_cast<int>(format)); }

void SetLogObserver(LogObserver observer, void* context) {
  // A concurrent Log() loads the observer, then its context: publish the context first,
  // and withdraw the observer first.
  if (observer == nullptr) {
    g_observer.store(nullptr);
    g_observer_context.store(context);
  } else {
    g_observer_context.store(context);
    g_observer.store(observer);
  }
}
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug")
    *level = LogLevel::kDebug;
  else if (text == "info")
    *level = LogLevel::kInfo;
  else if (text == "warn")
    *level = LogLevel::kWarn;
  else if (text == "error")
    *level = LogLevel::kError;
  else
    return false;
  return true;
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  const int64_t now = RealClock().NowUnixNanos();
  std::string line;
  line.reserve(64 + component.size() + message.size());
  if (static_cast<LogFormat>(g_format.load(std::memory_order_relaxed)) == LogFormat::kJson) {
    line += "{\"@timestamp\":\"";
    AppendRfc3339Millis(line, now);
    line += "\",\"log.level\":\"";
    line += LogLevelName(level);
    line += "\",\"log.logger\":";
    AppendJsonString(line, component);
    line += ",\"message\":";
    AppendJsonString(line, message);
    line += "}\n";
  } else {
    AppendRfc3339Millis(line, now);
    line += ' ';
    line += LevelName(level);
    line += ' ';
    line += component;
    line += ": ";
    line += message;
    line += '\n';
  }
  if (LogObserver observer = g_observer.load(std::memory_order_acquire); observer != nullptr) {
    observer(g_observer_context.load(std::memory_order_acquire), level, now, component, message);
  }
  // One write(2) per line so concurrent writers do not interleave within a line.
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

namespace internal {
void AppendPiece(std::string& out, long long v) { out += std::to_string(v); }
void AppendPiece(std::string& out, unsigned long long v) { out += std::to_string(v); }
void AppendPiece(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%.3g", v);
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}
}  // namespace internal

}  // namespace base
