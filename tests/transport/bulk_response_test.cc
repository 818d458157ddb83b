#include "transport/bulk_response.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <string>

#include "transport/retry_policy.h"

namespace transport {
namespace {

class BulkResponseTest : public ::testing::Test {
 protected:
  BulkResponse response_;
};

// The fixtures' "expect" words, as our actions.
ItemAction ExpectedItemAction(std::string_view word) {
  static const std::map<std::string_view, ItemAction> kWords = {
      {"ack", ItemAction::kDelivered},
      {"ack_duplicate", ItemAction::kDuplicate},
      {"ack_but_count_as_failed_doc", ItemAction::kFailureStore},
      {"retry", ItemAction::kRetry},
      {"drop_or_dlq", ItemAction::kDeadLetter},
      {"drop_or_dlq_and_alert", ItemAction::kDeadLetter},
      {"config_error_drop_or_dlq", ItemAction::kDeadLetter},
  };
  auto it = kWords.find(word);
  EXPECT_NE(it, kWords.end()) << "unknown expectation " << word;
  return it == kWords.end() ? ItemAction::kRetry : it->second;
}

RequestAction ExpectedRequestAction(std::string_view text) {
  if (text.starts_with("refresh_credentials")) return RequestAction::kRefreshAndRetry;
  if (text.starts_with("retry")) return RequestAction::kRetry;
  if (text.starts_with("split")) return RequestAction::kSplit;
  if (text.starts_with("bug_in_encoder")) return RequestAction::kDeadLetter;
  // 406 "fall back to plain ndjson": skiff always sends plain application/x-ndjson, so a
  // 406 cannot be fixed by a retry; the documents are dead-lettered with the reason.
  if (text.starts_with("fall_back")) return RequestAction::kDeadLetter;
  ADD_FAILURE() << "unknown expectation " << text;
  return RequestAction::kRetry;
}

TEST_F(BulkResponseTest, DecidesEverySharedFixtureAsExpected) {
  std::string path = std::string(SKIFF_VECTORS_DIR) + "/es-bulk-responses/bulk-responses.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared vectors not found at " << path;
  simdjson::dom::parser parser;
  simdjson::dom::object fixtures;
  ASSERT_EQ(parser.load(path)["fixtures"].get_object().get(fixtures), simdjson::SUCCESS);
  int checked = 0;
  for (auto [name, fixture] : fixtures) {
    SCOPED_TRACE(std::string(name));
    int64_t status = 0;
    ASSERT_EQ(fixture["status"].get_int64().get(status), simdjson::SUCCESS);
    simdjson::dom::element body = fixture["body"];
    std::string body_text;
    std::string_view raw;
    if (body.is_string()) {
      ASSERT_EQ(body.get_string().get(raw), simdjson::SUCCESS);
      body_text = raw;
    } else if (!body.is_null()) {
      body_text = simdjson::minify(body);
    }
    simdjson::dom::element expect = fixture["expect"];
    if (status != 200) {
      std::string_view want;
      ASSERT_EQ(expect.get_string().get(want), simdjson::SUCCESS);
      EXPECT_EQ(DecideRequest(static_cast<int>(status), false), ExpectedRequestAction(want));
      ElasticsearchError e = BulkResponse::ParseErrorBody(body_text);
      EXPECT_FALSE(e.type.empty());
      ++checked;
      continue;
    }
    ASSERT_EQ(DecideRequest(200, false), RequestAction::kReadItems);
    ASSERT_TRUE(response_.Parse(body_text).ok()) << body_text;
    simdjson::dom::array want;
    ASSERT_EQ(expect.get_array().get(want), simdjson::SUCCESS);
    ASSERT_EQ(response_.item_count(), want.size());
    std::size_t i = 0;
    for (simdjson::dom::element w : want) {
      std::string_view word;
      ASSERT_EQ(w.get_string().get(word), simdjson::SUCCESS);
      EXPECT_EQ(DecideItem(response_.items()[i]), ExpectedItemAction(word)) << "item " << i;
      ++i;
    }
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST_F(BulkResponseTest, ReadsStatusErrorAndFailureStoreOfEachItem) {
  ASSERT_TRUE(response_
                  .Parse(R"({"errors":true,"items":[
                    {"create":{"status":201,"failure_store":"used"}},
                    {"create":{"status":400,"error":{"type":"document_parsing_exception",
                      "reason":"failed to parse field [n]",
                      "caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"abc\""}}}},
                    {"index":{"status":429,"error":"rejected"}}]})")
                  .ok());
  EXPECT_TRUE(response_.errors());
  ASSERT_EQ(response_.item_count(), 3u);
  EXPECT_EQ(response_.items()[0].failure_store, FailureStore::kUsed);
  EXPECT_EQ(response_.items()[1].status, 400);
  EXPECT_EQ(response_.items()[1].error.type, "document_parsing_exception");
  EXPECT_EQ(response_.items()[1].error.reason,
            "failed to parse field [n] (caused by illegal_argument_exception: For input string: "
            "\"abc\")");
  EXPECT_EQ(response_.items()[2].error.reason, "rejected");
}

TEST_F(BulkResponseTest, AcceptsFilterPathReducedResponses) {
  ASSERT_TRUE(
      response_
          .Parse(
              R"({"errors":false,"items":[{"create":{"status":201}},{"create":{"status":409}}]})")
          .ok());
  EXPECT_FALSE(response_.errors());
  EXPECT_EQ(response_.item_count(), 2u);
  ASSERT_TRUE(response_.Parse(R"({"errors":false})").ok());
  EXPECT_FALSE(response_.has_items());
}

TEST_F(BulkResponseTest, AnItemWithoutStatusIsRetried) {
  ASSERT_TRUE(response_.Parse(R"({"items":[{"create":{"_id":"a"}},{}]})").ok());
  ASSERT_EQ(response_.item_count(), 2u);
  EXPECT_EQ(response_.items()[0].status, 0);
  EXPECT_EQ(DecideItem(response_.items()[0]), ItemAction::kRetry);
  EXPECT_EQ(DecideItem(response_.items()[1]), ItemAction::kRetry);
  EXPECT_TRUE(response_.errors()) << "derived from the items when the flag is absent";
}

TEST_F(BulkResponseTest, GarbageIsAClearErrorNotACrash) {
  for (std::string_view body : {
           std::string_view(""),
           std::string_view("<html>502</html>"),
           std::string_view(R"({"errors":false,"items":[{"create":{"status":201}})"),  // truncated
           std::string_view("[1,2,3]"),
           std::string_view(R"({"took":1})"),
           std::string_view(R"({"errors":true,"items":{"a":1}})"),
           std::string_view(R"({"errors":true,"items":[1]})"),
       }) {
    base::Status s = response_.Parse(body);
    EXPECT_EQ(s.code(), base::StatusCode::kCorruption) << body;
    EXPECT_EQ(response_.item_count(), 0u);
  }
}

TEST_F(BulkResponseTest, ReusesItemStorageAcrossParses) {
  ASSERT_TRUE(
      response_.Parse(R"({"items":[{"create":{"status":400,"error":{"type":"x","reason":"y"}}}]})")
          .ok());
  ASSERT_TRUE(response_.Parse(R"({"items":[{"create":{"status":201}}]})").ok());
  EXPECT_TRUE(response_.items()[0].error.type.empty());
  EXPECT_EQ(response_.items()[0].status, 201);
}

TEST_F(BulkResponseTest, TruncatesLongReasonsAtACharacterBoundary) {
  std::string reason;
  for (int i = 0; i < 400; ++i) reason += "é";  // 2 bytes each
  std::string body =
      R"({"items":[{"create":{"status":400,"error":{"type":"t","reason":")" + reason + R"("}}}]})";
  ASSERT_TRUE(response_.Parse(body).ok());
  const std::string& got = response_.items()[0].error.reason;
  EXPECT_LE(got.size(), BulkResponse::kMaxReasonBytes);
  EXPECT_TRUE(got.ends_with("..."));
  std::string_view kept(got.data(), got.size() - 3);
  EXPECT_EQ(kept.size() % 2, 0u) << "cut inside a character";
}

TEST_F(BulkResponseTest, ParsesRequestErrorBodiesOfEveryShape) {
  ElasticsearchError obj = BulkResponse::ParseErrorBody(
      R"({"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"bad"},"status":400})");
  EXPECT_EQ(obj.type, "illegal_argument_exception");
  EXPECT_EQ(obj.reason, "bad");
  ElasticsearchError str =
      BulkResponse::ParseErrorBody(R"({"error":"Content-Type not supported","status":406})");
  EXPECT_EQ(str.reason, "Content-Type not supported");
  ElasticsearchError html = BulkResponse::ParseErrorBody("<html>\n502 Bad Gateway</html>");
  EXPECT_EQ(html.type, "http_error");
  EXPECT_EQ(html.reason, "<html> 502 Bad Gateway</html>");
  EXPECT_EQ(BulkResponse::ParseErrorBody("").type, "http_error");
  EXPECT_EQ(BulkResponse::ParseErrorBody("").reason, "(empty body)");
}

}  // namespace
}  // namespace transport
