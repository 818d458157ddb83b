#include "config/file_parsing_config.h"

#include <re2/re2.h>

#include <array>
#include <utility>

#include "config/config_error.h"
#include "config/table_reader.h"
#include "config/toml_include.h"
#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

constexpr std::chrono::milliseconds kMinTimeout{1};  // zero would flush every line at once
constexpr int64_t kMaxMultilineLines = 1'000'000;
constexpr uint64_t kMinMultilineBytes = 16;
// Directives TimeFormat (agent/processors/time_format.h) understands.
constexpr std::string_view kTimeDirectives = "YymdejbhBaAHMSfzsTF%";

// Continue patterns of the ready-made multiline shapes (docs/file-input.md shows them).
constexpr std::array<MultilinePreset, 4> kPresets = {{
    // "\tat com.x.Y.f(Y.java:1)", "\t... 12 more", "Caused by: ...", the exception line
    // itself ("java.lang.IllegalStateException: boom") and "\tSuppressed: ...".
    {"java",
     R"(^[\t ]+(at |\.\.\. \d+ |Suppressed: )|^Caused by: |^([\w$]+\.)+[\w$]*(Exception|Error|Throwable)(: |$))"},
    // "Traceback (most recent call last):", indented frames and source lines, the final
    // "ValueError: ..." and the chaining sentences between tracebacks.
    {"python",
     R"(^Traceback \(most recent call last\):|^[\t ]+\S|^([\w]+\.)*\w*(Error|Exception|Exit|Interrupt|Warning)(: |$)|^During handling of the above exception|^The above exception was the direct cause)"},
    // A panic's blank lines, "goroutine 1 [running]:", "main.main()" frames, their
    // indented file:line lines, "created by ..." and the "exit status 2" that go run adds.
    {"go",
     R"(^$|^goroutine \d+ \[|^[\t ]|^[\w./*()\[\]-]+\(.*\)$|^created by |^exit status \d+$|^\[signal )"},
    // Any line starting with a space or a tab.
    {"indented", R"(^[\t ])"},
}};

std::string Quoted(std::string_view text) { return QuoteForMessage(text); }

// Where a TOML string value's text starts: one column after its opening quote (exact for
// one-line literal strings, the form the docs recommend for regexes).
Position TextStart(const toml::node& node, Position fallback) {
  Position at = PositionOf(node, fallback);
  if (at.line != 0) ++at.column;
  return at;
}

// Compiles `pattern` (the value of `key` in `table`) and reports RE2's message at the
// offending fragment. Returns the number of capturing groups, or -1 when it is invalid.
int CheckRegex(TableReader& reader, const toml::table& table, std::string_view key,
               std::string_view pattern, ErrorList& errors, re2::RE2::Options options = {}) {
  options.set_log_errors(false);
  re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (re.ok()) return re.NumberOfCapturingGroups();
  Position at = reader.PositionOf(key);
  if (const toml::node* node = table.get(key)) at = TextStart(*node, at);
  std::size_t offset = pattern.find(re.error_arg());
  if (at.line != 0 && offset != std::string_view::npos && !re.error_arg().empty()) {
    at.column += static_cast<int>(offset);
  }
  errors.Add(at, reader.PathOf(key), base::StrCat("invalid regex: ", re.error()));
  return -1;
}

std::string PresetNames() {
  std::string out;
  for (const MultilinePreset& p : kPresets) {
    if (!out.empty()) out += ", ";
    out += base::StrCat('"', p.name, '"');
  }
  return out;
}

void LoadMultiline(TableReader& parent, uint64_t max_line_bytes, ErrorList& errors,
                   MultilineConfig* m) {
  const toml::table* table = parent.Table("multiline");
  if (table == nullptr) return;
  TableReader reader(*table, parent.PathOf("multiline"), errors, parent.PositionOf("multiline"));
  std::string preset;
  Outcome preset_set = reader.String("preset", &preset);
  Outcome start = reader.String("start", &m->start);
  Outcome cont = reader.String("continue", &m->continue_pattern);
  int given = (preset_set == Outcome::kSet) + (start == Outcome::kSet) + (cont == Outcome::kSet);
  if (given == 0 && preset_set != Outcome::kInvalid && start != Outcome::kInvalid &&
      cont != Outcome::kInvalid) {
    reader.Error("start", base::StrCat("missing; say where an event begins, like start = "
                                       "'^\\d{4}-\\d{2}-\\d{2}', or which lines continue one, like "
                                       "continue = '^\\s', or use preset = one of ",
                                       PresetNames()));
  } else if (given > 1) {
    reader.Error(cont == Outcome::kSet ? "continue" : "start",
                 "give only one of `start`, `continue` and `preset`");
  }
  if (preset_set == Outcome::kSet) {
    bool found = false;
    for (const MultilinePreset& p : kPresets) {
      if (p.name == preset) {
        m->continue_pattern = std::string(p.continue_pattern);
        found = true;
      }
    }
    if (!found) {
      reader.Error("preset", base::StrCat("unknown preset ", Quoted(preset), "; expected one of ",
                                          PresetNames()));
    }
  }
  if (start == Outcome::kSet) {
    if (m->start.empty())
      reader.Error("start", "must not be empty; write an RE2 pattern");
    else
      CheckRegex(reader, *table, "start", m->start, errors);
  }
  if (cont == Outcome::kSet) {
    if (m->continue_pattern.empty())
      reader.Error("continue", "must not be empty; write an RE2 pattern");
    else
      CheckRegex(reader, *table, "continue", m->continue_pattern, errors);
  }
  reader.Bool("negate", &m->negate);
  int64_t max_lines = 0;
  if (reader.Integer("max_lines", 1, kMaxMultilineLines, &max_lines) == Outcome::kSet) {
    m->max_lines = static_cast<uint64_t>(max_lines);
  }
  m->max_bytes = max_line_bytes;
  reader.Size("max_bytes", kMinMultilineBytes, kGiB, &m->max_bytes);
  reader.Duration("timeout", kMinTimeout, &m->timeout);
  reader.ReportUnknownKeys();
  if (given != 1) {
    m->start.clear();
    m->continue_pattern.clear();
  }
}

