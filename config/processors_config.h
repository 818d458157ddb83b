// ProcessorConfig: one `[[processors]]` (or `[[inputs.file.processors]]`) table as typed
// values, and LoadProcessors(), which reads and validates a list of them.
//
// Processors run between the inputs and the ring, in the order written (agent/processors/
// builds them; docs/processors.md is the user's reference). Every regex is compiled here
// once, so `skiff check-config` reports a bad pattern with RE2's message and the column of
// the offending fragment inside the TOML string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace config {

class TableReader;
class ErrorList;

enum class ProcessorType {
  kInclude,     // keep only events whose field matches one of `patterns`
  kExclude,     // drop events whose field matches one of `patterns`
  kParse,       // RE2 named captures (or a ready-made pattern) into fields
  kFields,      // add, rename, remove, copy fields
  kDropEvent,   // drop events for which `when` holds
  kRedact,      // mask secrets in `message` or named fields
  kKubernetes,  // pod metadata from the container log path
  kSample,      // keep 1 in `every` events for which `when` holds
};

// A test on one field of an event. `field` names the event's message ("message") or one of
// its fields; an absent field never equals or matches anything.
struct ConditionConfig {
  enum class Kind { kAlways, kEquals, kMatches, kExists };
  Kind kind = Kind::kAlways;
  std::string field = "message";
  std::string value;   // kEquals: the text; kMatches: the RE2 pattern
  bool exists = true;  // kExists: true holds when present, false when absent
  bool operator==(const ConditionConfig&) const = default;
};

// Target type of a parsed capture.
enum class FieldType { kString, kInt, kFloat, kBool };

// How a parsed timestamp is written.
enum class TimestampFormat {
  kAuto,     // tries each of the formats below in turn
  kRfc3339,  // 2026-11-22T11:55:22.123Z, 2026-11-22 11:55:22+01:00
  kClf,      // 22/Nov/2026:11:55:22 +0000 (nginx, Apache)
  kRfc3164,  // Nov 22 11:55:22 (syslog; no year or zone: the read time's year, UTC)
  kUnix,     // seconds since the epoch, with an optional fraction
  kUnixMs,   // milliseconds since the epoch
};

enum class RedactMode { kMask, kHash };

// The members used depend on `type`; the others keep their defaults.
struct ProcessorConfig {
  ProcessorType type = ProcessorType::kInclude;
  // "processors[2]" or "inputs.file[0].processors[1]": names the processor in counters
  // and logs.
  std::string name;

  // include, exclude, parse: the field read (default the message).
  std::string field = "message";
  // include, exclude: RE2 patterns; one match is enough.
  std::vector<std::string> patterns;

  // parse: a user regex or a ready-made `pattern` ("nginx", "apache", "syslog_rfc3164",
  // "syslog_rfc5424"); exactly one of the two. A capture named `a__b` fills field "a.b".
  std::string regex;
  std::string preset;
  std::vector<std::pair<std::string, FieldType>> types;  // field name -> type
  std::string timestamp_field;  // empty: none; the field is consumed into @timestamp
  TimestampFormat timestamp_format = TimestampFormat::kAuto;

  // fields
  // name -> value already rendered as JSON ("\"web\"", "2", "true"); `${ENV}` expanded.
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::pair<std::string, std::string>> rename;  // from -> to
  std::vector<std::pair<std::string, std::string>> copy;    // from -> to
  std::vector<std::string> remove;

  // drop_event (required), sample (optional: every event when absent)
  ConditionConfig when;
  // sample: keep 1 in `every`
  uint64_t every = 1;

  // redact
  std::vector<std::string> builtin_patterns;  // "bearer_token", "credit_card", ...
  std::vector<std::string> custom_patterns;   // RE2; group 1 is masked when present
  std::vector<std::string> redact_fields;     // default {"message"}
  RedactMode mode = RedactMode::kMask;
  std::string token = "[REDACTED]";
  std::string hash_key;  // kHash: the HMAC key (a secret; never printed)

  // kubernetes: the node name; empty: the NODE_NAME variable (downward API) at start-up.
  std::string node_name;
  bool operator==(const ProcessorConfig&) const = default;
};

using ProcessorConfigs = std::vector<ProcessorConfig>;

// Reads the array of tables `key` of `parent` (a string literal: the reader keeps a view)
// into `out`, reporting every problem to `errors`. Absent: `out` is left empty.
void LoadProcessors(TableReader& parent, std::string_view key, ErrorList& errors,
                    ProcessorConfigs* out);

// The names `patterns` of a redact processor accepts, and the ready-made parse patterns.
std::vector<std::string_view> BuiltinRedactPatternNames();
std::vector<std::string_view> ParsePresetNames();

}  // namespace config
