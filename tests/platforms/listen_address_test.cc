#include "platforms/metrics/listen_address.h"

#include <gtest/gtest.h>

namespace metrics {
namespace {

class ListenAddressTest : public ::testing::Test {};

TEST_F(ListenAddressTest, SplitsIpv4Ipv6NameAndEveryInterface) {
  auto v4 = ParseListenAddress("127.0.0.1:9464");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9464);
  auto v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  auto name = ParseListenAddress("localhost:80");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->host, "localhost");
  auto any = ParseListenAddress(":9464");
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 9464);
}

TEST_F(ListenAddressTest, RejectsMissingOrBadPortsAndBareIpv6) {
  for (const char* text : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "h:12x",
                           "::1:9464", "[::1:9464", "[]:1", "h:-1"}) {
    auto parsed = ParseListenAddress(text);
    EXPECT_FALSE(parsed.has_value()) << text;
    if (!parsed.has_value()) {
      EXPECT_EQ(parsed.error().code(), base::StatusCode::kInvalidArgument) << text;
    }
  }
}

}  // namespace
}  // namespace metrics
