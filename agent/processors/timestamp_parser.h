// ParseTimestamp: the text times that parse processors feed into @timestamp, without
// allocation and without the C library's locale- and zone-dependent functions (g++ 12 has
// no chrono time zones: DESIGN "Dependencies").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "config/processors_config.h"

namespace agent {

// Nanoseconds since the Unix epoch, or nullopt when `text` is not in `format`.
// `reference_unix_nanos` (the read time) supplies the year of formats without one
// (RFC 3164): the latest year that puts the time at most two days after the reference,
// so a December line read in January lands in the previous year. Times without a zone
// are UTC.
std::optional<int64_t> ParseTimestamp(std::string_view text, config::TimestampFormat format,
                                      int64_t reference_unix_nanos);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// `seconds` since the epoch plus `nanos` (0 to 999,999,999) in nanoseconds, or nullopt when
// int64 nanoseconds cannot hold it (before 1677-09-21 or after 2262-04-11): such a time in
// a log line fails to parse, like any other bad time.
std::optional<int64_t> UnixNanos(int64_t seconds, int64_t nanos);

}  // namespace agent
