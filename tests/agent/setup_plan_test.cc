#include "agent/setup_plan.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace agent {
namespace {

config::Config BaseConfig() {
  config::Config c;
  c.elasticsearch.hosts = {"http://127.0.0.1:9200"};
  return c;
}

const SetupRequest* Find(const SetupPlan& plan, std::string_view path) {
  for (const SetupRequest& r : plan.requests) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

std::vector<std::string> Strings(simdjson::dom::element array) {
  std::vector<std::string> out;
  for (simdjson::dom::element e : array.get_array()) out.emplace_back(e.get_string().value());
  return out;
}

TEST(SetupPlanTest, TheDefaultIndexIsADataStreamWithATemplateARoleAndAKeyRequest) {
  SetupPlan plan = BuildSetupPlan(BaseConfig(), SetupOptions{});
  EXPECT_EQ(plan.data_stream_patterns, std::vector<std::string>{"logs-generic-default"});
  EXPECT_TRUE(plan.index_patterns.empty());
  ASSERT_EQ(plan.requests.size(), 3u);
  EXPECT_EQ(plan.requests[0].method, "PUT");
  EXPECT_EQ(plan.requests[0].path, "/_index_template/skiff-logs");
  EXPECT_EQ(plan.requests[1].method, "POST");
  EXPECT_EQ(plan.requests[1].path, "/_security/role/skiff_writer");
  EXPECT_EQ(plan.requests[2].path, "/_security/api_key");
}

TEST(SetupPlanTest, EveryBodyIsValidJson) {
  config::Config c = BaseConfig();
  c.elasticsearch.index = "app-\"quoted\"";  // escaped, not broken
  SetupPlan plan = BuildSetupPlan(c, SetupOptions{});
  simdjson::dom::parser parser;
  for (const SetupRequest& r : plan.requests) {
    simdjson::dom::element root;
    EXPECT_EQ(parser.parse(r.body).get(root), simdjson::SUCCESS) << r.path << "\n" << r.body;
  }
}

TEST(SetupPlanTest, TheRoleGrantsOnlyCreateDocAndAutoConfigureOnEveryIndexSkiffWrites) {
  config::Config c = BaseConfig();
  c.elasticsearch.index = "logs-app-default";
  config::FileInputConfig input;
  input.id = "nginx";
  input.index = "web-%{[service]}-%Y.%m.%d";
  c.file_inputs.push_back(input);
  c.exec.index = "tasks";
  c.elasticsearch.index_fallback = "logs-app-default";  // listed once
  SetupPlan plan = BuildSetupPlan(c, SetupOptions{});
  EXPECT_EQ(plan.data_stream_patterns, std::vector<std::string>{"logs-app-default"});
  EXPECT_EQ(plan.index_patterns, (std::vector<std::string>{"web-*", "tasks"}));

  const SetupRequest* role = Find(plan, "/_security/role/skiff_writer");
  ASSERT_NE(role, nullptr);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(role->body).value();
  EXPECT_EQ(root["cluster"].get_array().size(), 0u);
  simdjson::dom::array indices = root["indices"].get_array();
  ASSERT_EQ(indices.size(), 1u);
  simdjson::dom::element grant = indices.at(0).value();
  EXPECT_EQ(Strings(grant["names"]),
            (std::vector<std::string>{"logs-app-default", "web-*", "tasks"}));
  EXPECT_EQ(Strings(grant["privileges"]),
            (std::vector<std::string>{"create_doc", "auto_configure"}));
}

TEST(SetupPlanTest, DataStreamsAndPlainIndicesGetSeparateTemplates) {
  config::Config c = BaseConfig();
  c.elasticsearch.index = "app-events";
  config::FileInputConfig input;
  input.id = "system";
  input.index = "logs-system-default";
  c.file_inputs.push_back(input);
  c.elasticsearch.index_fallback = "app-events";
  SetupPlan plan = BuildSetupPlan(c, SetupOptions{});
  const SetupRequest* streams = Find(plan, "/_index_template/skiff-logs");
  const SetupRequest* indices = Find(plan, "/_index_template/skiff-indices");
  ASSERT_NE(streams, nullptr);
  ASSERT_NE(indices, nullptr);
  simdjson::dom::parser parser;
  simdjson::dom::element s = parser.parse(streams->body).value();
  EXPECT_EQ(Strings(s["index_patterns"]), std::vector<std::string>{"logs-system-default"});
  EXPECT_EQ(s["data_stream"].error(), simdjson::SUCCESS);
  EXPECT_EQ(s["priority"].get_int64().value(), 200);
  EXPECT_EQ(s["template"]["mappings"]["properties"]["data_stream"].error(), simdjson::SUCCESS);

  simdjson::dom::parser parser2;
  simdjson::dom::element i = parser2.parse(indices->body).value();
  EXPECT_EQ(Strings(i["index_patterns"]), std::vector<std::string>{"app-events"});
  EXPECT_EQ(i["data_stream"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(i["template"]["mappings"]["properties"]["@timestamp"]["type"].get_string().value(),
            "date");
}

TEST(SetupPlanTest, DataStreamTrueMakesEveryThreePartNameADataStream) {
  config::Config c = BaseConfig();
  c.elasticsearch.index = "metrics-app-prod";
  c.elasticsearch.index_fallback = "metrics-app-prod";
  c.elasticsearch.data_stream = true;
  SetupPlan plan = BuildSetupPlan(c, SetupOptions{});
  EXPECT_EQ(plan.data_stream_patterns, std::vector<std::string>{"metrics-app-prod"});
}

TEST(SetupPlanTest, TheApiKeyRequestCarriesTheNamedRoleAndExpiration) {
  SetupOptions options;
  options.role_name = "edge_writer";
  options.api_key_name = "edge-42";
  options.api_key_expiration = "30d";
  SetupPlan plan = BuildSetupPlan(BaseConfig(), options);
  ASSERT_NE(Find(plan, "/_security/role/edge_writer"), nullptr);
  const SetupRequest* key = Find(plan, "/_security/api_key");
  ASSERT_NE(key, nullptr);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(key->body).value();
  EXPECT_EQ(root["name"].get_string().value(), "edge-42");
  EXPECT_EQ(root["expiration"].get_string().value(), "30d");
  EXPECT_EQ(Strings(root["role_descriptors"]["edge_writer"]["indices"].at(0)["privileges"]),
            (std::vector<std::string>{"create_doc", "auto_configure"}));
}

TEST(PrettyJsonTest, IndentsNestedContainersAndKeepsShortFlatOnesOnOneLine) {
  EXPECT_EQ(PrettyJson(R"({"a":{"b":[1,2]},"c":{},"d":"x,{y}:z"})"),
            "{\n  \"a\": {\n    \"b\": [1, 2]\n  },\n  \"c\": {},\n  \"d\": \"x,{y}:z\"\n}");
}

TEST(PrettyJsonTest, EscapedQuotesDoNotEndAString) {
  EXPECT_EQ(PrettyJson(R"({"a":"q\"{,"})"), "{\"a\": \"q\\\"{,\"}");
}

}  // namespace
}  // namespace agent
