// skiff's own log lines, written to stderr, one line each:
//   2026-11-22T09:12:03.123Z WARN transport: bulk request failed: 503, retrying in 1.2 s
// or, with LogFormat::kJson (`log_format = "json"`), one ECS-shaped JSON object each:
//   {"@timestamp":"2026-11-22T09:12:03.123Z","log.level":"warn","log.logger":"transport",
//    "message":"bulk request failed: 503, retrying in 1.2 s"}
// Secrets never go into a log line: callers log names and sizes, not values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace base {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below `level` are not written. Default: kInfo. Set once at start-up.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug" | "info" | "warn" | "error".
bool ParseLogLevel(std::string_view text, LogLevel* level);

enum class LogFormat { kText, kJson };
// Set once at start-up (and by a reload); default kText.
void SetLogFormat(LogFormat format);

// Sees every line that is written (after the level filter), from whichever thread logs
// it, so it must be thread-safe and must not log itself (its lines would come back to
// it). `context` must live as long as the process: a thread may still be inside the
// observer after it is withdrawn. Used by the agent's self-shipping (agent/self_events.h).
// Null: none.
using LogObserver = void (*)(void* context, LogLevel level, int64_t unix_nanos,
                             std::string_view component, std::string_view message);
void SetLogObserver(LogObserver observer, void* context);

// "debug" | "info" | "warn" | "error".
std::string_view LogLevelName(LogLevel level);

void Log(LogLevel level, std::string_view component, std::string_view message);
inline void LogDebug(std::string_view c, std::string_view m) { Log(LogLevel::kDebug, c, m); }
inline void LogInfo(std::string_view c, std::string_view m) { Log(LogLevel::kInfo, c, m); }
inline void LogWarn(std::string_view c, std::string_view m) { Log(LogLevel::kWarn, c, m); }
inline void LogError(std::string_view c, std::string_view m) { Log(LogLevel::kError, c, m); }

// Concatenates pieces of text and integers into one string (g++ 12 has no <format>).
namespace internal {
inline void AppendPiece(std::string& out, std::string_view s) { out += s; }
inline void AppendPiece(std::string& out, const char* s) { out += s; }
inline void AppendPiece(std::string& out, const std::string& s) { out += s; }
inline void AppendPiece(std::string& out, char c) { out += c; }
void AppendPiece(std::string& out, long long v);
void AppendPiece(std::string& out, unsigned long long v);
void AppendPiece(std::string& out, double v);
template <class T>
requires std::is_integral_v<T> && std::is_signed_v<T> &&
    (!std::is_same_v<T, char>)void AppendPiece(std::string& out, T v) {
  AppendPiece(out, static_cast<long long>(v));
}
template <class T>
requires std::is_integral_v<T> && std::is_unsigned_v<T> &&
    (!std::is_same_v<T, bool>)void AppendPiece(std::string& out, T v) {
  AppendPiece(out, static_cast<unsigned long long>(v));
}
}  // namespace internal

template <class... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  (internal::AppendPiece(out, pieces), ...);
  return out;
}

}  // namespace base
