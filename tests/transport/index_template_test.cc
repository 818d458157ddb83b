#include "transport/index_template.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

constexpr int64_t kTime = 1'795'342'323'123'456'789;  // 2026-11-22T10:12:03.123Z

buffer::EventBatch Batch(std::string shared = {}) {
  buffer::EventBatch batch;
  batch.shared_fields_json = std::move(shared);
  buffer::Event e;
  e.time_unix_nanos = kTime;
  batch.events.push_back(e);
  return batch;
}

std::string Render(std::string_view text, const buffer::EventBatch& batch, bool* ok = nullptr) {
  base::Result<IndexTemplate> t = IndexTemplate::Parse(text);
  EXPECT_TRUE(t.has_value()) << text;
  if (!t.has_value()) return {};
  std::string out;
  bool rendered = t->Render(batch, batch.events[0], out);
  if (ok != nullptr) *ok = rendered;
  return rendered ? out : "<missing>";
}

TEST(IndexTemplateTest, APlainNameIsStatic) {
  base::Result<IndexTemplate> t = IndexTemplate::Parse("logs-app-default");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->is_static());
  EXPECT_EQ(Render("logs-app-default", Batch()), "logs-app-default");
  EXPECT_EQ(Render("logs-100%%-x", Batch()), "logs-100%-x");
}

TEST(IndexTemplateTest, DatesComeFromTheEventTimeInUtc) {
  EXPECT_EQ(Render("logs-app-%Y.%m.%d", Batch()), "logs-app-2026.11.22");
  EXPECT_EQ(Render("hourly-%Y%m%d%H", Batch()), "hourly-2026112210");
  buffer::EventBatch b = Batch();
  b.events[0].time_unix_nanos = 0;
  EXPECT_EQ(Render("x-%Y.%m.%d-%H", b), "x-1970.01.01-00");
  b.events[0].time_unix_nanos = 951'825'600'000'000'000;  // 2000-02-29T12:00:00Z
  EXPECT_EQ(Render("x-%Y.%m.%d-%H", b), "x-2000.02.29-12");
  b.events[0].time_unix_nanos = -1;  // one nanosecond before the epoch
  EXPECT_EQ(Render("x-%Y.%m.%d-%H", b), "x-1969.12.31-23");
}

TEST(IndexTemplateTest, FieldsComeFromEventFieldsThenSharedFields) {
  buffer::EventBatch b = Batch(R"("service":"shared","host.name":"Web-1")");
  b.events[0].fields_json = R"("service":"Checkout","code":404)";
  EXPECT_EQ(Render("logs-%{[service]}-default", b), "logs-checkout-default");
  EXPECT_EQ(Render("logs-%{[host][name]}-%{[code]}", b), "logs-web-1-404");
}

TEST(IndexTemplateTest, NestedObjectsAndDottedKeysAreBothFound) {
  buffer::EventBatch b = Batch();
  b.events[0].fields_json =
      R"("msg":"a,b}\"{","kubernetes":{"labels":[1,{"x":2}],"namespace":"prod"},"a.b":{"c":"d"})";
  EXPECT_EQ(Render("k-%{[kubernetes][namespace]}", b), "k-prod");
  EXPECT_EQ(Render("k-%{[a][b][c]}", b), "k-d");
}

TEST(IndexTemplateTest, ForbiddenCharactersInValuesBecomeUnderscores) {
  buffer::EventBatch b = Batch();
  b.events[0].fields_json = R"("svc":"A/B c*d")";
  EXPECT_EQ(Render("logs-%{[svc]}-x", b), "logs-a_b_c_d-x");
}

TEST(IndexTemplateTest, MissingObjectOrNullFieldsFail) {
  buffer::EventBatch b = Batch();
  b.events[0].fields_json = R"("obj":{"a":1},"nothing":null,"empty":"")";
  bool ok = true;
  Render("logs-%{[service]}-x", b, &ok);
  EXPECT_FALSE(ok);
  Render("logs-%{[obj]}-x", b, &ok);
  EXPECT_FALSE(ok);
  Render("logs-%{[nothing]}-x", b, &ok);
  EXPECT_FALSE(ok);
  Render("logs-%{[empty]}-x", b, &ok);
  EXPECT_FALSE(ok);
}

TEST(IndexTemplateTest, BadPlaceholdersAreErrorsThatSayWhatToWrite) {
  for (std::string_view bad : {"logs-%q", "logs-%", "logs-%{service}", "logs-%{[a]", "x-%{[]}"}) {
    base::Result<IndexTemplate> t = IndexTemplate::Parse(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_NE(t.error().message().find("%"), std::string::npos) << t.error().message();
  }
}

TEST(IndexTemplateTest, DataStreamNamesSplitIntoTypeDatasetAndNamespace) {
  DataStreamName d;
  ASSERT_TRUE(SplitDataStreamName("logs-nginx.access-production", &d));
  EXPECT_EQ(d.type, "logs");
  EXPECT_EQ(d.dataset, "nginx.access");
  EXPECT_EQ(d.name_space, "production");
  EXPECT_FALSE(SplitDataStreamName("logs-app", &d));
  EXPECT_FALSE(SplitDataStreamName("logs-a-b-c", &d));
  EXPECT_FALSE(SplitDataStreamName("logs--x", &d));
  EXPECT_FALSE(SplitDataStreamName("app-2026.11.22", &d));
}

TEST(IndexTemplateTest, WildcardPatternsReplacePlaceholdersForTemplatesAndRoles) {
  auto pattern = [](std::string_view text) {
    return IndexTemplate::Parse(text).value().WildcardPattern();
  };
  EXPECT_EQ(pattern("logs-app-default"), "logs-app-default");
  EXPECT_EQ(pattern("logs-app-%Y.%m.%d"), "logs-app-*");
  EXPECT_EQ(pattern("logs-%{[service]}-default"), "logs-*-default");
  EXPECT_EQ(pattern("%{[team]}-%Y-%m"), "*");
  EXPECT_EQ(pattern("app-%Y.%m.%d-archive"), "app-*-archive");
  EXPECT_EQ(pattern("100%%-logs"), "100%-logs");
}

}  // namespace
}  // namespace transport
