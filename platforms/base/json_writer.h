// Small, fast helpers for writing JSON text into a reused std::string. Used to render
// documents on the hot path, so they never allocate beyond growing `out`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace base {

// Appends `text` as a quoted JSON string. `text` must be valid UTF-8 (inputs sanitize
// lines before they become events); control characters, '"' and '\' are escaped.
void AppendJsonString(std::string& out, std::string_view text);

// Appends a quoted RFC 3339 UTC timestamp with millisecond precision:
// "2026-11-22T09:12:03.123Z". The formatted second is cached per thread, so a stream of
// nearby times costs a few byte copies each.
void AppendJsonTimestamp(std::string& out, int64_t unix_nanos);

// Same text without the quotes (for log lines).
void AppendRfc3339Millis(std::string& out, int64_t unix_nanos);

}  // namespace base
