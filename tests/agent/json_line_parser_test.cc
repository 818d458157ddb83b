#include "agent/inputs/json_line_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kReadTime = 1'795'348'800 * kSecond;  // 2026-11-22T12:00:00Z

buffer::Event Line(std::string text) {
  buffer::Event event;
  event.time_unix_nanos = kReadTime;
  event.message = std::move(text);
  return event;
}

class JsonLineParserTest : public ::testing::Test {
 protected:
  JsonLineParser parser_{config::JsonConfig{}};
};

TEST_F(JsonLineParserTest, MergesMembersAndLiftsTimeLevelAndMessage) {
  buffer::Event event = Line(
      R"({"@timestamp":"2026-11-22T13:00:00+01:00","level":"warn","msg":"disk low","disk":{"free":0.5,"mounts":["/","/var"]},"n":3})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(event.message, "disk low");
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(event.fields_json,
            R"("log.level":"warn","disk":{"free":0.5,"mounts":["/","/var"]},"n":3)");
  EXPECT_EQ(event.flags, 0u);
}

TEST_F(JsonLineParserTest, ReadsEpochNumbersByTheirSize) {
  const std::pair<std::string, int64_t> cases[] = {
      {R"({"ts":1795348800})", kReadTime},
      {R"({"ts":1795348800.25})", kReadTime + kSecond / 4},
      {R"({"ts":1795348800123})", kReadTime + 123'000'000},
      {R"({"ts":1795348800123456})", kReadTime + 123'456'000},
      {R"({"ts":1795348800123456789})", kReadTime + 123'456'789},
  };
  for (const auto& [text, want] : cases) {
    buffer::Event event = Line(text);
    event.time_unix_nanos = 0;
    ASSERT_TRUE(parser_.Parse(&event)) << text;
    EXPECT_EQ(event.time_unix_nanos, want) << text;
  }
}

TEST_F(JsonLineParserTest, KeepsAnUnparsableTimeAsAFieldAndFlagsIt) {
  buffer::Event event = Line(R"({"time":"yesterday","message":"m"})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(event.flags, buffer::kFlagTimestampParseFailed);
  EXPECT_EQ(event.fields_json, R"("time":"yesterday")");
}

TEST_F(JsonLineParserTest, TimesBeyondWhatNanosecondsHoldAreUnparsableNotWrappedAround) {
  // Seconds in the year 3000, milliseconds in the year 5000, and a string from the year 1000:
  // int64 nanoseconds end in 2262 and begin in 1677.
  for (const std::string text :
       {R"({"ts":32503680000,"message":"m"})", R"({"ts":95617584000000,"message":"m"})",
        R"({"ts":"1000-01-01T00:00:00Z","message":"m"})"}) {
    buffer::Event event = Line(text);
    ASSERT_TRUE(parser_.Parse(&event)) << text;
    EXPECT_EQ(event.time_unix_nanos, kReadTime) << text;
    EXPECT_EQ(event.flags, buffer::kFlagTimestampParseFailed) << text;
  }
}

TEST_F(JsonLineParserTest, RenamesDottedMembersNamedLikeFieldsEveryDocumentCarries) {
  // What ECS logging libraries write: top-level dotted keys, one of them skiff's own.
  buffer::Event event = Line(
      R"({"message":"m","ecs.version":"1.2.0","host.name":"pod-7","log.file.path":"/x","service.name":"api"})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(event.fields_json,
            R"("json.ecs.version":"1.2.0","json.host.name":"pod-7","json.log.file.path":"/x",)"
            R"("service.name":"api")");
}

TEST_F(JsonLineParserTest, RenamesMembersThatWouldCollideWithTheDocumentsOwn) {
  buffer::Event event =
      Line(R"({"message":"m","log.offset":1,"log.flags":2,"@timestamp":"bad","ts":1795348800})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(event.fields_json, R"("json.log.offset":1,"json.log.flags":2,"json.@timestamp":"bad")");
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(event.flags, 0u) << "a later timestamp field that parses clears the flag";
}

TEST_F(JsonLineParserTest, RendersANonStringMessageAsJsonText) {
  buffer::Event event = Line(R"({"message":{"a":[1,true,null]}})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(event.message, R"({"a":[1,true,null]})");
  EXPECT_EQ(event.fields_json, "");
}

TEST_F(JsonLineParserTest, LeavesTextThatIsNotAJsonObjectAlone) {
  for (std::string text : {R"({"a":)", "[1,2]", "\"just a string\"", "plain", ""}) {
    buffer::Event event = Line(text);
    EXPECT_FALSE(parser_.Parse(&event)) << text;
    EXPECT_EQ(event.message, text);
    EXPECT_EQ(event.fields_json, "");
  }
}

TEST_F(JsonLineParserTest, KeepsTheObjectUnderTheTargetAndTheLineAsMessage) {
  config::JsonConfig config;
  config.target = "app";
  JsonLineParser parser(config);
  const std::string text = R"({"level":"info","time":"2026-11-22T12:00:00Z","x":1})";
  buffer::Event event = Line(text);
  event.time_unix_nanos = 0;
  event.fields_json = R"("stream":"stdout")";
  ASSERT_TRUE(parser.Parse(&event));
  EXPECT_EQ(event.message, text);
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(
      event.fields_json,
      R"("stream":"stdout","log.level":"info","app":{"level":"info","time":"2026-11-22T12:00:00Z","x":1})");
}

TEST_F(JsonLineParserTest, ConfiguredFieldNamesReplaceTheDefaults) {
  config::JsonConfig config;
  config.timestamp_fields = {"when"};
  config.level_fields = {"lvl"};
  config.message_fields = {"text"};
  JsonLineParser parser(config);
  buffer::Event event = Line(R"({"time":"x","when":1795348800,"lvl":"E","text":"t","msg":"m"})");
  ASSERT_TRUE(parser.Parse(&event));
  EXPECT_EQ(event.message, "t");
  EXPECT_EQ(event.time_unix_nanos, kReadTime);
  EXPECT_EQ(event.fields_json, R"("time":"x","log.level":"E","msg":"m")");
}

TEST_F(JsonLineParserTest, EscapesStringsAgainAndKeepsFloatsFloats) {
  buffer::Event event =
      Line(R"({"s":"q\" b\\ n\n u\u00e9 nul\u0000","f":2.0,"big":18446744073709551615})");
  ASSERT_TRUE(parser_.Parse(&event));
  EXPECT_EQ(
      event.fields_json,
      "\"s\":\"q\\\" b\\\\ n\\n u\xC3\xA9 nul\\u0000\",\"f\":2.0,\"big\":18446744073709551615");
  EXPECT_EQ(event.message, "");
}

}  // namespace
}  // namespace agent
