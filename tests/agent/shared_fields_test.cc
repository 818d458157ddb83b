#include "agent/shared_fields.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

const AgentIdentity kIdentity{"web-1", "0b5e-id", "1.2.3"};

TEST(SharedFieldsTest, RendersDottedEcsMembersWithoutBraces) {
  std::string out = RenderSharedFields(kIdentity, "file", "nginx", {});
  EXPECT_EQ(out,
            "\"host.name\":\"web-1\",\"agent.type\":\"skiff\",\"agent.name\":\"web-1\","
            "\"agent.id\":\"0b5e-id\",\"agent.version\":\"1.2.3\",\"ecs.version\":\"8.11.0\","
            "\"input.type\":\"file\",\"event.dataset\":\"nginx\"");
}

TEST(SharedFieldsTest, UserFieldsFollowWithTheirJsonValues) {
  std::string out = RenderSharedFields(kIdentity, "file", "app",
                                       {{"service", "\"shop\""}, {"tier", "2"}, {"x.y", "true"}});
  EXPECT_NE(out.find(",\"service\":\"shop\",\"tier\":2,\"x.y\":true"), std::string::npos) << out;
}

TEST(SharedFieldsTest, UserFieldReplacesOursInsteadOfDuplicatingTheKey) {
  std::string out = RenderSharedFields(kIdentity, "file", "app", {{"host.name", "\"edge-7\""}});
  EXPECT_EQ(out.find("\"host.name\":\"web-1\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"host.name\":\"edge-7\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"host.name\""), out.rfind("\"host.name\"")) << "key appears twice: " << out;
}

TEST(SharedFieldsTest, NamesNeedingEscapesAreEscaped) {
  AgentIdentity odd{"we\"ird", "id", "v"};
  std::string out = RenderSharedFields(odd, "file", "d", {});
  EXPECT_NE(out.find("\"host.name\":\"we\\\"ird\""), std::string::npos) << out;
}

}  // namespace
}  // namespace agent
