#include "tests/esim/filter_path.h"

#include <charconv>

#include "tests/esim/json_text.h"

namespace esim {
namespace {

bool SegmentMatches(std::string_view pattern, std::string_view key) {
  // Glob with '*' only.
  std::size_t p = 0, k = 0, star = std::string_view::npos, mark = 0;
  while (k < key.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = k;
    } else if (p < pattern.size() && pattern[p] == key[k]) {
      ++p;
      ++k;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      k = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

FilterPath::FilterPath(std::string_view spec) {
  while (!spec.empty()) {
    std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    bool exclude = !item.empty() && item.front() == '-';
    if (exclude) item.remove_prefix(1);
    Pattern pattern;
    while (!item.empty()) {
      std::size_t dot = item.find('.');
      pattern.emplace_back(item.substr(0, dot));
      if (dot == std::string_view::npos) break;
      item.remove_prefix(dot + 1);
    }
    if (!pattern.empty()) (exclude ? excludes_ : includes_).push_back(std::move(pattern));
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
}

bool FilterPath::Advance(const std::vector<Pattern>& patterns, const std::vector<State>& states,
                         std::string_view key, std::vector<State>& next) {
  bool matched = false;
  auto push = [&](uint32_t pattern, uint32_t segment) {
    const Pattern& p = patterns[pattern];
    // A pattern is complete when only "**" segments remain.
    uint32_t rest = segment;
    while (rest < p.size() && p[rest] == "**") ++rest;
    if (rest == p.size()) matched = true;
    if (segment < p.size()) next.push_back({pattern, segment});
  };
  for (const State& s : states) {
    const Pattern& p = patterns[s.pattern];
    uint32_t segment = s.segment;
    // "**" may match zero levels: try the segments after it too.
    while (segment < p.size() && p[segment] == "**") {
      push(s.pattern, segment);  // "**" swallows `key` and stays
      ++segment;
    }
    if (segment < p.size() && SegmentMatches(p[segment], key)) push(s.pattern, segment + 1);
  }
  return matched;
}

void FilterPath::WriteValue(simdjson::dom::element value, std::string& out) {
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      for (auto [key, child] : simdjson::dom::object(value)) {
        if (!first) out += ',';
        first = false;
        AppendJsonText(out, key);
        out += ':';
        WriteValue(child, out);
      }
      out += '}';
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (simdjson::dom::element child : simdjson::dom::array(value)) {
        if (!first) out += ',';
        first = false;
        WriteValue(child, out);
      }
      out += ']';
      return;
    }
    case simdjson::dom::element_type::STRING:
      AppendJsonText(out, std::string_view(value));
      return;
    case simdjson::dom::element_type::INT64:
      AppendJsonInt(out, int64_t(value));
      return;
    case simdjson::dom::element_type::UINT64: {
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), uint64_t(value));
      out.append(digits, end);
      return;
    }
    case simdjson::dom::element_type::DOUBLE: {
      char digits[32];
      auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), double(value));
      out.append(digits, end);
      return;
    }
    case simdjson::dom::element_type::BOOL:
      out += bool(value) ? "true" : "false";
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      return;
  }
}

bool FilterPath::Include(simdjson::dom::element value, const std::vector<State>& states,
                         std::string& out) const {
  std::vector<State> next;
  if (value.is_object()) {
    std::size_t start = out.size();
    out += '{';
    bool any = false;
    for (auto [key, child] : simdjson::dom::object(value)) {
      next.clear();
      bool matched = Advance(includes_, states, key, next);
      if (!matched && next.empty()) continue;
      std::size_t field_start = out.size();
      if (any) out += ',';
      AppendJsonText(out, key);
      out += ':';
      if (matched) {
        WriteValue(child, out);
      } else if (!Include(child, next, out)) {
        out.resize(field_start);
        continue;
      }
      any = true;
    }
    if (!any) {
      out.resize(start);
      return false;
    }
    out += '}';
    return true;
  }
  if (value.is_array()) {
    std::size_t start = out.size();
    out += '[';
    bool any = false;
    for (simdjson::dom::element child : simdjson::dom::array(value)) {
      std::size_t element_start = out.size();
      if (any) out += ',';
      if (!Include(child, states, out)) {
        out.resize(element_start);
        continue;
      }
      any = true;
    }
    if (!any) {
      out.resize(start);
      return false;
    }
    out += ']';
    return true;
  }
  return false;  // a scalar reached without a full match
}

