// Tests auth/cloud_id against the shared auth-misc vectors and edge cases.
#include "auth/cloud_id.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/auth/fakes/shared_vectors.h"

namespace auth {
namespace {

class CloudIdTest : public ::testing::Test {};

TEST_F(CloudIdTest, SharedVectorsDecodeToTheirUrlsOrAreRejected) {
  if (!testing::HaveSharedVectors()) GTEST_SKIP() << testing::NoSharedVectorsMessage();
  auto text = testing::ReadSharedFile(testing::SharedVectorsDir() / "auth-misc" / "auth-misc.json");
  ASSERT_TRUE(text.has_value());
  simdjson::padded_string json(*text);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
  int checked = 0;
  for (simdjson::dom::object v : root["cloud_id"].get_array()) {
    std::string_view id = v["cloud_id"].get_string();
    SCOPED_TRACE(std::string(id));
    auto parsed = CloudId::Parse(id);
    std::string_view want;
    if (v["error"].get_string().get(want) == simdjson::SUCCESS) {
      EXPECT_FALSE(parsed.has_value());
    } else {
      ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
      EXPECT_EQ(parsed->elasticsearch, v["es_url"].get_string().value());
      if (v["kibana_url"].get_string().get(want) == simdjson::SUCCESS) {
        EXPECT_EQ(parsed->kibana, want);
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(CloudIdTest, APortOnTheElasticsearchIdOverridesTheHostPort) {
  // base64("example.com:9243$esid:9443$kbid")
  auto parsed = CloudId::Parse("x:ZXhhbXBsZS5jb206OTI0MyRlc2lkOjk0NDMka2JpZA==");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->label, "x");
  EXPECT_EQ(parsed->elasticsearch, "https://esid.example.com:9443");
  EXPECT_EQ(parsed->kibana, "https://kbid.example.com:9243");
}

TEST_F(CloudIdTest, GarbageIsRejectedWithAReason) {
  EXPECT_FALSE(CloudId::Parse("").has_value());
  EXPECT_FALSE(CloudId::Parse("name:not base64!").has_value());
  // base64("host:99999$es")
  auto bad_port = CloudId::Parse("aG9zdDo5OTk5OSRlcw==");
  ASSERT_FALSE(bad_port.has_value());
  EXPECT_NE(bad_port.error().message().find("port"), std::string_view::npos);
}

}  // namespace
}  // namespace auth
