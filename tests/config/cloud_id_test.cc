// Tests `[output.elasticsearch] cloud_id`: config/cloud_id.h decoding (the shared vectors
// are checked by tests/auth/cloud_id_test.cc) and how the loader turns it into hosts.
#include "config/cloud_id.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_loader.h"

namespace config {
namespace {

// "us-east-1.aws.found.io$abc123$def456"
constexpr std::string_view kCloudId =
    "my-deployment:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRhYmMxMjMkZGVmNDU2";

std::vector<std::string> Errors(std::string_view toml) {
  LoadResult r = LoadConfigString(toml, "t.toml");
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.ToString());
  return out;
}

TEST(CloudIdTest, DecodesTheElasticsearchAndKibanaUrls) {
  base::Result<CloudId> id = CloudId::Parse(kCloudId);
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_EQ(id->label, "my-deployment");
  EXPECT_EQ(id->elasticsearch, "https://abc123.us-east-1.aws.found.io:443");
  EXPECT_EQ(id->kibana, "https://def456.us-east-1.aws.found.io:443");
  EXPECT_FALSE(CloudId::Parse("name:not*base64").has_value());
}

TEST(CloudIdTest, CloudIdInTheOutputTableSetsTheHosts) {
  LoadResult r = LoadConfigString(
      "[output.elasticsearch]\ncloud_id = \"" + std::string(kCloudId) + "\"\n", "t.toml");
  ASSERT_TRUE(r.config.has_value()) << (r.errors.empty() ? "" : r.errors[0].ToString());
  EXPECT_EQ(r.config->elasticsearch.hosts,
            std::vector<std::string>{"https://abc123.us-east-1.aws.found.io:443"});
  EXPECT_EQ(r.config->elasticsearch.cloud_id, kCloudId);
}

TEST(CloudIdTest, CloudIdWithHostsIsAnErrorAtTheCloudIdKey) {
  std::vector<std::string> errors =
      Errors("[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\"]\ncloud_id = \"" +
             std::string(kCloudId) + "\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("t.toml:3:")) << errors[0];
  EXPECT_NE(errors[0].find("set together with hosts; keep one"), std::string::npos) << errors[0];
}

TEST(CloudIdTest, AMalformedCloudIdSaysWhatToWrite) {
  std::vector<std::string> errors =
      Errors("[output.elasticsearch]\ncloud_id = \"name:bm8tZG9sbGFy\"\n");  // "no-dollar"
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("t.toml:2:")) << errors[0];
  EXPECT_NE(errors[0].find("copy the Cloud ID"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace config
