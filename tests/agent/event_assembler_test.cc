#include "agent/inputs/event_assembler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

// Designated initializers name only the members a test cares about; the rest keep their
// defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent {
namespace {

using std::chrono::milliseconds;
using TimePoint = EventAssembler::TimePoint;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kReadTime = 1'795'348'800 * kSecond;  // 2026-11-22T12:00:00Z

class VectorSink final : public EventSink {
 public:
  void Emit(buffer::Event event) override { events.push_back(std::move(event)); }
  std::vector<buffer::Event> events;
};

class EventAssemblerTest : public ::testing::Test {
 protected:
  void Use(EventFormatOptions options) {
    auto format = EventFormat::Create(std::move(options));
    ASSERT_TRUE(format.has_value()) << format.error().ToString();
    format_ = std::move(format).value();
    assembler_.emplace(*format_);
  }
  void Add(std::string_view text, TimePoint at = TimePoint{}) {
    SourceLine line{.text = text, .offset = offset_, .time_unix_nanos = kReadTime};
    offset_ += text.size() + 1;
    assembler_->Add(line, at, sink_);
  }

  std::unique_ptr<EventFormat> format_;
  std::optional<EventAssembler> assembler_;
  VectorSink sink_;
  uint64_t offset_ = 0;
};

TEST_F(EventAssemblerTest, TextLinesBecomeEventsUnchanged) {
  Use({});
  EXPECT_FALSE(EventFormatOptions{}.active());
  Add("hello");
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].message, "hello");
  EXPECT_EQ(sink_.events[0].time_unix_nanos, kReadTime);
  EXPECT_EQ(sink_.events[0].fields_json, "");
}

TEST_F(EventAssemblerTest, CriFragmentsAreJoinedBeforeMultilineAndJsonParsing) {
  EventFormatOptions options;
  options.container = ContainerFormat::kCri;
  options.body = BodyFormat::kAuto;
  options.parsing.multiline.start = "^[{]";
  Use(std::move(options));
  Add(R"(2026-11-22T12:00:00Z stdout P {"msg":"a",)");
  Add(R"(2026-11-22T12:00:01Z stdout F "level":"info"})");
  const uint64_t second = offset_;
  Add(R"(2026-11-22T12:00:02Z stdout F {"msg":"b"})");
  ASSERT_EQ(sink_.events.size(), 1u);
  const buffer::Event& e = sink_.events[0];
  EXPECT_EQ(e.message, "a");
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.time_unix_nanos, kReadTime) << "the container time of the first fragment";
  EXPECT_EQ(e.fields_json, R"("stream":"stdout","log.level":"info")");
  EXPECT_EQ(assembler_->held_from(), second) << "the second event waits for its end";
}

TEST_F(EventAssemblerTest, HeldFromIsTheOldestHeldLineOfEitherStage) {
  EventFormatOptions options;
  options.container = ContainerFormat::kCri;
  options.parsing.multiline.continue_pattern = R"(^\s)";
  Use(std::move(options));
  Add("2026-11-22T12:00:00Z stdout F first");  // held by multiline
  const uint64_t first = 0;
  Add("2026-11-22T12:00:00Z stderr P frag");  // held by the container decoder
  EXPECT_EQ(assembler_->held_from(), first);
  Add("2026-11-22T12:00:00Z stdout F next");  // sends "first"
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(assembler_->held_from(), 36u) << "now the stderr fragment is the oldest";
  assembler_->Reset();
  EXPECT_FALSE(assembler_->holding());
}

TEST_F(EventAssemblerTest, FlushExpiredHonoursEachTimeout) {
  EventFormatOptions options;
  options.container = ContainerFormat::kCri;
  options.parsing.multiline.continue_pattern = R"(^\s)";
  options.parsing.multiline.timeout = milliseconds(1'000);
  options.parsing.flush_partial_after = milliseconds(3'000);
  Use(std::move(options));
  const TimePoint t0{};
  Add("2026-11-22T12:00:00Z stdout F event", t0);
  Add("2026-11-22T12:00:00Z stderr P never ended", t0);
  assembler_->FlushExpired(t0 + milliseconds(999), sink_);
  EXPECT_TRUE(sink_.events.empty());
  assembler_->FlushExpired(t0 + milliseconds(1'000), sink_);
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].message, "event");
  assembler_->FlushExpired(t0 + milliseconds(3'000), sink_);
  // The fragment went on to the multiline stage, which holds it as an event until its
  // own timeout.
  assembler_->FlushExpired(t0 + milliseconds(4'000), sink_);
  ASSERT_EQ(sink_.events.size(), 2u);
  EXPECT_EQ(sink_.events[1].message, "never ended");
  EXPECT_EQ(sink_.events[1].flags, buffer::kFlagPartial);
  EXPECT_EQ(format_->counters().held_flushed, 3u);
}

TEST_F(EventAssemblerTest, JsonFormatFlagsWhatDoesNotParseAndCountsIt) {
  EventFormatOptions options;
  options.body = BodyFormat::kJson;
  Use(std::move(options));
  Add("not json");
  Add(R"({"message":"ok"})");
  ASSERT_EQ(sink_.events.size(), 2u);
  EXPECT_EQ(sink_.events[0].message, "not json");
  EXPECT_EQ(sink_.events[0].flags, buffer::kFlagJsonParseFailed);
  EXPECT_EQ(sink_.events[1].message, "ok");
  EXPECT_EQ(format_->counters().json_failures, 1u);
}

TEST_F(EventAssemblerTest, TextTimestampAppliesToTextButNotToParsedJson) {
  EventFormatOptions options;
  options.body = BodyFormat::kAuto;
  options.parsing.timestamp.regex = R"(^(?P<ts>\S+))";
  Use(std::move(options));
  Add("2026-11-22T11:00:00Z text");
  Add(R"({"message":"json"})");
  Add("garbage text");
  ASSERT_EQ(sink_.events.size(), 3u);
  EXPECT_EQ(sink_.events[0].time_unix_nanos, kReadTime - 3600 * kSecond);
  EXPECT_EQ(sink_.events[1].flags, 0u);
  EXPECT_EQ(sink_.events[2].flags, buffer::kFlagTimestampParseFailed);
  EXPECT_EQ(format_->counters().timestamp_failures, 1u);
}

TEST_F(EventAssemblerTest, CreateRefusesPatternsThatDoNotCompile) {
  EventFormatOptions options;
  options.parsing.multiline.start = "(";
  EXPECT_FALSE(EventFormat::Create(options).has_value());
}

}  // namespace
}  // namespace agent
