// Tests for FilterPath, esim's filter_path implementation.
#include "tests/esim/filter_path.h"

#include <gtest/gtest.h>

#include <string>

namespace esim {
namespace {

class FilterPathTest : public ::testing::Test {
 protected:
  std::string Filter(std::string_view spec, std::string json) {
    json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    std::string out;
    EXPECT_TRUE(FilterPath(spec).Apply(json, parser_, out)) << json;
    return out;
  }

  simdjson::dom::parser parser_;
};

constexpr std::string_view kBulk =
    R"({"errors":true,"took":3,"items":[)"
    R"({"create":{"_index":"i","_id":"a","status":201,"_shards":{"total":2,"failed":0}}},)"
    R"({"create":{"_index":"i","_id":"b","status":409,"error":{"type":"x","reason":"r"}}}]})";

TEST_F(FilterPathTest, KeepsTheFieldsShippersAskFor) {
  EXPECT_EQ(Filter("errors,items.*.error,items.*.status", std::string(kBulk)),
            R"({"errors":true,"items":[{"create":{"status":201}},)"
            R"({"create":{"status":409,"error":{"type":"x","reason":"r"}}}]})");
}

TEST_F(FilterPathTest, WildcardsMatchInsideAFieldName) {
  EXPECT_EQ(
      Filter("items.*._i*", std::string(kBulk)),
      R"({"items":[{"create":{"_index":"i","_id":"a"}},{"create":{"_index":"i","_id":"b"}}]})");
}

TEST_F(FilterPathTest, DoubleStarMatchesAnyDepth) {
  EXPECT_EQ(Filter("**.type", std::string(kBulk)),
            R"({"items":[{"create":{"error":{"type":"x"}}}]})");
  EXPECT_EQ(Filter("items.**", R"({"items":[1,2],"x":1})"), R"({"items":[1,2]})");
}

TEST_F(FilterPathTest, ExclusionsDropMatchedFields) {
  EXPECT_EQ(Filter("-items,-took", std::string(kBulk)), R"({"errors":true})");
  EXPECT_EQ(Filter("items.*._id,-items.*._id", std::string(kBulk)), "{}");
}

TEST_F(FilterPathTest, NothingMatchedGivesAnEmptyObject) {
  EXPECT_EQ(Filter("nope", std::string(kBulk)), "{}");
  EXPECT_EQ(Filter("items.*.error", R"({"items":[{"create":{"status":201}}]})"), "{}");
}

TEST_F(FilterPathTest, ScalarsAndEscapesSurviveRewriting) {
  EXPECT_EQ(Filter("a,b,c,d,e", R"({"a":-5,"b":1.5,"c":null,"d":"q\"\n","e":[true,false]})"),
            R"({"a":-5,"b":1.5,"c":null,"d":"q\"\n","e":[true,false]})");
}

TEST_F(FilterPathTest, ClassifyTellsWhatAFieldKeeps) {
  FilterPath filter("errors,items.*.error.type");
  EXPECT_EQ(filter.Classify({"errors"}), FilterPath::Match::kAll);
  EXPECT_EQ(filter.Classify({"took"}), FilterPath::Match::kNone);
  EXPECT_EQ(filter.Classify({"items"}), FilterPath::Match::kPartial);
  EXPECT_EQ(filter.Classify({"items", "create", "error"}), FilterPath::Match::kPartial);
  EXPECT_EQ(filter.Classify({"items", "create", "error", "type"}), FilterPath::Match::kAll);
  EXPECT_EQ(filter.Classify({"items", "create", "status"}), FilterPath::Match::kNone);
}

TEST_F(FilterPathTest, InvalidJsonIsReported) {
  std::string json = "{\"a\":";
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  std::string out;
  EXPECT_FALSE(FilterPath("a").Apply(json, parser_, out));
}

}  // namespace
}  // namespace esim
