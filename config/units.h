// Parsers for the size and duration strings of skiff.toml ("5MiB", "1m30s").
//
// Both return a reason without echoing the input, so callers can quote what the user wrote
// (or not, for secrets) and add the key path: `buffer.max_bytes: invalid size "5 potatoes":
// unknown unit "potatoes"; ...`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace config {

// A byte count: a number and an optional unit, spaces allowed around and between them.
//   IEC (powers of 1024): B, KiB, MiB, GiB, TiB, PiB    "512KiB", "1.5GiB"
//   SI  (powers of 1000): KB (or kB), MB, GB, TB, PB     "10MB" = 10,000,000
//   no unit: bytes                                       "4096"
// A fraction (at most 9 digits) needs a unit above B and is rounded down to whole bytes.
// Values above 2^64-1 bytes are an error, never wrapped.
base::Result<uint64_t> ParseByteSize(std::string_view text);

// A duration: one or more number-unit pairs, added up ("1m30s", "1h 15m", "1.5s").
// Units: us (or µs), ms, s, m, h, d. "0" alone is zero. Negative values do not exist.
// The result has millisecond resolution; a value that is not a whole number of
// milliseconds ("250us", "1.0005s") is an error rather than silently rounded.
base::Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The inverse, for messages: the largest IEC unit that divides `bytes` exactly
// (1073741824 -> "1GiB", 1536 -> "1536B"; never a fraction).
std::string FormatByteSize(uint64_t bytes);

// For messages: "1m30s", "500ms", "0ms".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace config
