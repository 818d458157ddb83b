#include "agent/build_info.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "agent/version.h"

namespace agent {
namespace {

TEST(BuildInfoTest, TextStartsWithVersionAndCommitAndListsTlsAndLibraries) {
  std::string text = FormatBuildInfoText(CurrentBuildInfo());
  EXPECT_EQ(text.rfind(std::string("skiff ") + kVersion + " (commit " + kCommit, 0), 0u) << text;
  EXPECT_NE(text.find("feature:   tls yes (mbed TLS 2."), std::string::npos) << text;
  EXPECT_NE(text.find("feature:   systemd_notify yes"), std::string::npos) << text;
  EXPECT_NE(text.find("library:   libuv 1."), std::string::npos) << text;
  EXPECT_NE(text.find("library:   zstd 1."), std::string::npos) << text;
}

TEST(BuildInfoTest, JsonIsOneValidObjectWithOptionsFeaturesAndLibraries) {
  std::string json = FormatBuildInfoJson(CurrentBuildInfo());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  EXPECT_EQ(root["version"].get_string().value(), kVersion);
  EXPECT_EQ(root["commit"].get_string().value(), kCommit);
  EXPECT_EQ(root["options"]["sanitize"].error(), simdjson::SUCCESS) << json;
  EXPECT_TRUE(root["features"]["tls"]["enabled"].get_bool().value());
  EXPECT_EQ(root["features"]["journald"]["enabled"].get_bool().value(), kWithJournald);
  std::string_view zstd = root["libraries"]["zstd"].get_string().value();
  EXPECT_EQ(zstd.substr(0, 2), "1.") << json;
}

}  // namespace
}  // namespace agent
