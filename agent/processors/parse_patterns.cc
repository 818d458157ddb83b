#include "agent/processors/parse_patterns.h"

#include <array>

#include "agent/processors/access_log_scanner.h"

namespace agent {
namespace {

using config::FieldType;
using config::TimestampFormat;

// "$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
// "$http_referer" "$http_user_agent"" (nginx); Apache's "%h %l %u %t \"%r\" %>s %b
// \"%{Referer}i\" \"%{User-Agent}i\"" is the same shape, with '-' for zero bytes and \"
// escapes. The referrer and agent are optional, so the common format parses too, and
// fields a custom format appends after them are ignored. The request line is captured
// whole and split by PresetPostStep::kHttpRequest. The regex defines the format (and names
// the captures); ScanAccessLog reads it by hand, faster.
constexpr std::string_view kAccessLogRegex =
    R"re(^(?P<source__address>\S+) \S+ (?P<user__name>\S+) \[(?P<time>[^\]]+)\] )re"
    R"re("(?P<request>(?:[^"\\]|\\.)*)" )re"
    R"re((?P<http__response__status_code>\d{3}) (?P<http__response__body__bytes>\d+|-))re"
    R"re((?: "(?P<http__request__referrer>(?:[^"\\]|\\.)*)" "(?P<user_agent__original>(?:[^"\\]|\\.)*)".*)?$)re";

constexpr std::array<std::pair<std::string_view, FieldType>, 2> kAccessLogTypes = {{
    {"http.response.status_code", FieldType::kInt},
    {"http.response.body.bytes", FieldType::kInt},
}};

// "<PRI>Mmm dd hh:mm:ss host tag[pid]: msg"; PRI and the tag are optional (files written by
// syslog daemons have no PRI); the time may also be RFC 3339 (rsyslog's file format).
constexpr std::string_view kSyslog3164Regex =
    R"re(^(?:<(?P<log__syslog__priority>\d{1,3})>)?)re"
    R"re((?P<time>[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\S+) )re"
    R"re((?P<log__syslog__hostname>\S+) )re"
    R"re((?:(?P<log__syslog__appname>[^\s\[\]:]+)(?:\[(?P<log__syslog__procid>[^\]\s]+)\])?: ?)?)re"
    R"re((?P<message>.*)$)re";

// "<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]" (RFC 5424
// section 6); '-' is the nil value of each header field.
constexpr std::string_view kSyslog5424Regex =
    R"re(^<(?P<log__syslog__priority>\d{1,3})>(?P<log__syslog__version>\d{1,2}) )re"
    R"re((?P<time>\S+) (?P<log__syslog__hostname>\S+) (?P<log__syslog__appname>\S+) )re"
    R"re((?P<log__syslog__procid>\S+) (?P<log__syslog__msgid>\S+) )re"
    R"re((?P<log__syslog__structured_data>-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+))re"
    R"re((?: (?:\x{FEFF})?(?P<message>.*))?$)re";

constexpr std::array<std::pair<std::string_view, FieldType>, 1> kSyslog3164Types = {{
    {"log.syslog.priority", FieldType::kInt},
}};
constexpr std::array<std::pair<std::string_view, FieldType>, 2> kSyslog5424Types = {{
    {"log.syslog.priority", FieldType::kInt},
    {"log.syslog.version", FieldType::kInt},
}};

constexpr std::array<ParsePreset, 4> kPresets = {{
    {"nginx", kAccessLogRegex, "time", TimestampFormat::kClf, kAccessLogTypes,
     PresetPostStep::kHttpRequest, ScanAccessLog},
    {"apache", kAccessLogRegex, "time", TimestampFormat::kClf, kAccessLogTypes,
     PresetPostStep::kHttpRequest, ScanAccessLog},
    {"syslog_rfc3164", kSyslog3164Regex, "time", TimestampFormat::kAuto, kSyslog3164Types,
     PresetPostStep::kSyslogPriority, nullptr},
    {"syslog_rfc5424", kSyslog5424Regex, "time", TimestampFormat::kRfc3339, kSyslog5424Types,
     PresetPostStep::kSyslogPriority, nullptr},
}};

}  // namespace

const ParsePreset* FindParsePreset(std::string_view name) {
  for (const ParsePreset& preset : kPresets) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::span<const ParsePreset> ParsePresets() { return kPresets; }

}  // namespace agent
