#include "agent/processors/parse_processor.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"

namespace agent {
namespace {

using config::FieldType;
using config::ProcessorType;
using testing::Build;
using testing::kReadTimeUnixNanos;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::RunOne;

class ParseProcessorTest : public ::testing::Test {
 protected:
  static config::ProcessorConfig Regex(std::string regex) {
    auto c = MakeConfig(ProcessorType::kParse);
    c.regex = std::move(regex);
    return c;
  }
};

TEST_F(ParseProcessorTest, TurnsNamedCapturesIntoFieldsAndDoubleUnderscoresIntoDots) {
  auto p = Build(Regex(R"(^(?P<client_ip>\S+) (?P<http__request__method>[A-Z]+) (?P<path>\S+))"));
  buffer::Event e = MakeEvent("10.1.2.3 GET /a?b=1 trailing");
  EXPECT_EQ(RunOne(*p, e), Verdict::kKeep);
  EXPECT_EQ(e.fields_json, R"("client_ip":"10.1.2.3","http.request.method":"GET","path":"/a?b=1")");
  EXPECT_EQ(e.message, "10.1.2.3 GET /a?b=1 trailing");
  EXPECT_EQ(e.flags, 0u);
}

TEST_F(ParseProcessorTest, ConvertsTypesAndFlagsAValueThatIsNotOfItsType) {
  auto config = Regex(R"(^(?P<n>\S+) (?P<f>\S+) (?P<b>\S+)$)");
  config.types = {{"n", FieldType::kInt}, {"f", FieldType::kFloat}, {"b", FieldType::kBool}};
  auto p = Build(config);
  buffer::Event good = MakeEvent("007 2.50 TRUE");
  RunOne(*p, good);
  EXPECT_EQ(good.fields_json, R"("n":7,"f":2.5,"b":true)");
  EXPECT_EQ(good.flags, 0u);
  buffer::Event bad = MakeEvent("seven 1e999 maybe");
  RunOne(*p, bad);
  EXPECT_EQ(bad.fields_json, R"("n":"seven","f":"1e999","b":"maybe")");
  EXPECT_EQ(bad.flags, buffer::kFlagParseFailed);
  EXPECT_EQ(p->stats().failed, 1u);
}

TEST_F(ParseProcessorTest, FeedsTheTimestampCaptureIntoTheEventTime) {
  auto config = Regex(R"(^(?P<ts>\S+) (?P<level>\w+))");
  config.timestamp_field = "ts";
  config.timestamp_format = config::TimestampFormat::kRfc3339;
  auto p = Build(config);
  buffer::Event e = MakeEvent("2026-11-22T11:55:22.5+01:00 info started");
  RunOne(*p, e);
  EXPECT_EQ(e.time_unix_nanos, 1'795'348'522'500'000'000 - 3'600'000'000'000);
  EXPECT_EQ(e.fields_json, R"("level":"info")");

  buffer::Event bad = MakeEvent("yesterday info started");
  RunOne(*p, bad);
  EXPECT_EQ(bad.time_unix_nanos, kReadTimeUnixNanos);
  EXPECT_EQ(bad.fields_json, R"("ts":"yesterday","level":"info")");
  EXPECT_EQ(bad.flags, buffer::kFlagParseFailed);
}

TEST_F(ParseProcessorTest, PassesALineThatDoesNotMatchThroughWithAFlag) {
  auto p = Build(Regex(R"(^(?P<a>\d+)$)"));
  buffer::Event e = MakeEvent("not digits", R"("x":1)");
  EXPECT_EQ(RunOne(*p, e), Verdict::kKeep);
  EXPECT_EQ(e.message, "not digits");
  EXPECT_EQ(e.fields_json, R"("x":1)");
  EXPECT_EQ(e.flags, buffer::kFlagParseFailed);
  EXPECT_EQ(p->stats().failed, 1u);
  EXPECT_EQ(p->stats().dropped, 0u);
}

TEST_F(ParseProcessorTest, ACaptureNamedMessageReplacesTheMessage) {
  auto p = Build(Regex(R"(^\[(?P<level>\w+)\] (?P<message>.*)$)"));
  buffer::Event e = MakeEvent("[warn] disk 91% full");
  RunOne(*p, e);
  EXPECT_EQ(e.message, "disk 91% full");
  EXPECT_EQ(e.fields_json, R"("level":"warn")");
}

TEST_F(ParseProcessorTest, ParsesANamedFieldInsteadOfTheMessage) {
  auto config = Regex(R"(^(?P<user__name>[^@]+)@(?P<user__domain>.+)$)");
  config.field = "email";
  auto p = Build(config);
  buffer::Event e = MakeEvent("m", R"("email":"ann@example.org")");
  RunOne(*p, e);
  EXPECT_EQ(e.fields_json,
            R"("email":"ann@example.org","user.name":"ann","user.domain":"example.org")");
  buffer::Event without = MakeEvent("m");
  RunOne(*p, without);
  EXPECT_EQ(without.flags, 0u);  // nothing to parse is not a failure
}

TEST_F(ParseProcessorTest, SkipsOptionalGroupsThatDidNotTakePart) {
  auto p = Build(Regex(R"(^(?P<a>\w+)(?: (?P<b>\w+))?$)"));
  buffer::Event e = MakeEvent("one");
  RunOne(*p, e);
  EXPECT_EQ(e.fields_json, R"("a":"one")");
}

}  // namespace
}  // namespace agent
