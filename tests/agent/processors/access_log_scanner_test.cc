#include "agent/processors/access_log_scanner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "agent/processors/parse_patterns.h"

namespace agent {
namespace {

std::vector<std::string> GoldenLines() {
  std::vector<std::string> lines;
  for (const char* name : {"nginx.in", "apache.in"}) {
    std::ifstream in(std::filesystem::path(SKIFF_GOLDEN_DIR) / name);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

class AccessLogScannerTest : public ::testing::Test {
 protected:
  AccessLogScannerTest() : regex_(std::string(FindParsePreset("nginx")->regex)) {}

  // The scanner and the regex agree on whether `line` matches and on every group.
  void ExpectSameAsRegex(const std::string& line) {
    std::vector<re2::StringPiece> want(kAccessGroupCount);
    std::vector<re2::StringPiece> got(kAccessGroupCount);
    bool regex_matched = regex_.Match(line, 0, line.size(), re2::RE2::UNANCHORED, want.data(),
                                      static_cast<int>(want.size()));
    bool scan_matched = ScanAccessLog(line, got);
    ASSERT_EQ(scan_matched, regex_matched) << line;
    if (!regex_matched) return;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].data() == nullptr, want[i].data() == nullptr)
          << "group " << i << ": " << line;
      EXPECT_EQ(got[i].data(), want[i].data()) << "group " << i << ": " << line;
      EXPECT_EQ(got[i].size(), want[i].size()) << "group " << i << ": " << line;
    }
  }

  re2::RE2 regex_;
};

TEST_F(AccessLogScannerTest, TheRegexHasTheGroupsTheScannerFills) {
  ASSERT_TRUE(regex_.ok());
  EXPECT_EQ(regex_.NumberOfCapturingGroups() + 1, kAccessGroupCount);
  EXPECT_EQ(regex_.NamedCapturingGroups().at("request"), kAccessRequest);
  EXPECT_EQ(regex_.NamedCapturingGroups().at("user_agent__original"), kAccessUserAgent);
}

TEST_F(AccessLogScannerTest, AgreesWithTheRegexOnTheGoldenLines) {
  std::vector<std::string> lines = GoldenLines();
  ASSERT_GE(lines.size(), 10u);
  for (const std::string& line : lines) ExpectSameAsRegex(line);
  ExpectSameAsRegex("");
  ExpectSameAsRegex(R"(a b c [t] "" 200 -)");
  ExpectSameAsRegex(R"(a b c [t] "r\" 200 -)");
  ExpectSameAsRegex(R"(a b c [t] "r" 200 12 "" "" extra fields "x")");
  ExpectSameAsRegex(R"(a b c [t] "r" 200 12 "ref")");
  ExpectSameAsRegex("a b c [t] \"r\" 200 12 \"\" \"\"\nmore");
  ExpectSameAsRegex("a b c [t] \"r\\\n\" 200 12");
  ExpectSameAsRegex("a\tb c [t] \"r\" 200 12");
}

// Mutations of the golden lines around the characters the format hinges on.
TEST_F(AccessLogScannerTest, AgreesWithTheRegexOnMutatedLines) {
  std::vector<std::string> lines = GoldenLines();
  std::mt19937_64 random(20261122);
  const std::string special = " \"\\[]-0\t\n\r";
  int matched = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line = lines[random() % lines.size()];
    int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !line.empty(); ++e) {
      std::size_t at = random() % line.size();
      switch (random() % 3) {
        case 0:
          line.erase(at, 1);
          break;
        case 1:
          line.insert(at, 1, special[random() % special.size()]);
          break;
        default:
          line[at] = special[random() % special.size()];
          break;
      }
    }
    ExpectSameAsRegex(line);
    if (::testing::Test::HasFailure()) {
      FAIL() << "seed 20261122, iteration " << i;
    }
    std::vector<re2::StringPiece> groups(kAccessGroupCount);
    matched += ScanAccessLog(line, groups) ? 1 : 0;
  }
  EXPECT_GT(matched, 1000) << "the mutations should leave many lines parseable";
}

}  // namespace
}  // namespace agent
