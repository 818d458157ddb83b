// JsonLineParser: turns a line holding a JSON object into an event's fields, for inputs
// with `format = "json"` or `"auto"` (docs/file-input.md, "JSON lines").
//
// The object's members become fields of the event (or, with `json.target`, the object
// stays whole under that field). Three members are lifted: the first timestamp field that
// parses (RFC 3339 / ISO 8601 text, or a number of epoch seconds, milliseconds,
// microseconds or nanoseconds told apart by size) becomes @timestamp; the first string
// level field becomes `log.level`; the first message field becomes the message. Members
// named like the document's own fields (`@timestamp`, `message`, `log.offset`,
// `log.flags`) that were not lifted are renamed `json.<name>`, so a document never has a
// key twice. A timestamp field that does not parse stays a field and the event is
// flagged timestamp_parse_failed.
//
// One parser per input, reused for every line: simdjson's DOM parser keeps its buffers,
// so a line costs no allocation beyond the growth of the event's own strings.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "buffer/event.h"
#include "config/file_parsing_config.h"

namespace agent {

class JsonLineParser {
 public:
  explicit JsonLineParser(config::JsonConfig options);
  JsonLineParser(const JsonLineParser&) = delete;
  JsonLineParser& operator=(const JsonLineParser&) = delete;

  // Parses `event->message` as a JSON object. On success the message, fields_json
  // (appended to what is there), time and flags are updated and true is returned; when
  // the text is not a JSON object the event is left as it was and false is returned.
  bool Parse(buffer::Event* event);

 private:
  bool ParseRoot(simdjson::dom::element root_element, simdjson::dom::object root,
                 buffer::Event* event);
  void AppendMember(std::string& out, std::string_view name, simdjson::dom::element value);

  config::JsonConfig options_;
  simdjson::dom::parser parser_;
  std::string fields_;  // scratch: the fields being rendered, swapped into the event
};

// Appends `value` as JSON text (objects and arrays whole). Floats keep a '.' so that
// Elasticsearch maps them as floats ("2.0", not "2").
void AppendJsonElement(std::string& out, simdjson::dom::element value);

// The time a JSON timestamp value means: a string in RFC 3339 (or another format
// ParseTimestamp knows), or a number since the epoch whose unit follows from its size.
std::optional<int64_t> JsonTime(simdjson::dom::element value, int64_t reference_unix_nanos);

}  // namespace agent
