// IndexTemplate: an index or data stream name that depends on the event. Two kinds of
// placeholders:
//   %Y %m %d %H   the event's @timestamp in UTC (year, month, day, hour; zero-padded), as
//                 strftime writes them: "logs-app-%Y.%m.%d" -> "logs-app-2026.11.22"
//   %{[a][b]}     the value of the event's field a.b (Logstash's field reference syntax):
//                 "logs-%{[service]}-default" -> "logs-checkout-default"
//   %%            a literal '%'
// A field is looked up in the event's parsed fields, then in its batch's shared fields
// (input `fields`, host.name, ...), both as the dotted key "a.b" and as the nested object
// {"a":{"b":...}}. Strings and numbers are used as written, lowercased, with the
// characters Elasticsearch forbids in index names (\ / * ? " < > | , # : space) replaced
// by '_'. A missing field (or an object, array or null) makes Render() fail: the caller
// uses its fallback index and counts it.
//
// Rendering appends to a caller's reused string and allocates nothing per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/event.h"
#include "platforms/base/result.h"

namespace transport {

class IndexTemplate {
 public:
  IndexTemplate() = default;
  // A template without placeholders: every event goes to `name`.
  static IndexTemplate Literal(std::string_view name);
  // Parses `text`. Errors name the offending placeholder and what to write instead.
  static base::Result<IndexTemplate> Parse(std::string_view text);

  const std::string& text() const { return text_; }
  // No placeholders: every event goes to text().
  bool is_static() const { return static_; }
  bool uses_fields() const { return uses_fields_; }

  // Replaces `out` with the name for `event` of `batch`. False when a referenced field is
  // missing or not a string or number (then `out` is unspecified).
  bool Render(const buffer::EventBatch& batch, const buffer::Event& event, std::string& out) const;

  // The Elasticsearch index pattern every rendering matches, for index templates and
  // roles: each placeholder becomes '*', and placeholders separated only by '.', '-' or '_'
  // share one ("logs-app-%Y.%m.%d" -> "logs-app-*", "logs-%{[service]}-default" ->
  // "logs-*-default"). A static template is its name.
  std::string WildcardPattern() const;

 private:
  enum class Kind { kLiteral, kYear, kMonth, kDay, kHour, kField };
  struct Part {
    Kind kind;
    std::string literal;            // kLiteral
    std::vector<std::string> path;  // kField: ["a", "b"]
  };

  std::string text_;
  std::vector<Part> parts_;
  bool static_ = true;
  bool uses_fields_ = false;
};

// Looks up the field at `path` in JSON object members without braces (`"a":1,"b":{...}`):
// the dotted key "a.b" or nested objects. Returns the raw value text (a string's content
// without quotes, escapes left as they are), or false. Exposed for tests.
bool FindJsonField(std::string_view members, const std::vector<std::string>& path,
                   std::string_view* value);

// Data stream naming, `<type>-<dataset>-<namespace>` (elasticsearch-bulk.md §1): splits
// `name` at its first and last '-'. False unless there are exactly two '-' and no part is
// empty.
struct DataStreamName {
  std::string_view type;
  std::string_view dataset;
  std::string_view name_space;
};
bool SplitDataStreamName(std::string_view name, DataStreamName* out);

}  // namespace transport
