// Golden tests of the framing and parsing stage: each tests/golden/agent/parsing/<case>.in
// is a file's bytes (after `#!` option lines), read as the file input reads it (LineSplitter,
// UTF-8 sanitizing, EventAssembler); <case>.out is the events it must become. See the
// README.md there for both formats.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/inputs/event_assembler.h"
#include "agent/line_splitter.h"
#include "agent/utf8_sanitizer.h"
#include "config/file_parsing_config.h"
#include "platforms/base/json_writer.h"

// Designated initializers name only the members a test cares about; the rest keep their
// defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent {
namespace {

// 2026-11-22T12:00:00Z: the read time of every line.
constexpr int64_t kReadTime = 1'795'348'800LL * 1'000'000'000LL;
// Chunk size the bytes are fed in: small, so lines cross chunks.
constexpr std::size_t kChunkBytes = 7;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Reads "#! key = value" lines at the top of `input` into `options`; returns the rest.
std::string_view ApplyOptions(std::string_view input, EventFormatOptions* options,
                              std::string* error) {
  config::FileParsingConfig& p = options->parsing;
  while (input.starts_with("#! ")) {
    std::size_t end = input.find('\n');
    std::string_view line = input.substr(3, end - 3);
    input.remove_prefix(end + 1);
    std::size_t eq = line.find(" = ");
    std::string key(line.substr(0, eq));
    std::string value(line.substr(eq + 3));
    if (key == "format") {
      if (value == "cri") options->container = ContainerFormat::kCri;
      if (value == "docker") options->container = ContainerFormat::kDocker;
      if (value == "json") options->body = BodyFormat::kJson;
      if (value == "auto") options->body = BodyFormat::kAuto;
    } else if (key == "max_line_bytes") {
      options->max_line_bytes = std::stoul(value);
      p.multiline.max_bytes = options->max_line_bytes;
    } else if (key == "multiline.preset") {
      for (const config::MultilinePreset& preset : config::MultilinePresets()) {
        if (preset.name == value) p.multiline.continue_pattern = preset.continue_pattern;
      }
    } else if (key == "multiline.start") {
      p.multiline.start = value;
    } else if (key == "multiline.continue") {
      p.multiline.continue_pattern = value;
    } else if (key == "multiline.negate") {
      p.multiline.negate = value == "true";
    } else if (key == "multiline.max_lines") {
      p.multiline.max_lines = std::stoul(value);
    } else if (key == "multiline.max_bytes") {
      p.multiline.max_bytes = std::stoul(value);
    } else if (key == "json.target") {
      p.json.target = value;
    } else if (key == "timestamp.regex") {
      p.timestamp.regex = value;
    } else if (key == "timestamp.format") {
      p.timestamp.format = value;
    } else {
      *error = "unknown option " + key;
    }
  }
  if (p.multiline.max_bytes == 0) p.multiline.max_bytes = options->max_line_bytes;
  return input;
}

std::string_view FlagName(uint32_t bit) {
  switch (bit) {
    case buffer::kFlagInvalidUtf8:
      return "invalid_utf8";
    case buffer::kFlagTruncated:
      return "truncated";
    case buffer::kFlagPartial:
      return "partial";
    case buffer::kFlagParseFailed:
      return "parse_failed";
    case buffer::kFlagJsonParseFailed:
      return "json_parse_failed";
    case buffer::kFlagTimestampParseFailed:
      return "timestamp_parse_failed";
    default:
      return "?";
  }
}

class RenderingSink final : public EventSink {
 public:
  void Emit(buffer::Event event) override {
    out_ += "{\"offset\":" + std::to_string(event.offset) + ",\"@timestamp\":";
    base::AppendJsonTimestamp(out_, event.time_unix_nanos);
    if (event.flags != 0) {
      out_ += ",\"flags\":[";
      bool first = true;
      for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        if ((event.flags & bit) == 0) continue;
        if (!first) out_ += ',';
        first = false;
        out_ += '"';
        out_ += FlagName(bit);
        out_ += '"';
      }
      out_ += ']';
    }
    out_ += ",\"message\":";
    base::AppendJsonString(out_, event.message);
    if (!event.fields_json.empty()) {
      out_ += ",\"fields\":{";
      out_ += event.fields_json;
      out_ += '}';
    }
    out_ += "}\n";
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Runs `input` through the stage as the file input does; renders events and, at the end,
// what is still held.
std::string RunStage(std::string_view input, const EventFormatOptions& options,
                     std::string* error) {
  auto format = EventFormat::Create(options);
  if (!format.has_value()) {
    *error = format.error().ToString();
    return {};
  }
  EventAssembler assembler(**format);
  RenderingSink sink;
  LineSplitter splitter(options.max_line_bytes);
  std::string text;
  const auto now = std::chrono::steady_clock::time_point{};
  auto on_line = [&](const LineSplitter::Line& line) {
    SourceLine source{.offset = line.offset, .time_unix_nanos = kReadTime};
    if (Utf8Sanitizer::Assign(line.text, text)) source.flags |= buffer::kFlagInvalidUtf8;
    if (line.truncated) source.flags |= buffer::kFlagTruncated;
    source.text = text;
    assembler.Add(source, now, sink);
  };
  for (std::size_t at = 0; at < input.size(); at += kChunkBytes) {
    splitter.Feed(input.substr(at, kChunkBytes), on_line);
  }
  std::optional<uint64_t> held = assembler.held_from();
  sink.out() += "held_from=" + (held ? std::to_string(*held) : std::string("none")) + "\n";
  // The writer never finishes: the partial last line and whatever waits are flushed.
  splitter.FlushPartial([&](const LineSplitter::Line& line) {
    SourceLine source{
        .offset = line.offset, .flags = buffer::kFlagPartial, .time_unix_nanos = kReadTime};
    if (Utf8Sanitizer::Assign(line.text, text)) source.flags |= buffer::kFlagInvalidUtf8;
    source.text = text;
    assembler.Add(source, now, sink);
  });
  assembler.FlushAll(sink);
  return std::move(sink.out());
}

TEST(EventAssemblerGoldenTest, GoldenFilesMatch) {
  const std::filesystem::path dir = std::filesystem::path(SKIFF_GOLDEN_DIR) / "parsing";
  const bool update = std::getenv("SKIFF_UPDATE_GOLDEN") != nullptr;
  std::vector<std::filesystem::path> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".in") inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GE(inputs.size(), 10u) << "goldens missing from " << dir;
  for (const auto& in_path : inputs) {
    SCOPED_TRACE(in_path.filename().string());
    const std::string raw = ReadFile(in_path);
    EventFormatOptions options;
    std::string error;
    std::string_view input = ApplyOptions(raw, &options, &error);
    ASSERT_EQ(error, "");
    std::string actual = RunStage(input, options, &error);
    ASSERT_EQ(error, "");
    std::filesystem::path out_path = in_path;
    out_path.replace_extension(".out");
    if (update) {
      std::ofstream(out_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(out_path)) << "run with SKIFF_UPDATE_GOLDEN=1";
    EXPECT_EQ(actual, ReadFile(out_path));
  }
}

}  // namespace
}  // namespace agent
