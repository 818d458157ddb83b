#include "transport/index_template.h"

#include <cstdio>

#include "platforms/base/log.h"

namespace transport {
namespace {

// Days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil inverse).
struct CivilTime {
  int64_t year;
  unsigned month;
  unsigned day;
  unsigned hour;
};

CivilTime ToCivil(int64_t unix_nanos) {
  constexpr int64_t kNanosPerSecond = 1'000'000'000;
  constexpr int64_t kSecondsPerDay = 86'400;
  int64_t seconds = unix_nanos / kNanosPerSecond;
  if (unix_nanos % kNanosPerSecond < 0) --seconds;
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d, static_cast<unsigned>(second_of_day / 3600)};
}

void AppendPadded(std::string& out, int64_t v, int width) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%0*lld", width, static_cast<long long>(v));
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}

// Characters Elasticsearch refuses in index names become '_'; letters are lowercased.
void AppendSanitized(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (std::string_view("\\/*?\"<>|,#: ").find(c) != std::string_view::npos) {
      out += '_';
    } else {
      out += c;
    }
  }
}

// A cursor over JSON text that is trusted to be well formed (the agent rendered it).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A string's raw content (escapes kept); the cursor moves past the closing quote.
  bool String(std::string_view* out) {
    if (!Consume('"')) return false;
    std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2u : 1u;
    if (pos_ >= text_.size()) return false;
    *out = text_.substr(begin, pos_ - begin);
    ++pos_;
    return true;
  }
  // Skips one value; `raw` is its text, `kind` its first character.
  bool Value(std::string_view* raw, char* kind) {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    *kind = text_[pos_];
    if (*kind == '"') return String(raw);
    std::size_t begin = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        std::string_view ignored;
        if (!String(&ignored)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
        if (depth == 0) {
          ++pos_;
          break;
        }
      }
      if (depth == 0 && (c == ',' || c == ' ' || c == '\n')) break;
      ++pos_;
    }
    *raw = text_.substr(begin, pos_ - begin);
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Whether `key` is path[first..last] joined with '.'.
bool KeyIsPath(std::string_view key, const std::vector<std::string>& path, std::size_t first,
               std::size_t last) {
  for (std::size_t i = first; i <= last; ++i) {
    const std::string& seg = path[i];
    if (key.substr(0, seg.size()) != seg) return false;
    key.remove_prefix(seg.size());
    if (i < last) {
      if (key.empty() || key.front() != '.') return false;
      key.remove_prefix(1);
    }
  }
  return key.empty();
}

bool FindFrom(std::string_view members, const std::vector<std::string>& path, std::size_t first,
              std::string_view* value) {
  Scanner s(members);
  while (!s.AtEnd()) {
    std::string_view key;
    std::string_view raw;
    char kind = 0;
    if (!s.String(&key) || !s.Consume(':') || !s.Value(&raw, &kind)) return false;
    for (std::size_t last = first; last < path.size(); ++last) {
      if (!KeyIsPath(key, path, first, last)) continue;
      if (last + 1 == path.size()) {
        if (kind == '{' || kind == '[' || kind == 'n') return false;
        *value = raw;
        return true;
      }
      if (kind == '{' && raw.size() >= 2 &&
          FindFrom(raw.substr(1, raw.size() - 2), path, last + 1, value)) {
        return true;
      }
    }
    s.Consume(',');
  }
  return false;
}

}  // namespace

bool FindJsonField(std::string_view members, const std::vector<std::string>& path,
                   std::string_view* value) {
  if (path.empty()) return false;
  return FindFrom(members, path, 0, value);
}

bool SplitDataStreamName(std::string_view name, DataStreamName* out) {
  std::size_t first = name.find('-');
  std::size_t last = name.rfind('-');
  if (first == std::string_view::npos || first == last) return false;
  if (name.substr(first + 1, last - first - 1).find('-') != std::string_view::npos) return false;
  DataStreamName d{name.substr(0, first), name.substr(first + 1, last - first - 1),
                   name.substr(last + 1)};
  if (d.type.empty() || d.dataset.empty() || d.name_space.empty()) return false;
  *out = d;
  return true;
}

IndexTemplate IndexTemplate::Literal(std::string_view name) {
  IndexTemplate t;
  t.text_ = std::string(name);
  return t;
}

