#include "agent/processors/sample_processor.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"

namespace agent {
namespace {

using config::ConditionConfig;
using config::ProcessorType;
using testing::Build;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::RunOne;

class SampleProcessorTest : public ::testing::Test {};

TEST_F(SampleProcessorTest, KeepsOneInNOfTheMatchingEventsAndPassesTheOthers) {
  auto config = MakeConfig(ProcessorType::kSample);
  config.every = 10;
  config.when.kind = ConditionConfig::Kind::kMatches;
  config.when.value = "^DEBUG";
  auto p = Build(config);
  int debug_kept = 0;
  int info_kept = 0;
  for (int i = 0; i < 100; ++i) {
    buffer::Event debug = MakeEvent("DEBUG tick");
    buffer::Event info = MakeEvent("INFO tick");
    debug_kept += RunOne(*p, debug) == Verdict::kKeep ? 1 : 0;
    info_kept += RunOne(*p, info) == Verdict::kKeep ? 1 : 0;
  }
  EXPECT_EQ(debug_kept, 10);
  EXPECT_EQ(info_kept, 100);
  EXPECT_EQ(p->stats().dropped, 90u);
  EXPECT_EQ(p->stats().events, 200u);
}

TEST_F(SampleProcessorTest, WithoutConditionSamplesEveryEvent) {
  auto config = MakeConfig(ProcessorType::kSample);
  config.every = 3;
  auto p = Build(config);
  std::string kept;
  for (int i = 0; i < 7; ++i) {
    buffer::Event e = MakeEvent(std::to_string(i));
    if (RunOne(*p, e) == Verdict::kKeep) kept += e.message;
  }
  EXPECT_EQ(kept, "036");
}

}  // namespace
}  // namespace agent
