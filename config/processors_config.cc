#include "config/processors_config.h"

#include <re2/re2.h>

#include <array>
#include <utility>

#include "config/config.h"
#include "config/config_error.h"
#include "config/key_suggestion.h"
#include "config/table_reader.h"
#include "config/toml_include.h"
#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

constexpr std::array<EnumName<ProcessorType>, 8> kTypeNames = {{
    {"include", ProcessorType::kInclude},
    {"exclude", ProcessorType::kExclude},
    {"parse", ProcessorType::kParse},
    {"fields", ProcessorType::kFields},
    {"drop_event", ProcessorType::kDropEvent},
    {"redact", ProcessorType::kRedact},
    {"kubernetes", ProcessorType::kKubernetes},
    {"sample", ProcessorType::kSample},
}};
constexpr std::array<std::string_view, 8> kTypeTexts = {
    "include", "exclude", "parse", "fields", "drop_event", "redact", "kubernetes", "sample"};

// The agent's tables (agent/processors/parse_patterns.cc, redact_processor.cc) hold the
// regexes; a test checks that both sides know the same names.
constexpr std::array<std::string_view, 4> kPresetNames = {"nginx", "apache", "syslog_rfc3164",
                                                          "syslog_rfc5424"};
constexpr std::array<std::string_view, 8> kRedactNames = {
    "bearer_token", "jwt",   "aws_access_key", "aws_secret_key",
    "credit_card",  "email", "ipv4",           "password"};

constexpr std::array<EnumName<FieldType>, 4> kFieldTypeNames = {{
    {"string", FieldType::kString},
    {"int", FieldType::kInt},
    {"float", FieldType::kFloat},
    {"bool", FieldType::kBool},
}};
constexpr std::array<EnumName<TimestampFormat>, 6> kTimestampFormatNames = {{
    {"auto", TimestampFormat::kAuto},
    {"rfc3339", TimestampFormat::kRfc3339},
    {"clf", TimestampFormat::kClf},
    {"rfc3164", TimestampFormat::kRfc3164},
    {"unix", TimestampFormat::kUnix},
    {"unix_ms", TimestampFormat::kUnixMs},
}};
constexpr std::array<EnumName<RedactMode>, 2> kRedactModeNames = {{
    {"mask", RedactMode::kMask},
    {"hash", RedactMode::kHash},
}};

constexpr std::string_view kMessage = "message";
// Long enough that guessing the key from the hashes is not an option.
constexpr std::size_t kMinHashKeyBytes = 16;

std::string Quoted(std::string_view text) { return QuoteForMessage(text); }

template <std::size_t N>
std::string Suggestion(std::string_view typed, const std::array<std::string_view, N>& known) {
  std::string_view s = SuggestKey(typed, known);
  if (s.empty()) return {};
  return base::StrCat("; did you mean \"", s, "\"?");
}