base::Result<IndexTemplate> IndexTemplate::Parse(std::string_view text) {
  IndexTemplate t;
  t.text_ = std::string(text);
  auto literal = [&t](std::string_view s) {
    if (t.parts_.empty() || t.parts_.back().kind != Kind::kLiteral) {
      t.parts_.push_back(Part{Kind::kLiteral, {}, {}});
    }
    t.parts_.back().literal.append(s);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '%') {
      literal(text.substr(i, 1));
      continue;
    }
    if (i + 1 >= text.size()) {
      return base::InvalidArgument(
          "ends with a lone '%'; write %% for a literal percent sign, or a placeholder "
          "(%Y, %m, %d, %H, %{[field]})");
    }
    char spec = text[++i];
    switch (spec) {
      case '%':
        literal("%");
        continue;
      case 'Y':
        t.parts_.push_back(Part{Kind::kYear, {}, {}});
        break;
      case 'm':
        t.parts_.push_back(Part{Kind::kMonth, {}, {}});
        break;
      case 'd':
        t.parts_.push_back(Part{Kind::kDay, {}, {}});
        break;
      case 'H':
        t.parts_.push_back(Part{Kind::kHour, {}, {}});
        break;
      case '{': {
        std::size_t close = text.find('}', i);
        if (close == std::string_view::npos) {
          return base::InvalidArgument(
              base::StrCat("unterminated field reference at offset ", i - 1, "; write %{[field]}"));
        }
        std::string_view ref = text.substr(i + 1, close - i - 1);
        Part part{Kind::kField, {}, {}};
        while (!ref.empty()) {
          if (ref.front() != '[') break;
          std::size_t end = ref.find(']');
          if (end == std::string_view::npos || end == 1) break;
          part.path.emplace_back(ref.substr(1, end - 1));
          ref.remove_prefix(end + 1);
        }
        if (part.path.empty() || !ref.empty()) {
          return base::InvalidArgument(
              base::StrCat("field reference %{", text.substr(i + 1, close - i - 1),
                           "} is not in the form %{[field]} or %{[object][field]}"));
        }
        t.parts_.push_back(std::move(part));
        t.uses_fields_ = true;
        i = close;
        break;
      }
      default:
        return base::InvalidArgument(base::StrCat(
            "unknown placeholder %", std::string_view(&text[i], 1),
            "; the date placeholders are %Y, %m, %d and %H (UTC), fields are %{[field]}, and "
            "%% is a literal percent sign"));
    }
    t.static_ = false;
  }
  if (t.static_) {
    // Keep text() as the name itself (a "%%" becomes "%").
    t.text_ = t.parts_.empty() ? std::string() : t.parts_.front().literal;
  }
  return t;
}

std::string IndexTemplate::WildcardPattern() const {
  if (static_) return text_;
  std::string out;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    if (p.kind != Kind::kLiteral) {
      if (out.empty() || out.back() != '*') out.push_back('*');
      continue;
    }
    // A separator between two placeholders joins them into the '*' already written.
    bool between_placeholders = i > 0 && i + 1 < parts_.size() &&
                                p.literal.find_first_not_of(".-_") == std::string::npos;
    if (!between_placeholders) out.append(p.literal);
  }
  return out;
}

bool IndexTemplate::Render(const buffer::EventBatch& batch, const buffer::Event& event,
                           std::string& out) const {
  out.clear();
  if (static_) {
    out.append(text_);
    return true;
  }
  CivilTime civil{};
  bool have_civil = false;
  auto time = [&]() -> const CivilTime& {
    if (!have_civil) {
      civil = ToCivil(event.time_unix_nanos);
      have_civil = true;
    }
    return civil;
  };
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Kind::kLiteral:
        out.append(p.literal);
        break;
      case Kind::kYear:
        AppendPadded(out, time().year, 4);
        break;
      case Kind::kMonth:
        AppendPadded(out, time().month, 2);
        break;
      case Kind::kDay:
        AppendPadded(out, time().day, 2);
        break;
      case Kind::kHour:
        AppendPadded(out, time().hour, 2);
        break;
      case Kind::kField: {
        std::string_view value;
        if (!FindJsonField(event.fields_json, p.path, &value) &&
            !FindJsonField(batch.shared_fields_json, p.path, &value)) {
          return false;
        }
        if (value.empty()) return false;
        AppendSanitized(out, value);
        break;
      }
    }
  }
  return true;
}

}  // namespace transport
