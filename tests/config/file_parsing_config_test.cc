#include "config/file_parsing_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_loader.h"

namespace config {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kOutput =
    "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\"]\n";

std::string WithInput(std::string_view keys) {
  return "[[inputs.file]]\nid = \"a\"\npaths = [\"/a.log\"]\n" + std::string(keys) +
         std::string(kOutput);
}

FileInputConfig LoadInput(std::string_view keys) {
  LoadResult r = LoadConfigString(WithInput(keys), "t.toml");
  std::string errors;
  for (const ConfigError& e : r.errors) errors += e.ToString() + "\n";
  EXPECT_TRUE(r.errors.empty()) << errors;
  if (!r.config || r.config->file_inputs.empty()) return {};
  return r.config->file_inputs[0];
}

std::vector<std::string> Errors(std::string_view keys) {
  LoadResult r = LoadConfigString(WithInput(keys), "t.toml");
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.ToString());
  return out;
}

TEST(FileParsingConfigTest, DefaultsNeedNoKeys) {
  FileInputConfig in = LoadInput("");
  EXPECT_FALSE(in.parsing.multiline.enabled());
  EXPECT_FALSE(in.parsing.timestamp.enabled());
  EXPECT_EQ(in.parsing.flush_partial_after, milliseconds(5'000));
  EXPECT_EQ(in.parsing.json.timestamp_fields,
            (std::vector<std::string>{"@timestamp", "time", "ts", "timestamp"}));
}

TEST(FileParsingConfigTest, ReadsEveryKey) {
  FileInputConfig in = LoadInput(R"(format = "cri"
max_line_bytes = "64KiB"
flush_partial_after = "2s"
multiline = { start = '^\d{4}-', negate = true, max_lines = 50, max_bytes = "8KiB", timeout = "1s" }
json = { target = "app", timestamp_field = "when", level_field = "lvl", message_field = "text" }
timestamp = { regex = '^\[(?P<ts>[^\]]+)\]', format = "%d/%b/%Y:%H:%M:%S %z" }
)");
  EXPECT_EQ(in.format, Format::kCri);
  EXPECT_EQ(in.parsing.flush_partial_after, milliseconds(2'000));
  EXPECT_EQ(in.parsing.multiline.start, R"(^\d{4}-)");
  EXPECT_TRUE(in.parsing.multiline.negate);
  EXPECT_EQ(in.parsing.multiline.max_lines, 50u);
  EXPECT_EQ(in.parsing.multiline.max_bytes, 8u * 1024);
  EXPECT_EQ(in.parsing.multiline.timeout, milliseconds(1'000));
  EXPECT_EQ(in.parsing.json.target, "app");
  EXPECT_EQ(in.parsing.json.timestamp_fields, std::vector<std::string>{"when"});
  EXPECT_EQ(in.parsing.json.level_fields, std::vector<std::string>{"lvl"});
  EXPECT_EQ(in.parsing.json.message_fields, std::vector<std::string>{"text"});
  EXPECT_EQ(in.parsing.timestamp.format, "%d/%b/%Y:%H:%M:%S %z");
}

TEST(FileParsingConfigTest, MultilineMaxBytesDefaultsToMaxLineBytes) {
  FileInputConfig in = LoadInput("max_line_bytes = \"64KiB\"\nmultiline = { preset = \"java\" }\n");
  EXPECT_EQ(in.parsing.multiline.max_bytes, 64u * 1024);
  EXPECT_FALSE(in.parsing.multiline.continue_pattern.empty());
  EXPECT_EQ(in.parsing.multiline.max_lines, 500u);
}

TEST(FileParsingConfigTest, EveryPresetCompilesAndIsAContinuePattern) {
  for (const MultilinePreset& preset : MultilinePresets()) {
    FileInputConfig in =
        LoadInput("multiline = { preset = \"" + std::string(preset.name) + "\" }\n");
    EXPECT_EQ(in.parsing.multiline.continue_pattern, preset.continue_pattern) << preset.name;
  }
}

TEST(FileParsingConfigTest, ABadRegexShowsRe2sMessageAtItsColumn) {
  EXPECT_EQ(Errors("multiline = { start = '^(abc' }\n"),
            std::vector<std::string>{
                "t.toml:4:24: inputs.file[0].multiline.start: invalid regex: missing ): ^(abc"});
  EXPECT_EQ(Errors("timestamp = { regex = 'x[z' }\n"),
            std::vector<std::string>{"t.toml:4:25: inputs.file[0].timestamp.regex: invalid regex: "
                                     "missing ]: [z"});
}

TEST(FileParsingConfigTest, BadValuesSayWhatToWriteInstead) {
  EXPECT_EQ(Errors("multiline = { preset = \"ruby\" }\n"),
            std::vector<std::string>{
                "t.toml:4:24: inputs.file[0].multiline.preset: unknown preset "
                "\"ruby\"; expected one of \"java\", \"python\", \"go\", \"indented\""});
  EXPECT_EQ(Errors("multiline = { start = 'a', continue = 'b' }\n"),
            std::vector<std::string>{"t.toml:4:39: inputs.file[0].multiline.continue: give only "
                                     "one of `start`, `continue` and `preset`"});
  EXPECT_EQ(Errors("multiline = { max_lines = 5 }\n").size(), 1u);
  EXPECT_EQ(Errors("timestamp = { regex = '^(\\S+) (\\S+)' }\n"),
            std::vector<std::string>{"t.toml:4:23: inputs.file[0].timestamp.regex: needs a capture "
                                     "named ts (or exactly one capture), like "
                                     "'\\[(?P<ts>[^\\]]+)\\]'"});
  EXPECT_EQ(Errors("timestamp = { regex = '(?P<ts>.*)', format = \"%Y %Q\" }\n"),
            std::vector<std::string>{"t.toml:4:46: inputs.file[0].timestamp.format: unknown "
                                     "directive \"%Q\"; use %Y %y %m %d %e %j %b %B %a %H %M %S "
                                     "%f %z %s %T %F or %% (like \"%d/%b/%Y:%H:%M:%S %z\")"});
  EXPECT_EQ(Errors("multiline = { start = 'a', colour = 1 }\n").size(), 1u);
  EXPECT_EQ(Errors("flush_partial_after = \"0s\"\n").size(), 1u);
}

}  // namespace
}  // namespace config