template <std::size_t N>
std::string JoinNames(const std::array<std::string_view, N>& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

// Where a TOML string value's text starts: one column after its opening quote. Exact for
// one-line literal strings ('...', the form docs/processors.md recommends for regexes).
Position TextStart(const toml::node& node, Position fallback) {
  Position at = PositionOf(node, fallback);
  if (at.line != 0) ++at.column;
  return at;
}

// Reads the processors of one array; one instance per LoadProcessors call.
class ProcessorsLoader {
 public:
  explicit ProcessorsLoader(ErrorList& errors) : errors_(errors) {}

  void LoadOne(const toml::table& table, std::string path, Position fallback, ProcessorConfig* p) {
    TableReader reader(table, path, errors_, fallback);
    p->name = std::move(path);
    std::string type;
    Outcome outcome = reader.String("type", &type);
    if (outcome == Outcome::kAbsent) {
      reader.Error("type", base::StrCat("missing; every processor needs a type, one of ",
                                        JoinNames(kTypeTexts)));
    }
    bool known = false;
    if (outcome == Outcome::kSet) {
      for (const auto& t : kTypeNames) {
        if (t.name == type) {
          p->type = t.value;
          known = true;
        }
      }
      if (!known) {
        std::string hint = Suggestion(type, kTypeTexts);
        reader.Error("type", base::StrCat("unknown processor type ", Quoted(type),
                                          hint.empty() ? base::StrCat("; expected one of ",
                                                                      JoinNames(kTypeTexts))
                                                       : hint));
      }
    }
    if (!known) {
      // The other keys belong to a type we do not know; checking them would only add noise.
      for (const auto& [key, value] : table) reader.Skip(key.str());
      return;
    }
    switch (p->type) {
      case ProcessorType::kInclude:
      case ProcessorType::kExclude:
        LoadFilter(reader, table, p);
        break;
      case ProcessorType::kParse:
        LoadParse(reader, table, p);
        break;
      case ProcessorType::kFields:
        LoadFields(reader, p);
        break;
      case ProcessorType::kDropEvent:
        if (!LoadCondition(reader, &p->when)) {
          if (!reader.Has("when")) {
            reader.Error("when",
                         "missing; drop_event needs a condition, like when = { field = "
                         "\"log.level\", equals = \"debug\" }");
          }
        }
        break;
      case ProcessorType::kSample: {
        int64_t every = 0;
        Outcome o = reader.Integer("every", 1, INT64_MAX, &every);
        if (o == Outcome::kAbsent) {
          reader.Error("every", "missing; sample keeps 1 in `every` events, like every = 100");
        } else if (o == Outcome::kSet) {
          p->every = static_cast<uint64_t>(every);
        }
        LoadCondition(reader, &p->when);
        break;
      }
      case ProcessorType::kRedact:
        LoadRedact(reader, table, p);
        break;
      case ProcessorType::kKubernetes:
        reader.String("node_name", &p->node_name);
        break;
    }
    reader.ReportUnknownKeys();
  }

 private:
  // Compiles `pattern` and reports RE2's message at the offending fragment. `node` is the
  // TOML string the pattern came from.
  bool CheckRegex(std::string_view pattern, const toml::node& node, Position fallback,
                  const std::string& path, re2::RE2::Options options = {}) {
    options.set_log_errors(false);
    re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (re.ok()) return true;
    Position at = TextStart(node, fallback);
    std::size_t offset = pattern.find(re.error_arg());
    if (at.line != 0 && offset != std::string_view::npos && !re.error_arg().empty()) {
      at.column += static_cast<int>(offset);
    }
    errors_.Add(at, path, base::StrCat("invalid regex: ", re.error()));
    return false;
  }

  bool CheckRegexKey(TableReader& reader, const toml::table& table, std::string_view key,
                     std::string_view pattern) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return true;
    return CheckRegex(pattern, *node, reader.PositionOf(key), reader.PathOf(key));
  }

  // Checks each element of the array `key` as a regex.
  bool CheckRegexArray(TableReader& reader, const toml::table& table, std::string_view key,
                       const std::vector<std::string>& patterns) {
    const toml::array* array = table.get_as<toml::array>(key);
    if (array == nullptr) return true;
    bool ok = true;
    for (std::size_t i = 0; i < patterns.size() && i < array->size(); ++i) {
      ok &= CheckRegex(patterns[i], *array->get(i), reader.PositionOf(key),
                       base::StrCat(reader.PathOf(key), "[", i, "]"));
    }
    return ok;
  }

  void CheckFieldName(TableReader& reader, std::string_view key, std::string_view name) {
    if (name.empty()) reader.Error(key, "must name a field, like \"log.level\"");
  }

  void LoadFilter(TableReader& reader, const toml::table& table, ProcessorConfig* p) {
    if (reader.String("field", &p->field) == Outcome::kSet)
      CheckFieldName(reader, "field", p->field);
    Outcome o = reader.StringArray("patterns", &p->patterns);
    if (o == Outcome::kAbsent || (o == Outcome::kSet && p->patterns.empty())) {
      reader.Error("patterns", "missing; list RE2 patterns, like patterns = ['^DEBUG']");
    } else if (o == Outcome::kSet) {
      CheckRegexArray(reader, table, "patterns", p->patterns);
    }
  }

  void LoadParse(TableReader& reader, const toml::table& table, ProcessorConfig* p) {
    if (reader.String("field", &p->field) == Outcome::kSet)
      CheckFieldName(reader, "field", p->field);
    Outcome regex = reader.String("regex", &p->regex);
    Outcome preset = reader.String("pattern", &p->preset);
    std::vector<std::string> captures;  // field names the regex fills
    if (regex == Outcome::kSet && preset == Outcome::kSet) {
      reader.Error("pattern", "use either `regex` or `pattern`, not both");
    } else if (regex == Outcome::kAbsent && preset == Outcome::kAbsent) {
      reader.Error("regex",
                   base::StrCat("missing; give a regex with named captures, like regex = "
                                "'^(?P<client_ip>\\S+)', or a ready-made pattern = one of ",
                                JoinNames(kPresetNames)));
    } else if (preset == Outcome::kSet) {
      bool found = false;
      for (std::string_view name : kPresetNames) found = found || name == p->preset;
      if (!found) {
        std::string hint = Suggestion(p->preset, kPresetNames);
        reader.Error("pattern", base::StrCat("unknown pattern ", Quoted(p->preset),
                                             hint.empty() ? base::StrCat("; expected one of ",
                                                                         JoinNames(kPresetNames))
                                                          : hint));
      }
    } else if (regex == Outcome::kSet) {
      if (CheckRegexKey(reader, table, "regex", p->regex)) {
        re2::RE2::Options options;
        options.set_log_errors(false);
        re2::RE2 re(p->regex, options);
        for (const auto& [name, index] : re.NamedCapturingGroups()) {
          std::string field;
          for (std::size_t i = 0; i < name.size(); ++i) {
            if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
              field += '.';
              ++i;
            } else {
              field += name[i];
            }
          }
          captures.push_back(std::move(field));
        }
        if (captures.empty()) {
          reader.Error("regex",
                       "has no named capture; name what to keep, like (?P<client_ip>\\S+)");
        }
      }
    }
    LoadTypes(reader, regex == Outcome::kSet ? &captures : nullptr, p);
    if (reader.String("timestamp_field", &p->timestamp_field) == Outcome::kSet &&
        regex == Outcome::kSet && !captures.empty()) {
      bool found = false;
      for (const std::string& c : captures) found = found || c == p->timestamp_field;
      if (!found) {
        reader.Error("timestamp_field",
                     base::StrCat("the regex has no capture named ", Quoted(p->timestamp_field)));
      }
    }
    reader.Enum("timestamp_format", kTimestampFormatNames, &p->timestamp_format);
  }

  // types = { "http.response.status_code" = "int" }. With `captures`, each name must be
  // one of them (a typo would silently leave the field a string).
  void LoadTypes(TableReader& reader, const std::vector<std::string>* captures,
                 ProcessorConfig* p) {
    const toml::table* types = reader.Table("types");
    if (types == nullptr) return;
    TableReader sub(*types, reader.PathOf("types"), errors_, reader.PositionOf("types"));
    for (const auto& [name, value] : *types) {
      std::string_view key = name.str();
      Position at = PositionOf(value, sub.TablePosition());
      std::string path = sub.PathOf(key);
      const std::string* text = value.as_string() ? &value.as_string()->get() : nullptr;
      const EnumName<FieldType>* chosen = nullptr;
      for (const auto& t : kFieldTypeNames) {
        if (text != nullptr && t.name == *text) chosen = &t;
      }
      if (chosen == nullptr) {
        errors_.Add(at, path, "expected \"string\", \"int\", \"float\" or \"bool\"");
        continue;
      }
      if (captures != nullptr && !captures->empty()) {
        bool found = false;
        for (const std::string& c : *captures) found = found || c == key;
        if (!found) {
          std::vector<std::string_view> known(captures->begin(), captures->end());
          std::string_view s = SuggestKey(key, known);
          errors_.Add(at, path,
                      base::StrCat(
                          "the regex has no capture named ", Quoted(key),
                          s.empty() ? std::string() : base::StrCat("; did you mean \"", s, "\"?")));
          continue;
        }
      }
      p->types.emplace_back(std::string(key), chosen->value);
    }
  }

  // A table of field name -> field name (rename, copy).
  void LoadFieldPairs(TableReader& reader, std::string_view key, bool from_may_be_message,
                      std::vector<std::pair<std::string, std::string>>* out) {
    const toml::table* pairs = reader.Table(key);
    if (pairs == nullptr) return;
    TableReader sub(*pairs, reader.PathOf(key), errors_, reader.PositionOf(key));
    for (const auto& [name, value] : *pairs) {
      std::string_view from = name.str();
      Position at = PositionOf(value, sub.TablePosition());
      std::string path = sub.PathOf(from);
      if (!value.is_string() || value.as_string()->get().empty()) {
        errors_.Add(at, path, "expected the new field name as a string, like { a = \"b\" }");
        continue;
      }
      if (!from_may_be_message && from == kMessage) {
        errors_.Add(at, path, "the message cannot be renamed; copy it instead");
        continue;
      }
      out->emplace_back(std::string(from), value.as_string()->get());
    }
  }

  void LoadFields(TableReader& reader, ProcessorConfig* p) {
    std::vector<Field> add;
    if (reader.Fields("add", &add) == Outcome::kSet) {
      for (Field& f : add) p->add.emplace_back(std::move(f.key), std::move(f.json_value));
    }
    LoadFieldPairs(reader, "rename", false, &p->rename);
    LoadFieldPairs(reader, "copy", true, &p->copy);
    if (reader.StringArray("remove", &p->remove) == Outcome::kSet) {
      for (std::size_t i = 0; i < p->remove.size(); ++i) {
        if (p->remove[i] == kMessage)
          reader.ElementError("remove", i, "the message cannot be removed");
        if (p->remove[i].empty()) reader.ElementError("remove", i, "must not be empty");
      }
    }
    if (p->add.empty() && p->rename.empty() && p->copy.empty() && p->remove.empty() &&
        !reader.Has("add") && !reader.Has("rename") && !reader.Has("copy") &&
        !reader.Has("remove")) {
      reader.Error("type", "a fields processor needs at least one of add, rename, copy, remove");
    }
  }

  // `when = { field = "...", equals | matches | exists = ... }`; false when absent.
  bool LoadCondition(TableReader& reader, ConditionConfig* out) {
    const toml::table* when = reader.Table("when");
    if (when == nullptr) return false;
    TableReader sub(*when, reader.PathOf("when"), errors_, reader.PositionOf("when"));
    if (sub.String("field", &out->field) == Outcome::kSet) CheckFieldName(sub, "field", out->field);
    int tests = 0;
    if (sub.String("equals", &out->value) == Outcome::kSet) {
      out->kind = ConditionConfig::Kind::kEquals;
      ++tests;
    }
    std::string pattern;
    if (sub.String("matches", &pattern) == Outcome::kSet) {
      out->kind = ConditionConfig::Kind::kMatches;
      out->value = pattern;
      ++tests;
      if (const toml::node* node = when->get("matches")) {
        CheckRegex(pattern, *node, sub.PositionOf("matches"), sub.PathOf("matches"));
      }
    }
    if (sub.Bool("exists", &out->exists) == Outcome::kSet) {
      out->kind = ConditionConfig::Kind::kExists;
      ++tests;
    }
    if (tests != 1) {
      errors_.Add(sub.TablePosition(), reader.PathOf("when"),
                  tests == 0 ? "needs one test: equals = \"...\", matches = '...' or exists = true"
                             : "give only one of equals, matches and exists");
    }
    sub.ReportUnknownKeys();
    return true;
  }

  void LoadRedact(TableReader& reader, const toml::table& table, ProcessorConfig* p) {
    Outcome names = reader.StringArray("patterns", &p->builtin_patterns);
    if (names == Outcome::kSet) {
      for (std::size_t i = 0; i < p->builtin_patterns.size(); ++i) {
        const std::string& name = p->builtin_patterns[i];
        bool found = false;
        for (std::string_view n : kRedactNames) found = found || n == name;
        if (found) continue;
        std::string hint = Suggestion(name, kRedactNames);
        reader.ElementError(
            "patterns", i,
            base::StrCat("unknown built-in pattern ", Quoted(name),
                         hint.empty() ? base::StrCat("; expected one of ", JoinNames(kRedactNames),
                                                     " (put your own regexes in `custom`)")
                                      : hint));
      }
    }
    Outcome custom = reader.StringArray("custom", &p->custom_patterns);
    if (custom == Outcome::kSet) CheckRegexArray(reader, table, "custom", p->custom_patterns);
    if (p->builtin_patterns.empty() && p->custom_patterns.empty() && names != Outcome::kInvalid &&
        custom != Outcome::kInvalid) {
      reader.Error("patterns",
                   base::StrCat("missing; list what to mask, like patterns = [\"bearer_token\", "
                                "\"credit_card\"] (one of ",
                                JoinNames(kRedactNames), ") or custom = ['token=(\\w+)']"));
    }
    if (reader.StringArray("fields", &p->redact_fields) == Outcome::kSet) {
      for (std::size_t i = 0; i < p->redact_fields.size(); ++i) {
        if (p->redact_fields[i].empty()) reader.ElementError("fields", i, "must not be empty");
      }
    }
    reader.Enum("mode", kRedactModeNames, &p->mode);
    if (reader.String("token", &p->token) == Outcome::kSet && p->token.empty()) {
      reader.Error("token", "must not be empty");
    }
    Secret key;
    Outcome key_outcome = reader.SecretValue("hash_key", &key);
    if (p->mode == RedactMode::kHash) {
      if (key_outcome == Outcome::kAbsent) {
        reader.Error(
            "hash_key",
            "missing; mode = \"hash\" needs a key, like hash_key = \"${SKIFF_REDACT_KEY}\"");
      } else if (key_outcome == Outcome::kSet && key.value.size() < kMinHashKeyBytes) {
        reader.Error("hash_key", "must be at least 16 bytes long");
      }
    } else if (key_outcome == Outcome::kSet) {
      reader.Error("hash_key", "only used with mode = \"hash\"");
    }
    p->hash_key = std::move(key.value);
  }

  ErrorList& errors_;
};

}  // namespace

void LoadProcessors(TableReader& parent, std::string_view key, ErrorList& errors,
                    ProcessorConfigs* out) {
  const toml::array* array = parent.ArrayOfTables(key);
  if (array == nullptr) return;
  ProcessorsLoader loader(errors);
  out->resize(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    loader.LoadOne(*array->get(i)->as_table(), base::StrCat(parent.PathOf(key), "[", i, "]"),
                   parent.PositionOf(key), &(*out)[i]);
  }
}

std::vector<std::string_view> BuiltinRedactPatternNames() {
  return {kRedactNames.begin(), kRedactNames.end()};
}

std::vector<std::string_view> ParsePresetNames() {
  return {kPresetNames.begin(), kPresetNames.end()};
}

}  // namespace config
