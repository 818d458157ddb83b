#include "agent/inputs/multiline_aggregator.h"

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
using TimePoint = MultilineAggregator::TimePoint;

struct Sent {
  std::string text;
  uint64_t offset;
  uint32_t flags;
};

class MultilineAggregatorTest : public ::testing::Test {
 protected:
  void Use(config::MultilineConfig config) {
    auto rule = MultilineRule::Create(config, /*max_line_bytes=*/1024);
    ASSERT_TRUE(rule.has_value()) << rule.error().ToString();
    rule_ = std::move(rule).value();
    aggregator_.emplace(*rule_);
  }
  void Add(std::string_view text, TimePoint at = TimePoint{}) {
    SourceLine line{.text = text, .offset = offset_};
    offset_ += text.size() + 1;
    aggregator_->Add(line, at, [&](const SourceLine& e) { Collect(e); });
  }
  void Collect(const SourceLine& e) { sent_.push_back({std::string(e.text), e.offset, e.flags}); }

  std::unique_ptr<MultilineRule> rule_;
  std::optional<MultilineAggregator> aggregator_;
  std::vector<Sent> sent_;
  uint64_t offset_ = 0;
};

TEST_F(MultilineAggregatorTest, StartPatternBeginsEventsAndOthersContinueThem) {
  Use({.start = R"(^\d{4}-)"});
  for (auto line : {"orphan", "2024- a", " x", " y", "2024- b"}) Add(line);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0].text, "orphan");
  EXPECT_EQ(sent_[1].text, "2024- a\n x\n y");
  EXPECT_EQ(sent_[1].offset, 7u);
  EXPECT_EQ(aggregator_->held_from(), 21u) << "the last event waits for more lines";
}

TEST_F(MultilineAggregatorTest, ContinuePatternAndNegateInvertTheRule) {
  Use({.continue_pattern = R"(^\[)", .negate = true});
  for (auto line : {"[a]", "tail", "[b]", "[c]", "more"}) Add(line);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0].text, "[a]\ntail");
  EXPECT_EQ(sent_[1].text, "[b]");
}

TEST_F(MultilineAggregatorTest, AnEventAtMaxLinesIsSentCutAndTheRestBeginsAnother) {
  Use({.continue_pattern = R"(^\s)", .max_lines = 2});
  for (auto line : {"a", " 1", " 2", " 3", "b"}) Add(line);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0].text, "a\n 1");
  EXPECT_EQ(sent_[0].flags, buffer::kFlagTruncated);
  EXPECT_EQ(sent_[1].text, " 2\n 3");
  EXPECT_EQ(sent_[1].flags, 0u) << "max_lines lines followed by a new event is not a cut";
  EXPECT_EQ(aggregator_->counters().cut_events, 1u);
}

TEST_F(MultilineAggregatorTest, MaxBytesCutsAnEventAndALongFirstLine) {
  Use({.continue_pattern = R"(^\s)", .max_bytes = 9});
  for (auto line : {"abc", " defg", " hi", "0123456789ab", "z"}) Add(line);
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[0].text, "abc\n defg") << "exactly max_bytes fits";
  EXPECT_EQ(sent_[0].flags, buffer::kFlagTruncated) << "its continuation did not fit";
  EXPECT_EQ(sent_[1].text, " hi");
  EXPECT_EQ(sent_[1].flags, 0u);
  EXPECT_EQ(sent_[2].text, "012345678");
  EXPECT_EQ(sent_[2].flags, buffer::kFlagTruncated);
  EXPECT_EQ(aggregator_->held_from(), 27u);
}

TEST_F(MultilineAggregatorTest, TimeoutSendsTheWaitingEventOnlyAfterQuietTime) {
  Use({.start = "^S", .timeout = milliseconds(5'000)});
  const TimePoint t0{};
  Add("S1", t0);
  Add(" more", t0 + milliseconds(4'000));
  auto collect = [&](const SourceLine& e) { Collect(e); };
  aggregator_->FlushExpired(t0 + milliseconds(8'999), false, collect);
  EXPECT_TRUE(sent_.empty()) << "the timeout counts from the last line";
  aggregator_->FlushExpired(t0 + milliseconds(9'000), false, collect);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].text, "S1\n more");
  EXPECT_FALSE(aggregator_->held_from());
  EXPECT_EQ(aggregator_->counters().timed_out, 1u);
}

TEST_F(MultilineAggregatorTest, ResetForgetsTheWaitingEvent) {
  Use({.start = "^S"});
  Add("S1");
  Add(" x");
  aggregator_->Reset();
  EXPECT_FALSE(aggregator_->held_from());
  Add("S2");
  aggregator_->FlushExpired(TimePoint{}, true, [&](const SourceLine& e) { Collect(e); });
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].text, "S2");
}

}  // namespace
}  // namespace agent
