// FileParsingConfig: how an input turns lines into events, the framing and parsing keys
// of `[[inputs.file]]` besides `format`: `multiline`, `json`, `timestamp` and
// `flush_partial_after` (docs/file-input.md is the user's reference).
// LoadFileParsing() reads and validates them; every regex is compiled here once, so
// `skiff check-config` shows RE2's message at the column of the bad fragment.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace config {

class TableReader;
class ErrorList;

// multiline = { start = '...' } or { continue = '...' }, or { preset = "java" }.
struct MultilineConfig {
  // Exactly one of the two is set when multiline is on. `start`: a line matching it
  // begins a new event, others continue the current one. `continue_pattern`: a line
  // matching it continues the current event, others begin a new one.
  std::string start;
  std::string continue_pattern;
  // Inverts the match of whichever pattern is set.
  bool negate = false;
  // An event reaching either bound is sent, flagged truncated, and the next line begins
  // a new event (nothing is dropped).
  uint64_t max_lines = 500;
  uint64_t max_bytes = 0;  // 0: the input's max_line_bytes
  // An event waiting for more lines is sent once no line came for this long.
  std::chrono::milliseconds timeout{5'000};

  bool enabled() const { return !start.empty() || !continue_pattern.empty(); }
  bool operator==(const MultilineConfig&) const = default;
};

// json = { target = "app", timestamp_field = "ts", level_field = "lvl", message_field = "m" }
struct JsonConfig {
  // Empty: the object's members become fields of the event; otherwise the object is kept
  // whole under this field and the message stays the line.
  std::string target;
  // Tried in order; the first present one that parses becomes @timestamp.
  std::vector<std::string> timestamp_fields = {"@timestamp", "time", "ts", "timestamp"};
  // The first present string one becomes `log.level`.
  std::vector<std::string> level_fields = {"level", "severity", "log.level"};
  // The first present one becomes the event's message.
  std::vector<std::string> message_fields = {"message", "msg"};
  bool operator==(const JsonConfig&) const = default;
};

// timestamp = { regex = '^\S+ \S+ \S+ \[(?P<ts>[^\]]+)\]', format = "%d/%b/%Y:%H:%M:%S %z" }
struct TextTimestampConfig {
  std::string regex;   // RE2 with a capture named `ts` (or one capture)
  std::string format;  // strptime-style; empty: RFC 3339 / ISO 8601 and the named formats

  bool enabled() const { return !regex.empty(); }
  bool operator==(const TextTimestampConfig&) const = default;
};

struct FileParsingConfig {
  MultilineConfig multiline;
  JsonConfig json;
  TextTimestampConfig timestamp;
  // A last line without its newline is sent, flagged partial, once the file has not grown
  // for this long; what the writer appends later is a new event. Filebeat never sends it,
  // Fluent Bit waits for the newline too; 5 s matches the multiline timeout.
  std::chrono::milliseconds flush_partial_after{5'000};
  bool operator==(const FileParsingConfig&) const = default;
};

// The names `multiline.preset` accepts, and their `continue` patterns.
struct MultilinePreset {
  std::string_view name;
  std::string_view continue_pattern;
};
std::vector<MultilinePreset> MultilinePresets();

// Reads `format`, `multiline`, `json`, `timestamp` and `flush_partial_after` of the
// input table `reader` reads, reporting every problem to `errors`. `max_line_bytes` is
// the input's, already read (the default of multiline.max_bytes).
void LoadFileParsing(TableReader& reader, uint64_t max_line_bytes, ErrorList& errors,
                     FileParsingConfig* out);

}  // namespace config