bool FilterPath::Exclude(simdjson::dom::element value, const std::vector<State>& states,
                         std::string& out) const {
  if (states.empty()) {
    WriteValue(value, out);
    return true;
  }
  // As with includes, an object or array emptied by the filter is dropped; one that was
  // empty to begin with is kept.
  std::vector<State> next;
  if (value.is_object()) {
    const std::size_t start = out.size();
    out += '{';
    bool any = false;
    bool had_fields = false;
    for (auto [key, child] : simdjson::dom::object(value)) {
      had_fields = true;
      next.clear();
      if (Advance(excludes_, states, key, next)) continue;
      std::size_t field_start = out.size();
      if (any) out += ',';
      AppendJsonText(out, key);
      out += ':';
      if (!Exclude(child, next, out)) {
        out.resize(field_start);
        continue;
      }
      any = true;
    }
    if (had_fields && !any) {
      out.resize(start);
      return false;
    }
    out += '}';
    return true;
  }
  if (value.is_array()) {
    const std::size_t start = out.size();
    out += '[';
    bool any = false;
    bool had_elements = false;
    for (simdjson::dom::element child : simdjson::dom::array(value)) {
      had_elements = true;
      std::size_t element_start = out.size();
      if (any) out += ',';
      if (!Exclude(child, states, out)) {
        out.resize(element_start);
        continue;
      }
      any = true;
    }
    if (had_elements && !any) {
      out.resize(start);
      return false;
    }
    out += ']';
    return true;
  }
  WriteValue(value, out);
  return true;
}

FilterPath::Match FilterPath::Classify(std::initializer_list<std::string_view> path) const {
  std::vector<State> states;
  for (uint32_t i = 0; i < includes_.size(); ++i) states.push_back({i, 0});
  std::vector<State> next;
  for (std::string_view key : path) {
    next.clear();
    if (Advance(includes_, states, key, next)) return Match::kAll;
    if (next.empty()) return Match::kNone;
    states.swap(next);
  }
  return Match::kPartial;
}

bool FilterPath::ApplyAt(std::initializer_list<std::string_view> path, std::string_view json,
                         simdjson::dom::parser& parser, std::string& out) const {
  std::vector<State> states;
  for (uint32_t i = 0; i < includes_.size(); ++i) states.push_back({i, 0});
  std::vector<State> next;
  for (std::string_view key : path) {
    next.clear();
    Advance(includes_, states, key, next);
    states.swap(next);
  }
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), false).get(root) != simdjson::SUCCESS) return false;
  return Include(root, states, out);
}

bool FilterPath::Apply(std::string_view json, simdjson::dom::parser& parser,
                       std::string& out) const {
  out.clear();
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), false).get(root) != simdjson::SUCCESS) return false;
  std::vector<State> states;
  if (!includes_.empty()) {
    for (uint32_t i = 0; i < includes_.size(); ++i) states.push_back({i, 0});
    if (!Include(root, states, out)) out = "{}";
    if (excludes_.empty()) return true;
    // Excludes apply to what the includes kept.
    std::string kept = std::move(out);
    kept.reserve(kept.size() + simdjson::SIMDJSON_PADDING);
    out.clear();
    if (parser.parse(kept.data(), kept.size(), false).get(root) != simdjson::SUCCESS) {
      return false;
    }
  }
  states.clear();
  for (uint32_t i = 0; i < excludes_.size(); ++i) states.push_back({i, 0});
  if (!Exclude(root, states, out)) out = "{}";
  return true;
}

}  // namespace esim
