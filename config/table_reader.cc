#include "config/table_reader.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "config/env_reference.h"
#include "config/key_suggestion.h"
#include "config/secret_file.h"
#include "config/units.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace config {
namespace {

// Longer values are cut in messages: enough to recognise, short enough for one line.
constexpr std::size_t kMaxQuotedBytes = 48;

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// `raw` as the user wrote it, with a note when variables changed it: the expanded value
// is never shown, since a variable may hold a secret.
std::string Shown(std::string_view raw) {
  std::string out = QuoteForMessage(raw);
  if (HasEnvReference(raw)) out += " (after expanding variables)";
  return out;
}

std::string JoinChoices(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += '"';
    out += names[i];
    out += '"';
  }
  return out;
}

std::string JoinKeys(std::span<const std::string_view> keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ", ";
    out += keys[i];
  }
  return out;
}

// Renders a float so that it reads back as a float in JSON ("2.0", not "2").
void AppendJsonDouble(std::string& out, double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  if (ec == std::errc() && text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

Position PositionOf(const toml::node& node, Position fallback) {
  const toml::source_region& source = node.source();
  if (source.begin.line == 0) return fallback;
  return Position{static_cast<int>(source.begin.line), static_cast<int>(source.begin.column)};
}

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string QuoteForMessage(std::string_view text) {
  bool cut = false;
  if (text.size() > kMaxQuotedBytes) {
    std::size_t n = kMaxQuotedBytes;
    // Do not split a UTF-8 sequence: back up to the start of a character.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    text = text.substr(0, n);
    cut = true;
  }
  std::string out;
  base::AppendJsonString(out, text);
  if (cut) out.insert(out.size() - 1, "...");
  return out;
}

TableReader::TableReader(const toml::table& table, std::string path, ErrorList& errors,
                         Position fallback)
    : table_(table), path_(std::move(path)), errors_(errors), fallback_(fallback) {}

std::string TableReader::PathOf(std::string_view key) const {
  std::string out = path_;
  if (!out.empty()) out += '.';
  if (IsBareKey(key)) {
    out += key;
  } else {
    base::AppendJsonString(out, key);
  }
  return out;
}

Position TableReader::TablePosition() const { return config::PositionOf(table_, fallback_); }

Position TableReader::PositionOf(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return TablePosition();
  return config::PositionOf(*node, TablePosition());
}

void TableReader::Error(std::string_view key, std::string_view message) {
  errors_.Add(PositionOf(key), PathOf(key), message);
}

void TableReader::MarkKnown(std::string_view key) {
  for (std::string_view k : known_) {
    if (k == key) return;
  }
  known_.push_back(key);
}

void TableReader::ElementError(std::string_view key, std::size_t index, std::string_view message) {
  Position at = PositionOf(key);
  if (const toml::array* array = table_.get_as<toml::array>(key)) {
    if (const toml::node* element = array->get(index)) at = config::PositionOf(*element, at);
  }
  errors_.Add(at, base::StrCat(PathOf(key), "[", index, "]"), message);
}

const toml::node* TableReader::Find(std::string_view key) {
  MarkKnown(key);
  return table_.get(key);
}

bool TableReader::ExpandString(const toml::node& node, const std::string& path, std::string* out,
                               std::string* raw) {
  const std::string& text = node.as_string()->get();
  if (raw != nullptr) *raw = text;
  base::Result<std::string> expanded = ExpandEnvReferences(text);
  if (!expanded.has_value()) {
    errors_.Add(config::PositionOf(node, TablePosition()), path, expanded.error().message());
    return false;
  }
  *out = std::move(expanded).value();
  return true;
}

TableReader::Outcome TableReader::String(std::string_view key, std::string* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  if (!node->is_string()) {
    Error(key, base::StrCat("expected a string, got ", TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::string value;
  if (!ExpandString(*node, PathOf(key), &value, nullptr)) return Outcome::kInvalid;
  *out = std::move(value);
  return Outcome::kSet;
}

TableReader::Outcome TableReader::SecretValue(std::string_view key, Secret* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  if (!node->is_string()) {
    // The type is safe to name; the value is not shown.
    Error(key, base::StrCat("expected a string, got ", TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::string value;
  if (!ExpandString(*node, PathOf(key), &value, nullptr)) return Outcome::kInvalid;
  if (value.starts_with(kSecretFilePrefix)) {
    std::string_view reference = value;
    const std::string_view file = reference.substr(kSecretFilePrefix.size());
    bool readable_by_others = false;
    base::Result<std::string> content = ReadSecretFile(file, &readable_by_others);
    if (!content.has_value()) {
      Error(key, content.error().message());
      return Outcome::kInvalid;
    }
    // Decided once [auth] allow_insecure_permissions is known (ErrorList).
    if (readable_by_others) {
      errors_.AddPermissionProblem(PositionOf(key), PathOf(key), ReadableByOthersMessage(file));
    }
    value = std::move(content).value();
  }
  out->value = std::move(value);
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Size(std::string_view key, uint64_t min, uint64_t max,
                                       uint64_t* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  uint64_t bytes = 0;
  if (const auto* integer = node->as_integer()) {
    if (integer->get() < 0) {
      Error(key, "must not be negative; write a size like \"5MiB\" or a number of bytes");
      return Outcome::kInvalid;
    }
    bytes = static_cast<uint64_t>(integer->get());
  } else if (node->is_string()) {
    std::string raw;
    std::string text;
    if (!ExpandString(*node, PathOf(key), &text, &raw)) return Outcome::kInvalid;
    base::Result<uint64_t> parsed = ParseByteSize(text);
    if (!parsed.has_value()) {
      Error(key, base::StrCat("invalid size ", Shown(raw), ": ", parsed.error().message()));
      return Outcome::kInvalid;
    }
    bytes = parsed.value();
  } else {
    Error(key, base::StrCat("expected a size (a string like \"5MiB\" or a number of bytes), got ",
                            TypeName(node->type())));
    return Outcome::kInvalid;
  }
  if (bytes < min || bytes > max) {
    Error(key, max == std::numeric_limits<uint64_t>::max()
                   ? base::StrCat("must be at least ", FormatByteSize(min), ", got ",
                                  FormatByteSize(bytes))
                   : base::StrCat("must be between ", FormatByteSize(min), " and ",
                                  FormatByteSize(max), ", got ", FormatByteSize(bytes)));
    return Outcome::kInvalid;
  }
  *out = bytes;
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Duration(std::string_view key, std::chrono::milliseconds min,
                                           std::chrono::milliseconds* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  if (node->is_integer() || node->is_floating_point()) {
    Error(key, "a number needs a unit; write a duration like \"500ms\", \"1s\" or \"5m\"");
    return Outcome::kInvalid;
  }
  if (!node->is_string()) {
    Error(key, base::StrCat("expected a duration (a string like \"500ms\" or \"1s\"), got ",
                            TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::string raw;
  std::string text;
  if (!ExpandString(*node, PathOf(key), &text, &raw)) return Outcome::kInvalid;
  base::Result<std::chrono::milliseconds> parsed = ParseDuration(text);
  if (!parsed.has_value()) {
    Error(key, base::StrCat("invalid duration ", Shown(raw), ": ", parsed.error().message()));
    return Outcome::kInvalid;
  }
  if (parsed.value() < min) {
    Error(key, base::StrCat("must be at least ", FormatDuration(min), ", got ", Shown(raw)));
    return Outcome::kInvalid;
  }
  *out = parsed.value();
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Integer(std::string_view key, int64_t min, int64_t max,
                                          int64_t* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  const auto* integer = node->as_integer();
  if (integer == nullptr) {
    Error(key, base::StrCat("expected an integer, got ", TypeName(node->type())));
    return Outcome::kInvalid;
  }
  if (integer->get() < min || integer->get() > max) {
    Error(key, base::StrCat("must be between ", min, " and ", max, ", got ", integer->get()));
    return Outcome::kInvalid;
  }
  *out = integer->get();
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Bool(std::string_view key, bool* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  const auto* boolean = node->as_boolean();
  if (boolean == nullptr) {
    Error(key, base::StrCat("expected true or false, got ", TypeName(node->type())));
    return Outcome::kInvalid;
  }
  *out = boolean->get();
  return Outcome::kSet;
}

TableReader::Outcome TableReader::StringArray(std::string_view key, std::vector<std::string>* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    Error(key, base::StrCat("expected an array of strings, like [\"a\", \"b\"], got ",
                            TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::vector<std::string> values;
  values.reserve(array->size());
  bool ok = true;
  Position array_position = PositionOf(key);
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string element_path = base::StrCat(PathOf(key), "[", i, "]");
    if (!element.is_string()) {
      errors_.Add(config::PositionOf(element, array_position), element_path,
                  base::StrCat("expected a string, got ", TypeName(element.type())));
      ok = false;
      continue;
    }
    std::string value;
    if (!ExpandString(element, element_path, &value, nullptr)) {
      ok = false;
      continue;
    }
    values.push_back(std::move(value));
  }
  if (!ok) return Outcome::kInvalid;
  *out = std::move(values);
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Fields(std::string_view key, std::vector<Field>* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    Error(key, base::StrCat("expected a table, like { service = \"nginx\" }, got ",
                            TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::vector<Field> fields;
  fields.reserve(table->size());
  bool ok = true;
  TableReader fields_reader(*table, PathOf(key), errors_, PositionOf(key));
  for (const auto& [name, value] : *table) {
    std::string field_path = fields_reader.PathOf(name.str());
    Position at = config::PositionOf(value, PositionOf(key));
    Field field{std::string(name.str()), {}};
    if (field.key.empty()) {
      errors_.Add(at, field_path, "field names must not be empty");
      ok = false;
      continue;
    }
    switch (value.type()) {
      case toml::node_type::string: {
        std::string text;
        if (!ExpandString(value, field_path, &text, nullptr)) {
          ok = false;
          continue;
        }
        base::AppendJsonString(field.json_value, text);
        break;
      }
      case toml::node_type::integer:
        field.json_value = std::to_string(value.as_integer()->get());
        break;
      case toml::node_type::floating_point: {
        double number = value.as_floating_point()->get();
        if (!std::isfinite(number)) {
          errors_.Add(at, field_path, "inf and nan have no JSON form; use a finite number");
          ok = false;
          continue;
        }
        AppendJsonDouble(field.json_value, number);
        break;
      }
      case toml::node_type::boolean:
        field.json_value = value.as_boolean()->get() ? "true" : "false";
        break;
      default:
        errors_.Add(at, field_path,
                    base::StrCat("expected a string, integer, float or boolean, got ",
                                 TypeName(value.type())));
        ok = false;
        continue;
    }
    fields.push_back(std::move(field));
  }
  if (!ok) return Outcome::kInvalid;
  *out = std::move(fields);
  return Outcome::kSet;
}

TableReader::Outcome TableReader::Choice(std::string_view key,
                                         std::span<const std::string_view> names,
                                         std::size_t* index) {
  const toml::node* node = Find(key);
  if (node == nullptr) return Outcome::kAbsent;
  if (!node->is_string()) {
    Error(key, base::StrCat("expected ", JoinChoices(names), ", got ", TypeName(node->type())));
    return Outcome::kInvalid;
  }
  std::string raw;
  std::string text;
  if (!ExpandString(*node, PathOf(key), &text, &raw)) return Outcome::kInvalid;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      *index = i;
      return Outcome::kSet;
    }
  }
  Error(key, base::StrCat("got ", Shown(raw), ", expected ", JoinChoices(names)));
  return Outcome::kInvalid;
}

const toml::table* TableReader::Table(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    Error(key,
          base::StrCat("expected a table ([", PathOf(key), "]), got ", TypeName(node->type())));
    return nullptr;
  }
  return node->as_table();
}

const toml::array* TableReader::ArrayOfTables(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) return nullptr;
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    Error(key, base::StrCat("expected an array of tables: write each one as a [[", PathOf(key),
                            "]] section, got ", TypeName(node->type())));
    return nullptr;
  }
  return array;
}

void TableReader::Skip(std::string_view key) { MarkKnown(key); }

void TableReader::NotYetAvailable(std::string_view key, std::string_view what) {
  not_yet_.push_back(key);
  if (table_.contains(key)) {
    errors_.Add(PositionOf(key), PathOf(key),
                base::StrCat(what, " not available in this version yet"));
  }
}

void TableReader::ReportUnknownKeys() {
  for (const auto& [name, value] : table_) {
    std::string_view key = name.str();
    bool known = false;
    for (std::string_view k : known_) known = known || k == key;
    for (std::string_view k : not_yet_) known = known || k == key;
    if (known) continue;
    Position at = config::PositionOf(value, TablePosition());
    if (name.source().begin.line != 0) {
      at = Position{static_cast<int>(name.source().begin.line),
                    static_cast<int>(name.source().begin.column)};
    }
    std::string_view suggestion = SuggestKey(key, known_);
    std::string message;
    if (!suggestion.empty()) {
      message = base::StrCat("unknown key; did you mean `", suggestion, "`?");
    } else if (known_.empty()) {
      message = "unknown key; this table takes no keys";
    } else {
      message = base::StrCat("unknown key; valid keys here: ", JoinKeys(known_));
    }
    errors_.Add(at, PathOf(key), message);
  }
}

}  // namespace config
