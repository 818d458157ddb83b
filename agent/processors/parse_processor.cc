#include "agent/processors/parse_processor.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "agent/processors/compiled_regex.h"
#include "agent/processors/timestamp_parser.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kMessage = "message";
constexpr std::string_view kNilValue = "-";
// RFC 5424 section 6.2.1: PRI is at most 191 (facility 23, severity 7).
constexpr int64_t kMaxSyslogPriority = 191;

std::string FieldNameOfGroup(std::string_view group) {
  std::string out;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i] == '_' && i + 1 < group.size() && group[i + 1] == '_') {
      out += '.';
      ++i;
    } else {
      out += group[i];
    }
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

base::Result<std::unique_ptr<ParseProcessor>> ParseProcessor::Make(
    const config::ProcessorConfig& config) {
  const ParsePreset* preset = nullptr;
  std::string_view regex_text = config.regex;
  if (!config.preset.empty()) {
    preset = FindParsePreset(config.preset);
    if (preset == nullptr) {
      return base::InvalidArgument(
          base::StrCat(config.name, ": unknown pattern \"", config.preset, "\""));
    }
    regex_text = preset->regex;
  }
  auto re = CompileRegex(regex_text, base::StrCat(config.name, ".regex"), RegexEncoding::kUtf8);
  if (!re.has_value()) return std::move(re).error();

  std::string timestamp_capture =
      preset != nullptr ? std::string(preset->timestamp_capture) : config.timestamp_field;
  config::TimestampFormat timestamp_format = preset != nullptr && config.timestamp_field.empty()
                                                 ? preset->timestamp_format
                                                 : config.timestamp_format;
  std::vector<Capture> captures;
  for (const auto& [group_name, index] : re.value()->NamedCapturingGroups()) {
    Capture c{index, FieldNameOfGroup(group_name), config::FieldType::kString, false, false};
    c.timestamp = c.field == timestamp_capture;
    c.request_line = preset != nullptr && preset->post_step == PresetPostStep::kHttpRequest &&
                     c.field == kRequestLineCapture;
    if (preset != nullptr) {
      for (const auto& [field, type] : preset->types) {
        if (field == c.field) c.type = type;
      }
    }
    for (const auto& [field, type] : config.types) {
      if (field == c.field) c.type = type;
    }
    captures.push_back(std::move(c));
  }
  // Fields in the order of the regex (RE2 lists the names alphabetically); the message
  // last: its capture points into the message being replaced.
  std::sort(captures.begin(), captures.end(),
            [](const Capture& a, const Capture& b) { return a.group < b.group; });
  std::stable_partition(captures.begin(), captures.end(),
                        [](const Capture& c) { return c.field != kMessage; });
  return std::make_unique<ParseProcessor>(
      config.name, config.field, std::move(re.value()), std::move(captures), timestamp_format,
      preset != nullptr, preset != nullptr ? preset->post_step : PresetPostStep::kNone,
      preset != nullptr ? preset->scan : nullptr);
}

ParseProcessor::ParseProcessor(std::string name, std::string source_field,
                               std::unique_ptr<re2::RE2> regex, std::vector<Capture> captures,
                               config::TimestampFormat timestamp_format, bool omit_nil,
                               PresetPostStep post_step,
                               bool (*scan)(std::string_view, std::span<re2::StringPiece>))
    : Processor(std::move(name)),
      source_field_(std::move(source_field)),
      regex_(std::move(regex)),
      captures_(std::move(captures)),
      timestamp_format_(timestamp_format),
      omit_nil_(omit_nil),
      post_step_(post_step),
      scan_(scan) {
  groups_.resize(static_cast<std::size_t>(regex_->NumberOfCapturingGroups()) + 1);
}

bool ParseProcessor::Convert(std::string_view text, config::FieldType type, std::string_view* out,
                             ValueKind* kind) {
  *kind = ValueKind::kRaw;
  const char* end = text.data() + text.size();
  switch (type) {
    case config::FieldType::kString:
      *kind = ValueKind::kString;
      *out = text;
      return true;
    case config::FieldType::kInt: {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end || text.empty()) return false;
      number_.resize(24);
      auto [num_end, num_ec] = std::to_chars(number_.data(), number_.data() + number_.size(), v);
      *out = std::string_view(number_.data(), static_cast<std::size_t>(num_end - number_.data()));
      return num_ec == std::errc();
    }
    case config::FieldType::kFloat: {
      double v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(v)) return false;
      number_.resize(32);
      auto [num_end, num_ec] = std::to_chars(number_.data(), number_.data() + number_.size(), v);
      *out = std::string_view(number_.data(), static_cast<std::size_t>(num_end - number_.data()));
      return num_ec == std::errc();
    }
    case config::FieldType::kBool:
      if (EqualsIgnoreCase(text, "true") || text == "1" || EqualsIgnoreCase(text, "yes")) {
        *out = "true";
        return true;
      }
      if (EqualsIgnoreCase(text, "false") || text == "0" || EqualsIgnoreCase(text, "no")) {
        *out = "false";
        return true;
      }
      return false;
  }
  return false;
}

