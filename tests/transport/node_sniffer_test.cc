#include "transport/node_sniffer.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

TEST(NodeSnifferTest, ReadsPublishAddressesWithAndWithoutHostNames) {
  auto nodes = ParseNodesHttp(R"({"nodes":{"a":{"http":{"publish_address":"10.0.0.1:9200"}},)"
                              R"("b":{"http":{"publish_address":"es-2.example/10.0.0.2:9201"}},)"
                              R"("c":{"http":{"publish_address":"[::1]:9202"}}}})");
  ASSERT_TRUE(nodes.has_value());
  EXPECT_EQ(*nodes, (std::vector<std::string>{"10.0.0.1:9200", "es-2.example:9201", "[::1]:9202"}));
}

TEST(NodeSnifferTest, SkipsNodesWithoutAnHttpAddress) {
  auto nodes = ParseNodesHttp(
      R"({"nodes":{"a":{"name":"no-http"},"b":{"http":{"publish_address":"10.0.0.2:9200"}}}})");
  ASSERT_TRUE(nodes.has_value());
  EXPECT_EQ(*nodes, std::vector<std::string>{"10.0.0.2:9200"});
  auto none = ParseNodesHttp("{}");  // filter_path leaves nothing when no node has http
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(NodeSnifferTest, SkipsAddressesThatAreNotHostAndPort) {
  auto nodes = ParseNodesHttp(R"({"nodes":{"a":{"http":{"publish_address":"not an address"}},)"
                              R"("b":{"http":{"publish_address":"10.0.0.3"}},)"
                              R"("c":{"http":{"publish_address":"10.0.0.4:92x0"}},)"
                              R"("d":{"http":{"publish_address":"name/10.0.0.5"}},)"
                              R"("e":{"http":{"publish_address":":9200"}},)"
                              R"("f":{"http":{"publish_address":"10.0.0.6:9200"}}}})");
  ASSERT_TRUE(nodes.has_value());
  EXPECT_EQ(*nodes, std::vector<std::string>{"10.0.0.6:9200"});
}

TEST(NodeSnifferTest, RefusesAnAnswerThatIsNotJson) {
  EXPECT_FALSE(ParseNodesHttp("<html>bad gateway</html>").has_value());
}

TEST(NodeSnifferTest, UsesTheSchemeOfTheConfiguredHosts) {
  EXPECT_EQ(SniffedHostUrl(true, "es-2:9200"), "https://es-2:9200");
  EXPECT_EQ(SniffedHostUrl(false, "10.0.0.1:9200"), "http://10.0.0.1:9200");
}

}  // namespace
}  // namespace transport
