#include "transport/bulk_request.h"

#include <gtest/gtest.h>

#include <array>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "tests/support/allocation_counter.h"

namespace transport {
namespace {

constexpr int64_t kTime = 1'795'342'323'123'456'789;  // 2026-11-22T10:12:03.123Z

buffer::EventBatch MakeBatch() {
  buffer::EventBatch batch;
  batch.source_key = "dev=2049,ino=131,fp=3f2a";
  batch.generation = 2;
  batch.index = "logs-nginx-default";
  batch.shared_fields_json =
      R"("log.file.path":"/var/log/nginx/access.log","host.name":"web-1","agent.id":"agent-0001")";
  buffer::Event plain;
  plain.offset = 0;
  plain.time_unix_nanos = kTime;
  plain.message = "GET /index.html 200";
  batch.events.push_back(plain);
  buffer::Event escaped;
  escaped.offset = 20;
  escaped.time_unix_nanos = kTime + 1'000'000;
  escaped.message = "quote \" backslash \\ tab \t bell \x07 caf\xC3\xA9";
  escaped.flags = buffer::kFlagInvalidUtf8 | buffer::kFlagTruncated;
  batch.events.push_back(escaped);
  buffer::Event json;
  json.offset = 77;
  json.time_unix_nanos = kTime + 2'000'000;
  json.message = R"({"level":"warn","log":{"logger":"app"}})";
  json.fields_json = R"("level":"warn","log":{"logger":"app"})";
  json.flags = buffer::kFlagPartial;
  batch.events.push_back(json);
  return batch;
}

class BulkRequestTest : public ::testing::Test {
 protected:
  // Compares with tests/golden/transport/<name>.ndjson; SKIFF_UPDATE_GOLDEN=1 rewrites it.
  static void ExpectGolden(const std::string& name, std::string_view body) {
    std::string path = std::string(SKIFF_GOLDEN_DIR) + "/" + name + ".ndjson";
    const char* update = std::getenv("SKIFF_UPDATE_GOLDEN");
    if (update != nullptr && std::string_view(update) == "1") {
      std::ofstream(path, std::ios::binary) << body;
      return;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in.good()) << "missing " << path << " (run with SKIFF_UPDATE_GOLDEN=1)";
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(body, want.str()) << "differs from " << path;
  }

  // Every line must be one JSON object.
  static void ExpectNdjson(std::string_view body) {
    ASSERT_FALSE(body.empty());
    ASSERT_EQ(body.back(), '\n');
    simdjson::dom::parser parser;
    while (!body.empty()) {
      std::size_t nl = body.find('\n');
      std::string line(body.substr(0, nl));
      simdjson::dom::object obj;
      EXPECT_EQ(parser.parse(line).get_object().get(obj), simdjson::SUCCESS) << line;
      body.remove_prefix(nl + 1);
    }
  }

