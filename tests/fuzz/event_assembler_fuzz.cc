// Fuzz target for agent::EventAssembler: container unwrapping (CRI, Docker json-file),
// multiline joining and JSON or text parsing, fed arbitrary lines with timeouts firing at
// arbitrary moments. Checks what the stage promises rather than only "does not crash":
// every event's message is valid UTF-8, its parsed fields form a valid JSON object, event
// offsets stay within the lines fed and, without container unwrapping, never go back
// (a container log's stdout and stderr fragments are joined apart, so their events may
// interleave), nothing is held beyond the last line, and nothing is held after FlushAll().
// Seed corpus: tests/golden/agent/parsing.
#include <simdjson.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "agent/inputs/event_assembler.h"
#include "agent/inputs/source_line.h"
#include "agent/utf8_sanitizer.h"
#include "buffer/event.h"

namespace {

class CheckingSink : public agent::EventSink {
 public:
  explicit CheckingSink(bool in_order) : in_order_(in_order) {}

  void Emit(buffer::Event event) override {
    if (!agent::Utf8Sanitizer::IsValid(event.message)) std::abort();
    if (in_order_ && seen_any_ && event.offset < last_offset_) std::abort();
    if (event.offset > max_offset_) std::abort();
    last_offset_ = event.offset;
    seen_any_ = true;
    if (!event.fields_json.empty()) {
      simdjson::padded_string object("{" + event.fields_json + "}");
      simdjson::dom::element root;
      if (json_.parse(object).get(root) != simdjson::SUCCESS) std::abort();
      if (!root.is_object()) std::abort();
    }
  }
  void set_max_offset(uint64_t offset) { max_offset_ = offset; }

 private:
  simdjson::dom::parser json_;
  const bool in_order_;
  bool seen_any_ = false;
  uint64_t last_offset_ = 0;
  uint64_t max_offset_ = 0;
};

// The options come from the first input byte, so the corpus explores every combination.
agent::EventFormatOptions OptionsFrom(uint8_t choice) {
  agent::EventFormatOptions options;
  switch (choice % 3) {
    case 1:
      options.container = agent::ContainerFormat::kCri;
      break;
    case 2:
      options.container = agent::ContainerFormat::kDocker;
      break;
    default:
      break;
  }
  switch ((choice / 3) % 3) {
    case 1:
      options.body = agent::BodyFormat::kJson;
      break;
    case 2:
      options.body = agent::BodyFormat::kAuto;
      break;
    default:
      options.body = agent::BodyFormat::kText;
      break;
  }
  if ((choice / 9) % 2 == 1) {
    options.parsing.multiline.continue_pattern = R"(^\s|^Caused by:)";
    options.parsing.multiline.max_lines = 8;
    options.parsing.multiline.max_bytes = 256;
    options.parsing.multiline.timeout = std::chrono::milliseconds(50);
  }
  if ((choice / 18) % 2 == 1) {
    options.parsing.timestamp.regex = R"(^(?P<ts>\S+))";
  }
  options.parsing.flush_partial_after = std::chrono::milliseconds(50);
  options.max_line_bytes = 512;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const agent::EventFormatOptions options = OptionsFrom(data[0]);
  const bool in_order = !options.container.has_value();
  auto format = agent::EventFormat::Create(options);
  if (!format) std::abort();  // every combination above is a valid configuration
  agent::EventAssembler assembler(**format);
  CheckingSink sink(in_order);
  agent::Utf8Sanitizer sanitizer;

  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto now = std::chrono::steady_clock::time_point{};
  uint64_t offset = 0;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view raw = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);

    // A line starting with 0x01 is a pause: the clock moves past every timeout.
    if (!raw.empty() && raw[0] == '\x01') {
      now += std::chrono::milliseconds(100);
      assembler.FlushExpired(now, sink);
      continue;
    }
    agent::Utf8Sanitizer::Output text = sanitizer.Sanitize(raw.substr(0, 512));
    agent::SourceLine line;
    line.text = text.text;
    line.offset = offset;
    line.flags = text.replaced ? buffer::kFlagInvalidUtf8 : 0u;
    line.time_unix_nanos = 1'700'000'000'000'000'000 + static_cast<int64_t>(offset);
    sink.set_max_offset(offset);
    assembler.Add(line, now, sink);
    if (auto held = assembler.held_from(); held && *held > offset) std::abort();
    offset += raw.size() + 1;
    now += std::chrono::milliseconds(1);
  }
  assembler.FlushAll(sink);
  if (assembler.holding()) std::abort();
  return 0;
}
