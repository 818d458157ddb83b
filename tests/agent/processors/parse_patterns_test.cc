// Golden tests for the ready-made parse patterns: tests/golden/processors/<pattern>.in is
// parsed line by line, and the result must equal <pattern>.out (SKIFF_UPDATE_GOLDEN=1
// rewrites it).
#include "agent/processors/parse_patterns.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/processors_config.h"
#include "platforms/base/json_writer.h"
#include "processor_test_support.h"

namespace agent {
namespace {

using testing::MakeConfig;
using testing::MakeEvent;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One line per event: its flags, @timestamp, message and fields.
std::string Render(const buffer::Event& e) {
  std::string out = e.flags & buffer::kFlagParseFailed ? "parse_failed " : "ok           ";
  base::AppendRfc3339Millis(out, e.time_unix_nanos);
  out += " message=";
  base::AppendJsonString(out, e.message);
  out += " fields={";
  out += e.fields_json;
  out += "}\n";
  return out;
}

class ParsePatternsTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ParsePatternsTest, ParsesTheGoldenLinesAndFlagsTheMalformedOnes) {
  std::string name(GetParam());
  std::filesystem::path dir(SKIFF_GOLDEN_DIR);
  std::string input = ReadFile(dir / (name + ".in"));
  ASSERT_FALSE(input.empty()) << "missing " << (dir / (name + ".in"));
  auto config = MakeConfig(config::ProcessorType::kParse);
  config.preset = name;
  auto p = testing::Build(config);
  ASSERT_NE(p, nullptr);

  std::string actual;
  std::size_t lines = 0;
  std::size_t failed = 0;
  std::istringstream in(input);
  for (std::string line; std::getline(in, line);) {
    buffer::Event e = MakeEvent(line);
    ASSERT_EQ(testing::RunOne(*p, e), Verdict::kKeep) << "a parse never drops: " << line;
    actual += Render(e);
    ++lines;
    failed += (e.flags & buffer::kFlagParseFailed) ? 1 : 0;
  }
  EXPECT_EQ(p->stats().events, lines);
  EXPECT_EQ(p->stats().failed, failed);
  EXPECT_GT(failed, 0u) << "each golden set includes malformed lines";
  EXPECT_LT(failed, lines);

  std::filesystem::path out_path = dir / (name + ".out");
  if (std::getenv("SKIFF_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(out_path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(out_path)) << "run with SKIFF_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, ReadFile(out_path)) << "differs from " << out_path;
}

INSTANTIATE_TEST_SUITE_P(Presets, ParsePatternsTest,
                         ::testing::Values("nginx", "apache", "syslog_rfc3164", "syslog_rfc5424"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST(ParsePatternsNamesTest, EveryConfigNameHasAPreset) {
  std::vector<std::string_view> names = config::ParsePresetNames();
  EXPECT_EQ(names.size(), ParsePresets().size());
  for (std::string_view name : names) EXPECT_NE(FindParsePreset(name), nullptr) << name;
}

}  // namespace
}  // namespace agent
