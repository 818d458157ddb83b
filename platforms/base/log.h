// skiff's own log lines, written to stderr, one line each:
//   2026-11-22T09:12:03.123Z WARN transport: bulk request failed: 503, retrying in 1.2 s
// Secrets never go into a log line: callers log names and sizes, not values.
#pragma once

#include <string>
#include <string_view>

namespace base {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below `level` are not written. Default: kInfo. Set once at start-up.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug" | "info" | "warn" | "error".
bool ParseLogLevel(std::string_view text, LogLevel* level);

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