  BulkRequest request_{BulkRequestOptions{"agent-0001", "logs-generic-default", true}};
};

TEST_F(BulkRequestTest, RendersCreateActionsWithIdsAndDocumentsAsGolden) {
  buffer::EventBatch batch = MakeBatch();
  for (uint32_t i = 0; i < batch.events.size(); ++i) request_.Add(7, batch, i);
  ExpectNdjson(request_.body());
  ExpectGolden("bulk_with_ids", request_.body());
}

TEST_F(BulkRequestTest, LeavesIdsOutWhenDeterministicIdsAreOffAndUsesTheDefaultIndex) {
  BulkRequest request(BulkRequestOptions{"agent-0001", "logs-generic-default", false});
  buffer::EventBatch batch = MakeBatch();
  batch.index.clear();
  batch.shared_fields_json.clear();
  for (uint32_t i = 0; i < batch.events.size(); ++i) request.Add(1, batch, i);
  ExpectNdjson(request.body());
  ExpectGolden("bulk_without_ids", request.body());
}

TEST_F(BulkRequestTest, StampsTheIdentityOnDocumentsAddedAfterItIsSet) {
  buffer::EventBatch batch = MakeBatch();
  request_.Add(1, batch, 0);
  request_.set_identity("system:serviceaccount:logging:skiff");
  request_.Add(1, batch, 1);
  request_.set_identity("");
  request_.Add(1, batch, 2);
  ExpectNdjson(request_.body());
  // Action and document lines, three times.
  std::array<std::string_view, 6> lines{};
  std::string_view body = request_.body();
  for (std::string_view& line : lines) {
    std::size_t end = body.find('\n');
    ASSERT_NE(end, std::string_view::npos);
    line = body.substr(0, end);
    body.remove_prefix(end + 1);
  }
  EXPECT_TRUE(body.empty());
  constexpr std::string_view stamp = R"("agent.identity":"system:serviceaccount:logging:skiff")";
  EXPECT_EQ(lines[1].find(stamp), std::string::npos);
  EXPECT_NE(lines[3].find(stamp), std::string::npos) << lines[3];
  EXPECT_EQ(lines[5].find("agent.identity"), std::string::npos);
}

TEST_F(BulkRequestTest, RemembersWhichLeaseAndEventEachOperationIs) {
  buffer::EventBatch a = MakeBatch();
  buffer::EventBatch b = MakeBatch();
  request_.Add(3, a, 2);
  request_.Add(4, b, 0);
  request_.Add(4, b, 1);
  ASSERT_EQ(request_.size(), 3u);
  EXPECT_EQ(request_.items()[0].lease_id, 3u);
  EXPECT_EQ(request_.items()[0].event_index, 2u);
  EXPECT_EQ(request_.items()[2].lease_id, 4u);
  EXPECT_EQ(request_.items()[2].event_index, 1u);
}

TEST_F(BulkRequestTest, RemoveLastUndoesTheLastOperation) {
  buffer::EventBatch batch = MakeBatch();
  request_.Add(1, batch, 0);
  std::string one(request_.body());
  request_.Add(1, batch, 1);
  request_.RemoveLast();
  EXPECT_EQ(request_.body(), one);
  EXPECT_EQ(request_.size(), 1u);
}

TEST_F(BulkRequestTest, IdsDependOnTheBatchNotTheCache) {
  buffer::EventBatch a = MakeBatch();
  buffer::EventBatch b = MakeBatch();
  b.generation = 3;
  request_.Add(1, a, 0);
  std::string first(request_.body());
  request_.Clear();
  request_.Add(2, b, 0);
  EXPECT_NE(request_.body(), first);
  request_.Clear();
  request_.Add(1, a, 0);
  EXPECT_EQ(request_.body(), first);
}

TEST_F(BulkRequestTest, RendersWithoutAllocatingOnceBuffersHaveGrown) {
  if (!skiff_test::CountsAllocations()) GTEST_SKIP() << "allocations are not counted under ASan";
  buffer::EventBatch batch = MakeBatch();
  for (std::size_t i = 0; i < 200; ++i) batch.events.push_back(batch.events[i % 3]);
  auto render = [&] {
    request_.Clear();
    for (uint32_t i = 0; i < batch.events.size(); ++i) request_.Add(9, batch, i);
  };
  render();  // grows the buffers
  uint64_t before = skiff_test::Allocations();
  render();
  EXPECT_EQ(skiff_test::Allocations() - before, 0u);
}

TEST_F(BulkRequestTest, DataStreamDocumentsCarryTypeDatasetAndNamespaceFromTheName) {
  buffer::EventBatch batch = MakeBatch();
  request_.Add(1, batch, 0);
  EXPECT_NE(request_.body().find(R"("data_stream.type":"logs","data_stream.dataset":"nginx",)"
                                 R"("data_stream.namespace":"default")"),
            std::string::npos)
      << request_.body();
}

TEST_F(BulkRequestTest, PlainIndicesGetNoDataStreamFieldsUnlessConfigured) {
  buffer::EventBatch batch = MakeBatch();
  batch.index = "app-2026";
  request_.Add(1, batch, 0);
  EXPECT_EQ(request_.body().find("data_stream."), std::string::npos);
  batch.index = "metrics-app-prod";
  request_.Clear();
  request_.Add(2, batch, 0);
  EXPECT_EQ(request_.body().find("data_stream."), std::string::npos) << "only logs-*-* is implied";
  BulkRequestOptions options{"agent-0001", "logs-generic-default", true};
  options.data_stream = true;
  BulkRequest streams(options);
  streams.Add(3, batch, 0);
  EXPECT_NE(streams.body().find(R"("data_stream.type":"metrics")"), std::string::npos);
}

TEST_F(BulkRequestTest, SharedDataStreamFieldsAreNotDuplicated) {
  buffer::EventBatch batch = MakeBatch();
  batch.shared_fields_json = R"("data_stream.dataset":"mine")";
  request_.Add(1, batch, 0);
  EXPECT_EQ(request_.body().find(R"("data_stream.type")"), std::string::npos);
}

TEST_F(BulkRequestTest, EventsOfOneBatchGoToTheIndicesTheirTemplateNames) {
  buffer::EventBatch batch = MakeBatch();
  batch.index = "logs-%{[level]}-%Y.%m.%d";
  batch.events[1].time_unix_nanos += 86'400'000'000'000;  // the next day
  batch.events[1].fields_json = R"("level":"error")";
  for (uint32_t i = 0; i < batch.events.size(); ++i) request_.Add(7, batch, i);
  ExpectNdjson(request_.body());
  ExpectGolden("bulk_index_template", request_.body());
  // Event 0 has no level field: the fallback index, counted.
  EXPECT_NE(request_.body().find(R"({"create":{"_index":"logs-generic-default")"),
            std::string::npos);
  EXPECT_NE(request_.body().find(R"({"create":{"_index":"logs-error-2026.11.23")"),
            std::string::npos);
  EXPECT_NE(request_.body().find(R"({"create":{"_index":"logs-warn-2026.11.22")"),
            std::string::npos);
  EXPECT_EQ(request_.index_fallbacks(), 1u);
}

TEST_F(BulkRequestTest, DeadLettersRenderTheDocumentAndIndexAsSent) {
  buffer::EventBatch batch = MakeBatch();
  batch.index = "logs-%{[level]}-default";
  request_.Add(1, batch, 2);
  std::string document;
  std::string index;
  BulkRequest other(BulkRequestOptions{"agent-0001", "logs-generic-default", true});
  other.RenderForDeadLetter(1, batch, 2, document, index);
  EXPECT_EQ(index, "logs-warn-default");
  EXPECT_NE(request_.body().find(document), std::string::npos);
}

TEST_F(BulkRequestTest, RendersTemplatedIndicesWithoutAllocatingOnceBuffersHaveGrown) {
  if (!skiff_test::CountsAllocations()) GTEST_SKIP() << "allocations are not counted under ASan";
  buffer::EventBatch batch = MakeBatch();
  batch.index = "logs-%{[level]}-%Y.%m.%d";
  for (std::size_t i = 0; i < 200; ++i) batch.events.push_back(batch.events[i % 3]);
  auto render = [&] {
    request_.Clear();
    for (uint32_t i = 0; i < batch.events.size(); ++i) request_.Add(9, batch, i);
  };
  render();  // grows the buffers and compiles the template
  uint64_t before = skiff_test::Allocations();
  render();
  EXPECT_EQ(skiff_test::Allocations() - before, 0u);
}

}  // namespace
}  // namespace transport