Verdict ParseProcessor::Process(EventView& event) {
  ++stats_.events;
  std::optional<FieldValue> source = event.Get(source_field_);
  if (!source.has_value()) return Verdict::kKeep;  // nothing to parse is not a failure
  std::string_view text = source->text;
  if (source_field_ != kMessage) {
    // Field values live in the view's arena, which grows as captures are stored.
    source_copy_.assign(text);
    text = source_copy_;
  }
  re2::StringPiece input(text.data(), text.size());
  bool matched = scan_ != nullptr ? scan_(text, groups_)
                                  : regex_->Match(input, 0, input.size(), re2::RE2::UNANCHORED,
                                                  groups_.data(), static_cast<int>(groups_.size()));
  if (!matched) {
    event.event().flags |= buffer::kFlagParseFailed;
    ++stats_.failed;
    return Verdict::kKeep;
  }
  bool failed = false;
  for (const Capture& c : captures_) {
    const re2::StringPiece& g = groups_[static_cast<std::size_t>(c.group)];
    if (g.data() == nullptr) continue;  // an optional group that did not take part
    std::string_view value(g.data(), g.size());
    if (omit_nil_ && value == kNilValue) continue;
    if (c.request_line) {
      SplitRequestLine(event, value);
      continue;
    }
    if (c.timestamp) {
      std::optional<int64_t> t =
          ParseTimestamp(value, timestamp_format_, event.event().time_unix_nanos);
      if (t.has_value()) {
        event.event().time_unix_nanos = *t;
        continue;
      }
      failed = true;  // kept as a string field, so the text is not lost
      event.Set(c.field, value, ValueKind::kString);
      continue;
    }
    std::string_view rendered;
    ValueKind kind = ValueKind::kString;
    if (!Convert(value, c.type, &rendered, &kind)) {
      failed = true;
      rendered = value;
      kind = ValueKind::kString;
    }
    event.Set(c.field, rendered, kind);
  }
  if (post_step_ == PresetPostStep::kSyslogPriority && !ApplySyslogPriority(event)) failed = true;
  ++stats_.modified;
  if (failed) {
    event.event().flags |= buffer::kFlagParseFailed;
    ++stats_.failed;
  }
  return Verdict::kKeep;
}

void ParseProcessor::SplitRequestLine(EventView& event, std::string_view line) {
  // METHOD SP request-target [SP HTTP/version] (RFC 9112 section 3).
  std::size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return;
  std::string_view method = line.substr(0, space);
  for (char c : method) {
    if (c < 'A' || c > 'Z') return;
  }
  std::string_view rest = line.substr(space + 1);
  std::size_t space2 = rest.find(' ');
  std::string_view target = rest.substr(0, space2);
  std::string_view version;
  if (space2 != std::string_view::npos) {
    std::string_view protocol = rest.substr(space2 + 1);
    if (!protocol.starts_with("HTTP/") || protocol.find(' ') != std::string_view::npos) return;
    version = protocol.substr(5);
  }
  if (target.empty()) return;
  event.Set("http.request.method", method, ValueKind::kString);
  event.Set("url.original", target, ValueKind::kString);
  if (!version.empty()) event.Set("http.version", version, ValueKind::kString);
}

bool ParseProcessor::ApplySyslogPriority(EventView& event) {
  std::optional<FieldValue> pri = event.Get("log.syslog.priority");
  if (!pri.has_value()) return true;
  int64_t value = 0;
  std::string_view text = pri->text;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value > kMaxSyslogPriority) return false;
  char digits[8];
  auto [facility_end, facility_ec] = std::to_chars(digits, digits + sizeof(digits), value / 8);
  event.Set("log.syslog.facility.code",
            std::string_view(digits, static_cast<std::size_t>(facility_end - digits)),
            ValueKind::kRaw);
  auto [severity_end, severity_ec] = std::to_chars(digits, digits + sizeof(digits), value % 8);
  event.Set("log.syslog.severity.code",
            std::string_view(digits, static_cast<std::size_t>(severity_end - digits)),
            ValueKind::kRaw);
  return facility_ec == std::errc() && severity_ec == std::errc();
}

}  // namespace agent
