#include "agent/processors/filter_processor.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"

namespace agent {
namespace {

using config::ProcessorType;
using testing::Build;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::RunOne;

class FilterProcessorTest : public ::testing::Test {};

TEST_F(FilterProcessorTest, IncludeKeepsOnlyMatchingMessagesAndCountsTheRest) {
  auto config = MakeConfig(ProcessorType::kInclude);
  config.patterns = {"ERROR", "^WARN"};
  auto p = Build(config);
  buffer::Event error = MakeEvent("2026 ERROR disk full");
  buffer::Event warn = MakeEvent("WARN slow");
  buffer::Event info = MakeEvent("INFO WARN later in the line");
  EXPECT_EQ(RunOne(*p, error), Verdict::kKeep);
  EXPECT_EQ(RunOne(*p, warn), Verdict::kKeep);
  EXPECT_EQ(RunOne(*p, info), Verdict::kDrop);
  EXPECT_EQ(p->stats().events, 3u);
  EXPECT_EQ(p->stats().dropped, 1u);
}

TEST_F(FilterProcessorTest, ExcludeDropsMatchingMessages) {
  auto config = MakeConfig(ProcessorType::kExclude);
  config.patterns = {"(?i)^debug"};
  auto p = Build(config);
  buffer::Event debug = MakeEvent("Debug: cache miss");
  buffer::Event info = MakeEvent("info: started");
  EXPECT_EQ(RunOne(*p, debug), Verdict::kDrop);
  EXPECT_EQ(RunOne(*p, info), Verdict::kKeep);
  EXPECT_EQ(p->stats().dropped, 1u);
}

TEST_F(FilterProcessorTest, MatchesANamedFieldAndTreatsAnAbsentOneAsNoMatch) {
  auto include = MakeConfig(ProcessorType::kInclude);
  include.field = "log.level";
  include.patterns = {"^(error|warn)$"};
  auto p = Build(include);
  buffer::Event error = MakeEvent("x", R"("log.level":"error")");
  buffer::Event none = MakeEvent("error in the message only");
  EXPECT_EQ(RunOne(*p, error), Verdict::kKeep);
  EXPECT_EQ(RunOne(*p, none), Verdict::kDrop);

  auto exclude = MakeConfig(ProcessorType::kExclude);
  exclude.field = "log.level";
  exclude.patterns = {"debug"};
  auto q = Build(exclude);
  buffer::Event none2 = MakeEvent("debug in the message only");
  EXPECT_EQ(RunOne(*q, none2), Verdict::kKeep);
}

TEST_F(FilterProcessorTest, RefusesABadRegexWithRe2sMessage) {
  auto config = MakeConfig(ProcessorType::kInclude);
  config.patterns = {"ok", "a(b"};
  auto p = BuildProcessor(config);
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message().find("patterns[1]"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().message().find("missing )"), std::string::npos) << p.error().message();
}

}  // namespace
}  // namespace agent
