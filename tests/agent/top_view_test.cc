// RenderTopFrame and InputRates: `skiff top`'s frame from two /status samples.
#include "agent/top_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent {
namespace {

StatusSnapshot Sample(double uptime_seconds, uint64_t events, uint64_t bytes, uint64_t delivered) {
  StatusSnapshot s;
  s.version = "0.1.0";
  s.pid = 7;
  s.uptime_seconds = uptime_seconds;
  s.data_dir = "/var/lib/skiff";
  s.ready = true;
  s.inputs.push_back(InputSnapshot{"nginx", "file", events, bytes, 1, 0});
  s.buffer.bytes = 512 * 1024 * 1024;
  s.buffer.max_bytes = 1024 * 1024 * 1024;
  s.buffer.fill_ratio = 0.5;
  s.output.delivered = delivered;
  return s;
}

std::string Find(const std::vector<std::string>& lines, std::string_view prefix) {
  for (const std::string& line : lines) {
    if (line.starts_with(prefix)) return line;
  }
  return "";
}

TEST(TopViewTest, RatesAreTheDifferenceOverTheAgentsClock) {
  const StatusSnapshot before = Sample(10, 1000, 100'000, 0);
  const StatusSnapshot now = Sample(12, 3000, 300'000, 0);
  const TopRates rates = InputRates(&before, now, now.inputs[0]);
  EXPECT_DOUBLE_EQ(rates.events_per_second, 1000);
  EXPECT_DOUBLE_EQ(rates.bytes_per_second, 100'000);
}

TEST(TopViewTest, NoRateWithoutAnEarlierSampleOrAcrossAnAgentRestart) {
  const StatusSnapshot now = Sample(12, 3000, 300'000, 0);
  EXPECT_EQ(InputRates(nullptr, now, now.inputs[0]).events_per_second, 0);
  StatusSnapshot other_agent = Sample(10, 1000, 100'000, 0);
  other_agent.pid = 8;
  EXPECT_EQ(InputRates(&other_agent, now, now.inputs[0]).events_per_second, 0);
  // A restarted input counts from zero again: never a negative rate.
  const StatusSnapshot restarted = Sample(14, 10, 100, 0);
  EXPECT_EQ(InputRates(&now, restarted, restarted.inputs[0]).events_per_second, 0);
}

TEST(TopViewTest, TheFrameShowsInputsTheBufferBarAndTheOutputRate) {
  const StatusSnapshot before = Sample(10, 1000, 100'000, 500);
  const StatusSnapshot now = Sample(11, 1500, 150'000, 900);
  const std::vector<std::string> lines = RenderTopFrame(&before, now, 100);
  EXPECT_EQ(Find(lines, "nginx"),
            "nginx  file         500.0    48.8 KiB/s          1500      1       0");
  const std::string bar = Find(lines, "BUFFER");
  EXPECT_EQ(bar.size(), 100u) << bar;
  const std::string inside = bar.substr(bar.find('[') + 1, bar.find(']') - bar.find('[') - 1);
  EXPECT_EQ(inside.find_first_not_of('#'), inside.size() / 2) << bar;  // half full
  EXPECT_EQ(inside.find_first_not_of('.', inside.size() / 2), std::string::npos) << bar;
  EXPECT_NE(bar.find("50.0%  512.0 MiB of 1.0 GiB"), std::string::npos) << bar;
  EXPECT_TRUE(Find(lines, "OUTPUT").starts_with("OUTPUT  400.0 docs/s")) << Find(lines, "OUTPUT");
  EXPECT_EQ(Find(lines, "ready"), "ready");
}

TEST(TopViewTest, EveryLineFitsTheTerminalWidth) {
  StatusSnapshot now = Sample(11, 1500, 150'000, 900);
  now.inputs[0].id = std::string(80, 'x');
  now.ready = false;
  now.not_ready_reason = std::string(300, 'r');
  for (std::size_t width : {20u, 40u, 60u, 80u, 200u}) {
    for (const std::string& line : RenderTopFrame(nullptr, now, width)) {
      EXPECT_LE(line.size(), width) << line;
    }
  }
  // The bar grows with the terminal.
  const std::string narrow = Find(RenderTopFrame(nullptr, now, 80), "BUFFER");
  const std::string wide = Find(RenderTopFrame(nullptr, now, 200), "BUFFER");
  EXPECT_EQ(wide.size() - narrow.size(), 120u);
}

TEST(TopViewTest, ALongInputIdIsCutSoTheNumbersStayInTheirColumns) {
  StatusSnapshot now = Sample(11, 1500, 150'000, 900);
  now.inputs[0].id = std::string(80, 'x');
  const std::string row = Find(RenderTopFrame(nullptr, now, 100), "xxx");
  EXPECT_NE(row.find("x~  file"), std::string::npos) << row;
}

}  // namespace
}  // namespace agent
