#include "transport/cluster_info.h"

#include <gtest/gtest.h>

#include <string>

namespace transport {
namespace {

HttpResponse Info(std::string body, bool product_header) {
  HttpResponse r;
  r.status = 200;
  if (product_header) r.headers.push_back({"X-Elastic-Product", "Elasticsearch"});
  r.body = std::move(body);
  return r;
}

std::string ElasticBody(std::string_view number, std::string_view flavor = "default") {
  return std::string(R"({"name":"n","version":{"number":")") + std::string(number) +
         R"(","build_flavor":")" + std::string(flavor) + R"("},"tagline":"You Know, for Search"})";
}

constexpr std::string_view kOpenSearchBody =
    R"({"name":"n","version":{"distribution":"opensearch","number":"2.13.0"},)"
    R"("tagline":"The OpenSearch Project: https://opensearch.org/"})";

TEST(ClusterInfoTest, ReadsElasticsearchVersionAndFlavour) {
  auto info = ClusterInfo::Parse(Info(ElasticBody("8.15.0"), true));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->product, Product::kElasticsearch);
  EXPECT_EQ(info->major, 8);
  EXPECT_EQ(info->minor, 15);
  EXPECT_EQ(info->build_flavor, "default");
  EXPECT_EQ(info->Describe(), "Elasticsearch 8.15.0 (flavour default)");
  EXPECT_FALSE(info->MissingProductHeader());
}

TEST(ClusterInfoTest, SendsCompatibleWith8ToElasticsearch8And9) {
  for (std::string_view number : {"8.0.0", "8.19.3", "9.1.0"}) {
    auto info = ClusterInfo::Parse(Info(ElasticBody(number), true));
    ASSERT_TRUE(info.has_value());
    MediaTypes types = info->ChooseMediaTypes();
    EXPECT_TRUE(types.compatible) << number;
    EXPECT_EQ(types.content_type, "application/vnd.elasticsearch+x-ndjson; compatible-with=8");
    EXPECT_EQ(types.accept, "application/vnd.elasticsearch+json; compatible-with=8");
  }
}

TEST(ClusterInfoTest, SendsPlainTypesToElasticsearch7OpenSearchAndUnknownServers) {
  auto es7 = ClusterInfo::Parse(Info(ElasticBody("7.17.24"), true));
  ASSERT_TRUE(es7.has_value());
  EXPECT_FALSE(es7->ChooseMediaTypes().compatible);
  EXPECT_EQ(es7->ChooseMediaTypes().content_type, "application/x-ndjson");

  auto opensearch = ClusterInfo::Parse(Info(std::string(kOpenSearchBody), false));
  ASSERT_TRUE(opensearch.has_value());
  EXPECT_EQ(opensearch->product, Product::kOpenSearch);
  EXPECT_EQ(opensearch->Describe(), "OpenSearch 2.13.0");
  EXPECT_FALSE(opensearch->ChooseMediaTypes().compatible);
  EXPECT_FALSE(opensearch->MissingProductHeader());

  auto other = ClusterInfo::Parse(Info(R"({"version":{"number":"8.1.0"}})", false));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->product, Product::kOther);
  EXPECT_FALSE(other->ChooseMediaTypes().compatible);

  // A future major whose compatibility window no longer includes 8.
  auto es10 = ClusterInfo::Parse(Info(ElasticBody("10.0.0"), true));
  ASSERT_TRUE(es10.has_value());
  EXPECT_FALSE(es10->ChooseMediaTypes().compatible);
}

TEST(ClusterInfoTest, FlagsAMissingProductHeaderFromElasticsearch714AndLaterOnly) {
  auto es8 = ClusterInfo::Parse(Info(ElasticBody("8.15.0"), false));
  ASSERT_TRUE(es8.has_value());
  EXPECT_EQ(es8->product, Product::kElasticsearch);  // from build_flavor and tagline
  EXPECT_TRUE(es8->MissingProductHeader());
  auto es714 = ClusterInfo::Parse(Info(ElasticBody("7.14.0"), false));
  ASSERT_TRUE(es714.has_value());
  EXPECT_TRUE(es714->MissingProductHeader());
  auto es713 = ClusterInfo::Parse(Info(ElasticBody("7.13.4"), false));
  ASSERT_TRUE(es713.has_value());
  EXPECT_FALSE(es713->MissingProductHeader());
}

TEST(ClusterInfoTest, RefusesAnAnswerThatIsNotTheInfoDocument) {
  EXPECT_FALSE(ClusterInfo::Parse(Info("<html>proxy</html>", false)).has_value());
  EXPECT_FALSE(ClusterInfo::Parse(Info(R"({"ok":true})", false)).has_value());
}

}  // namespace
}  // namespace transport
