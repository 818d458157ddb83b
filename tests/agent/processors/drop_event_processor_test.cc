#include "agent/processors/drop_event_processor.h"

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

class DropEventProcessorTest : public ::testing::Test {};

TEST_F(DropEventProcessorTest, DropsWhenAFieldEqualsAValue) {
  auto config = MakeConfig(ProcessorType::kDropEvent);
  config.when.kind = ConditionConfig::Kind::kEquals;
  config.when.field = "status";
  config.when.value = "200";
  auto p = Build(config);
  buffer::Event ok = MakeEvent("m", R"("status":200)");
  buffer::Event ok_text = MakeEvent("m", R"("status":"200")");
  buffer::Event error = MakeEvent("m", R"("status":500)");
  buffer::Event none = MakeEvent("m");
  EXPECT_EQ(RunOne(*p, ok), Verdict::kDrop);
  EXPECT_EQ(RunOne(*p, ok_text), Verdict::kDrop);
  EXPECT_EQ(RunOne(*p, error), Verdict::kKeep);
  EXPECT_EQ(RunOne(*p, none), Verdict::kKeep);
  EXPECT_EQ(p->stats().dropped, 2u);
}

TEST_F(DropEventProcessorTest, DropsWhenAFieldExistsOrIsAbsent) {
  auto exists = MakeConfig(ProcessorType::kDropEvent);
  exists.when.kind = ConditionConfig::Kind::kExists;
  exists.when.field = "healthcheck";
  auto p = Build(exists);
  buffer::Event with = MakeEvent("m", R"("healthcheck":true)");
  buffer::Event without = MakeEvent("m");
  EXPECT_EQ(RunOne(*p, with), Verdict::kDrop);
  EXPECT_EQ(RunOne(*p, without), Verdict::kKeep);

  auto absent = exists;
  absent.when.exists = false;
  auto q = Build(absent);
  buffer::Event without2 = MakeEvent("m");
  EXPECT_EQ(RunOne(*q, without2), Verdict::kDrop);
}

}  // namespace
}  // namespace agent