// A field name, replacing the default list.
void LoadFieldNames(TableReader& reader, std::string_view key, std::vector<std::string>* out) {
  std::string one;
  if (reader.Has(key) && reader.String(key, &one) == Outcome::kSet) {
    if (one.empty()) {
      reader.Error(key, "must name a field, like \"ts\"");
    } else {
      *out = {std::move(one)};
    }
  }
}

void LoadJson(TableReader& parent, ErrorList& errors, JsonConfig* json) {
  const toml::table* table = parent.Table("json");
  if (table == nullptr) return;
  TableReader reader(*table, parent.PathOf("json"), errors, parent.PositionOf("json"));
  if (reader.String("target", &json->target) == Outcome::kSet && json->target == "message") {
    reader.Error("target", "must not be \"message\"; name a field like \"app\"");
  }
  LoadFieldNames(reader, "timestamp_field", &json->timestamp_fields);
  LoadFieldNames(reader, "level_field", &json->level_fields);
  LoadFieldNames(reader, "message_field", &json->message_fields);
  reader.ReportUnknownKeys();
}

void LoadTimestamp(TableReader& parent, ErrorList& errors, TextTimestampConfig* ts) {
  const toml::table* table = parent.Table("timestamp");
  if (table == nullptr) return;
  TableReader reader(*table, parent.PathOf("timestamp"), errors, parent.PositionOf("timestamp"));
  Outcome regex = reader.String("regex", &ts->regex);
  if (regex == Outcome::kAbsent) {
    reader.Error("regex",
                 "missing; capture the time with a group named ts, like regex = "
                 "'^(?P<ts>\\S+)'");
  } else if (regex == Outcome::kSet) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    int groups = CheckRegex(reader, *table, "regex", ts->regex, errors);
    if (groups >= 0) {
      re2::RE2 re(ts->regex, options);
      bool named = re.NamedCapturingGroups().contains("ts");
      if (!named && groups != 1) {
        reader.Error("regex",
                     "needs a capture named ts (or exactly one capture), like "
                     "'\\[(?P<ts>[^\\]]+)\\]'");
        ts->regex.clear();
      }
    } else {
      ts->regex.clear();
    }
  }
  if (reader.String("format", &ts->format) == Outcome::kSet) {
    std::string_view f = ts->format;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i] != '%') continue;
      if (i + 1 == f.size() || kTimeDirectives.find(f[i + 1]) == std::string_view::npos) {
        reader.Error("format", base::StrCat("unknown directive ", Quoted(f.substr(i, 2)),
                                            "; use %Y %y %m %d %e %j %b %B %a %H %M %S %f %z %s "
                                            "%T %F or %% (like \"%d/%b/%Y:%H:%M:%S %z\")"));
        break;
      }
      ++i;
    }
    if (f.empty()) reader.Error("format", "must not be empty; leave it out for RFC 3339");
  }
  reader.ReportUnknownKeys();
}

}  // namespace

std::vector<MultilinePreset> MultilinePresets() {
  return std::vector<MultilinePreset>(kPresets.begin(), kPresets.end());
}

void LoadFileParsing(TableReader& reader, uint64_t max_line_bytes, ErrorList& errors,
                     FileParsingConfig* out) {
  out->multiline.max_bytes = max_line_bytes;
  LoadMultiline(reader, max_line_bytes, errors, &out->multiline);
  LoadJson(reader, errors, &out->json);
  LoadTimestamp(reader, errors, &out->timestamp);
  reader.Duration("flush_partial_after", std::chrono::milliseconds{1}, &out->flush_partial_after);
}

}  // namespace config
