#include "agent/inputs/json_line_parser.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "agent/processors/timestamp_parser.h"
#include "platforms/base/json_writer.h"

namespace agent {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Epoch numbers are told apart by size: seconds stay below 1e11 until the year 5138,
// milliseconds below 1e14, microseconds below 1e17.
constexpr double kMillisFrom = 1e11;
constexpr double kMicrosFrom = 1e14;
constexpr double kNanosFrom = 1e17;
// Past this, a double of nanoseconds overflows int64_t.
constexpr double kMaxNanos = 9.2e18;

// Names every document already carries: rendered by transport/bulk_request.cc (the first
// four), shared by every event (agent/shared_fields.cc, the file input's path) or added by
// the output for data streams. A JSON member with one of these exact names would give the
// document that key twice, which Elasticsearch refuses; ECS loggers write "ecs.version"
// and "log.level"-style dotted keys at the top level, so this is common, not exotic.
constexpr std::string_view kReserved[] = {
    "@timestamp",    "message",          "log.offset",          "log.flags",
    "host.name",     "agent.type",       "agent.name",          "agent.id",
    "agent.version", "ecs.version",      "input.type",          "event.dataset",
    "log.file.path", "data_stream.type", "data_stream.dataset", "data_stream.namespace"};

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names) {
    if (n == name) return true;
  }
  return false;
}

bool IsReserved(std::string_view name) {
  for (std::string_view r : kReserved) {
    if (r == name) return true;
  }
  return false;
}

template <class Int>
void AppendInt(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

std::optional<int64_t> EpochToNanos(double value) {
  double magnitude = std::fabs(value);
  double unit_nanos = 1;
  if (magnitude < kMillisFrom) {
    unit_nanos = 1e9;
  } else if (magnitude < kMicrosFrom) {
    unit_nanos = 1e6;
  } else if (magnitude < kNanosFrom) {
    unit_nanos = 1e3;
  }
  if (!std::isfinite(value) || magnitude * unit_nanos > kMaxNanos) return std::nullopt;
  // Whole units and the fraction apart: a double holds about 16 digits, so the fraction is
  // kept to the microsecond rather than letting 19-digit nanoseconds round at random.
  const double whole = std::floor(value);
  const double fraction = value - whole;
  return static_cast<int64_t>(whole) * static_cast<int64_t>(unit_nanos) +
         std::llround(fraction * unit_nanos / 1e3) * 1'000;
}

std::optional<int64_t> EpochToNanos(int64_t value) {
  // Integers keep their precision: nanoseconds do not fit a double exactly. A time int64
  // nanoseconds cannot hold (seconds past 2262, say) does not parse.
  const uint64_t magnitude =
      value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  int64_t unit_nanos = kNanosPerSecond;
  if (magnitude >= static_cast<uint64_t>(kNanosFrom)) {
    unit_nanos = 1;
  } else if (magnitude >= static_cast<uint64_t>(kMicrosFrom)) {
    unit_nanos = 1'000;
  } else if (magnitude >= static_cast<uint64_t>(kMillisFrom)) {
    unit_nanos = 1'000'000;
  }
  int64_t nanos = 0;
  if (__builtin_mul_overflow(value, unit_nanos, &nanos)) return std::nullopt;
  return nanos;
}

}  // namespace

void AppendJsonElement(std::string& out, simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      out += '{';
      bool first = true;
      // Named, not iterated as a temporary: the range would outlive it.
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair member : object) {
        if (!first) out += ',';
        first = false;
        base::AppendJsonString(out, member.key);
        out += ':';
        AppendJsonElement(out, member.value);
      }
      out += '}';
      break;
    }
    case element_type::ARRAY: {
      out += '[';
      bool first = true;
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        if (!first) out += ',';
        first = false;
        AppendJsonElement(out, item);
      }
      out += ']';
      break;
    }
    case element_type::STRING:
      base::AppendJsonString(out, value.get_string().value_unsafe());
      break;
    case element_type::INT64:
      AppendInt(out, value.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      AppendInt(out, value.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.get_double().value_unsafe());
      std::string_view text(buf, static_cast<std::size_t>(end - buf));
      out += text;
      if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
      break;
    }
    case element_type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      break;
    case element_type::NULL_VALUE:
      out += "null";
      break;
  }
}

