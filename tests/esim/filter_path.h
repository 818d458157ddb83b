// FilterPath: Elasticsearch's `filter_path` response filtering. A comma-separated list of
// dotted field paths; `*` matches within one field name, `**` matches any number of
// levels, a leading `-` excludes instead of includes. Arrays are transparent (paths name
// object fields only), and objects or arrays left empty by the filter are dropped, so
// "errors,items.*.status" turns a bulk response into
// {"errors":false,"items":[{"create":{"status":201}},...]}, and a filter that matches
// nothing gives {}.
#pragma once

#include <simdjson.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace esim {

class FilterPath {
 public:
  // Parses `spec`; an empty spec filters nothing.
  explicit FilterPath(std::string_view spec);

  bool empty() const { return includes_.empty() && excludes_.empty(); }
  bool has_excludes() const { return !excludes_.empty(); }

  // How an include-only filter treats the field at `path` (object keys from the root):
  // kept whole, kept in part (some descendants), or dropped. Lets a renderer that knows
  // its output's shape filter while writing instead of re-parsing (the bulk response).
  enum class Match { kNone, kPartial, kAll };
  Match Classify(std::initializer_list<std::string_view> path) const;

  // Filters `json`, the value found at `path`, into `out` (appending). Returns false when
  // nothing of it is kept. `json` must be padded as for Apply.
  bool ApplyAt(std::initializer_list<std::string_view> path, std::string_view json,
               simdjson::dom::parser& parser, std::string& out) const;

  // Writes `json`, filtered, to `out`. `json` must have simdjson::SIMDJSON_PADDING readable
  // bytes after its end. Returns false (and leaves `out` empty) when `json` is not JSON.
  bool Apply(std::string_view json, simdjson::dom::parser& parser, std::string& out) const;

 private:
  using Pattern = std::vector<std::string>;
  // A position in one pattern: the next segment to match.
  struct State {
    uint32_t pattern;
    uint32_t segment;
  };

  // Advances `states` over field `key`. Returns true when some pattern is fully matched.
  static bool Advance(const std::vector<Pattern>& patterns, const std::vector<State>& states,
                      std::string_view key, std::vector<State>& next);
  // Returns false when nothing was written (the value is filtered out entirely).
  bool Include(simdjson::dom::element value, const std::vector<State>& states,
               std::string& out) const;
  bool Exclude(simdjson::dom::element value, const std::vector<State>& states,
               std::string& out) const;
  static void WriteValue(simdjson::dom::element value, std::string& out);

  std::vector<Pattern> includes_;
  std::vector<Pattern> excludes_;
};

}  // namespace esim
