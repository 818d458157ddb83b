// TimeFormat: times written in a strptime-style format ("%d/%b/%Y:%H:%M:%S %z"), the
// `format` of an input's `timestamp = { regex, format }`. Companion of
// timestamp_parser.h (named formats); like it, no allocation per parse, no locale and no
// C library time zone: English month and weekday names, zones only as numeric offsets.
//
// Directives: %Y (4 digits) %y (2 digits: 69-99 -> 19xx, 00-68 -> 20xx) %m %d %e (day,
// space-padded) %j (day of the year) %b %h (month name, 3 letters) %B (full month name)
// %a %A (weekday name, checked for shape and ignored) %H %M %S (two digits; %H and %M
// also one) %f (fraction of a second, 1-9 digits; more are read and ignored) %z (Z,
// +hh:mm, +hhmm, +hh) %s (seconds since the epoch) %T (%H:%M:%S) %F (%Y-%m-%d) %%.
// A space matches any run of spaces, including none; every other character matches
// itself. Missing parts default to: year from the reference time (the latest year that
// does not put the time more than two days after it, as for RFC 3164), month and day 1,
// time 00:00:00, zone UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace agent {

// Empty when `format` is usable, otherwise what is wrong with it ("unknown directive %Q").
std::string_view TimeFormatProblem(std::string_view format);

// Nanoseconds since the Unix epoch, or nullopt when `text` (all of it) does not match
// `format`. `format` must have passed TimeFormatProblem().
std::optional<int64_t> ParseTimeWithFormat(std::string_view text, std::string_view format,
                                           int64_t reference_unix_nanos);

}  // namespace agent
