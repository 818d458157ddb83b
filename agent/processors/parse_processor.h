// ParseProcessor: matches an RE2 regex with named captures against the message (or a
// field) and turns each capture into a field, with optional type conversion and a
// timestamp capture that becomes @timestamp (`type = "parse"`). A capture named `a__b`
// fills the dotted field `a.b`; a capture named `message` replaces the message (the
// syslog patterns do, keeping the header in fields). Ready-made patterns are in
// parse_patterns.h; their captures that hold the nil value "-" are left out.
//
// A line that does not match goes on unchanged with buffer::kFlagParseFailed set (it is
// never dropped); so does one whose timestamp or typed value cannot be read, with the
// fields that could be read. Both are counted in stats().failed.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agent/processors/parse_patterns.h"
#include "agent/processors/processor.h"
#include "config/processors_config.h"
#include "platforms/base/result.h"

namespace agent {

class ParseProcessor final : public Processor {
 public:
  static base::Result<std::unique_ptr<ParseProcessor>> Make(const config::ProcessorConfig& config);

  Verdict Process(EventView& event) override;

  struct Capture {
    int group;          // 1-based RE2 group
    std::string field;  // dotted field name; "message" for the message
    config::FieldType type;
    bool timestamp;     // feeds @timestamp instead of becoming a field
    bool request_line;  // split by PresetPostStep::kHttpRequest instead
  };
  // Only through Make().
  ParseProcessor(std::string name, std::string source_field, std::unique_ptr<re2::RE2> regex,
                 std::vector<Capture> captures, config::TimestampFormat timestamp_format,
                 bool omit_nil, PresetPostStep post_step,
                 bool (*scan)(std::string_view, std::span<re2::StringPiece>) = nullptr);

 private:
  // False when `text` cannot be converted to `type`; the rendered value is in `out`.
  bool Convert(std::string_view text, config::FieldType type, std::string_view* out,
               ValueKind* kind);
  bool ApplySyslogPriority(EventView& event);
  void SplitRequestLine(EventView& event, std::string_view line);

  std::string source_field_;
  std::unique_ptr<re2::RE2> regex_;
  std::vector<Capture> captures_;
  config::TimestampFormat timestamp_format_;
  bool omit_nil_;
  PresetPostStep post_step_;
  bool (*scan_)(std::string_view, std::span<re2::StringPiece>);
  // Reused per event.
  std::vector<re2::StringPiece> groups_;
  std::string source_copy_;
  std::string number_;
};

}  // namespace agent
