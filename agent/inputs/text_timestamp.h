// TextTimestamp: sets an event's @timestamp from a time written in its text, for inputs
// with `timestamp = { regex = '...(?P<ts>...)...', format = "..." }` (docs/file-input.md,
// "Timestamps from text").
//
// The regex finds the time (the capture named `ts`, or the only capture); `format` reads
// it (a strptime-style format, agent/processors/time_format.h), or, without a format,
// RFC 3339 / ISO 8601 and the other formats ParseTimestamp recognises (CLF, RFC 3164,
// epoch seconds). A text whose time is missing or does not parse keeps the read time and
// is flagged timestamp_parse_failed. One per input; immutable after Create, so it can be
// shared by every file of the input.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "buffer/event.h"
#include "config/file_parsing_config.h"
#include "platforms/base/result.h"

namespace agent {

class TextTimestamp {
 public:
  static base::Result<std::unique_ptr<TextTimestamp>> Create(
      const config::TextTimestampConfig& config);
  TextTimestamp(std::unique_ptr<re2::RE2> regex, int group, std::string format)
      : regex_(std::move(regex)), group_(group), format_(std::move(format)) {}

  // Sets event->time_unix_nanos from `text`; false (and the flag) when it cannot.
  // The event's current time is the reference for formats without a year.
  bool Apply(std::string_view text, buffer::Event* event) const;

 private:
  std::unique_ptr<re2::RE2> regex_;
  int group_;  // the capture holding the time
  std::string format_;
};

}  // namespace agent
