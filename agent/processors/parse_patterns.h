// Ready-made parse patterns, so users need not write the regex for common formats:
//   nginx, apache        combined (and common) access logs
//   syslog_rfc3164       BSD syslog, with or without <PRI>, also with an RFC 3339 time
//                        (rsyslog's default file format)
//   syslog_rfc5424       IETF syslog
// Captures use ECS names (a capture `a__b` fills field `a.b`). The names accepted in the
// config are config::ParsePresetNames(); a test checks both lists agree.
#pragma once

#include <re2/re2.h>

#include <span>
#include <string_view>
#include <utility>

#include "config/processors_config.h"

namespace agent {

enum class PresetPostStep {
  kNone,
  kSyslogPriority,  // log.syslog.priority -> log.syslog.facility.code, severity.code
  // The capture `request` ("GET /a HTTP/1.1") -> http.request.method, url.original,
  // http.version; a request line of another shape (junk sent to the port) adds nothing.
  kHttpRequest,
};

// The capture that kHttpRequest splits; it does not become a field itself.
inline constexpr std::string_view kRequestLineCapture = "request";

struct ParsePreset {
  std::string_view name;
  std::string_view regex;
  std::string_view timestamp_capture;  // the capture that feeds @timestamp
  config::TimestampFormat timestamp_format;
  std::span<const std::pair<std::string_view, config::FieldType>> types;
  PresetPostStep post_step;
  // A hand-written equivalent of `regex` that fills the same groups, or nullptr.
  bool (*scan)(std::string_view line, std::span<re2::StringPiece> groups);
};

// nullptr when there is no preset of that name.
const ParsePreset* FindParsePreset(std::string_view name);
std::span<const ParsePreset> ParsePresets();

}  // namespace agent