std::optional<int64_t> JsonTime(simdjson::dom::element value, int64_t reference_unix_nanos) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::STRING:
      return ParseTimestamp(value.get_string().value_unsafe(), config::TimestampFormat::kAuto,
                            reference_unix_nanos);
    case element_type::INT64:
      return EpochToNanos(value.get_int64().value_unsafe());
    case element_type::UINT64:
      return std::nullopt;  // beyond int64_t: not a time
    case element_type::DOUBLE:
      return EpochToNanos(value.get_double().value_unsafe());
    default:
      return std::nullopt;
  }
}

JsonLineParser::JsonLineParser(config::JsonConfig options) : options_(std::move(options)) {}

bool JsonLineParser::Parse(buffer::Event* event) {
  // The parser copies the text into its own padded buffer (reused), so the event's
  // message may be replaced while the document's strings are still read.
  simdjson::dom::element root;
  if (parser_.parse(event->message.data(), event->message.size()).get(root)) return false;
  simdjson::dom::object object;
  if (root.get_object().get(object)) return false;
  return ParseRoot(root, object, event);
}

bool JsonLineParser::ParseRoot(simdjson::dom::element root_element, simdjson::dom::object root,
                               buffer::Event* event) {
  fields_.clear();
  bool have_time = false;
  bool have_level = false;
  bool have_message = false;
  std::string_view message;
  std::string message_json;  // a message member that is not a string, rendered
  for (simdjson::dom::key_value_pair member : root) {
    const std::string_view name = member.key;
    if (!have_time && Contains(options_.timestamp_fields, name)) {
      if (std::optional<int64_t> t = JsonTime(member.value, event->time_unix_nanos)) {
        event->time_unix_nanos = *t;
        have_time = true;
        event->flags &= ~buffer::kFlagTimestampParseFailed;
        if (options_.target.empty()) continue;
      } else {
        event->flags |= buffer::kFlagTimestampParseFailed;
      }
    }
    if (!have_level && member.value.is_string() && Contains(options_.level_fields, name)) {
      have_level = true;
      if (options_.target.empty() || name != "log.level") {
        if (!fields_.empty()) fields_ += ',';
        fields_ += "\"log.level\":";
        base::AppendJsonString(fields_, member.value.get_string().value_unsafe());
      }
      if (options_.target.empty()) continue;
    }
    if (options_.target.empty() && !have_message && Contains(options_.message_fields, name)) {
      have_message = true;
      if (member.value.is_string()) {
        message = member.value.get_string().value_unsafe();
      } else {
        AppendJsonElement(message_json, member.value);
        message = message_json;
      }
      continue;
    }
    if (options_.target.empty()) AppendMember(fields_, name, member.value);
  }
  if (!options_.target.empty()) {
    // The object whole under the target; the message stays the line.
    if (!fields_.empty()) fields_ += ',';
    base::AppendJsonString(fields_, options_.target);
    fields_ += ':';
    AppendJsonElement(fields_, root_element);
  } else {
    event->message.assign(message);
  }
  if (!fields_.empty()) {
    if (!event->fields_json.empty()) event->fields_json += ',';
    event->fields_json += fields_;
  }
  return true;
}

void JsonLineParser::AppendMember(std::string& out, std::string_view name,
                                  simdjson::dom::element value) {
  if (!out.empty()) out += ',';
  if (IsReserved(name)) {
    // Reserved names are plain ASCII: nothing to escape.
    out += "\"json.";
    out += name;
    out += '"';
  } else {
    base::AppendJsonString(out, name);
  }
  out += ':';
  AppendJsonElement(out, value);
}

}  // namespace agent
