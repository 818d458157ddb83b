#include "agent/processors/processor_chain.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"
#include "tests/support/allocation_counter.h"

namespace agent {
namespace {

using config::ConditionConfig;
using config::ProcessorType;
using testing::MakeConfig;
using testing::MakeEvent;

class ProcessorChainTest : public ::testing::Test {
 protected:
  // exclude DEBUG, redact, drop_event on a field, sample noisy lines, kubernetes: the
  // typical chain whose processors mostly find nothing to do.
  static config::ProcessorConfigs CommonChain() {
    config::ProcessorConfigs c;
    auto exclude = MakeConfig(ProcessorType::kExclude);
    exclude.patterns = {"^DEBUG"};
    c.push_back(exclude);
    auto redact = MakeConfig(ProcessorType::kRedact);
    redact.builtin_patterns = {"bearer_token", "credit_card", "email"};
    c.push_back(redact);
    auto drop = MakeConfig(ProcessorType::kDropEvent);
    drop.when.kind = ConditionConfig::Kind::kEquals;
    drop.when.field = "log.level";
    drop.when.value = "trace";
    c.push_back(drop);
    auto sample = MakeConfig(ProcessorType::kSample);
    sample.every = 10;
    sample.when.kind = ConditionConfig::Kind::kMatches;
    sample.when.value = "healthz";
    c.push_back(sample);
    c.push_back(MakeConfig(ProcessorType::kKubernetes));
    return c;
  }
};

TEST_F(ProcessorChainTest, RunsGlobalThenLocalProcessorsInOrder) {
  config::ProcessorConfigs global;
  auto add = MakeConfig(ProcessorType::kFields);
  add.add = {{"stage", "\"global\""}};
  global.push_back(add);
  config::ProcessorConfigs local;
  auto drop = MakeConfig(ProcessorType::kDropEvent);
  drop.when.kind = ConditionConfig::Kind::kEquals;
  drop.when.field = "stage";
  drop.when.value = "global";
  local.push_back(drop);
  auto chain = BuildProcessorChain(global, local);
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->processors().size(), 2u);
  buffer::EventBatch batch;
  batch.events.push_back(MakeEvent("a"));
  EXPECT_EQ(chain->Run(batch), 1u);  // the local drop saw the global field
  EXPECT_TRUE(batch.events.empty());
}

TEST_F(ProcessorChainTest, RemovesDroppedEventsAndKeepsTheOrderOfTheRest) {
  config::ProcessorConfigs global;
  auto exclude = MakeConfig(ProcessorType::kExclude);
  exclude.patterns = {"drop"};
  global.push_back(exclude);
  auto chain = BuildProcessorChain(global, {});
  ASSERT_TRUE(chain.has_value());
  buffer::EventBatch batch;
  for (std::string_view m : {"keep 1", "drop", "keep 2", "drop", "drop", "keep 3"}) {
    batch.events.push_back(MakeEvent(m));
    batch.events.back().offset = batch.events.size();
  }
  EXPECT_EQ(chain->Run(batch), 3u);
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].message, "keep 1");
  EXPECT_EQ(batch.events[1].offset, 3u);
  EXPECT_EQ(batch.events[2].message, "keep 3");
}

TEST_F(ProcessorChainTest, AnEmptyChainLeavesTheBatchAlone) {
  auto chain = BuildProcessorChain({}, {});
  ASSERT_TRUE(chain.has_value());
  EXPECT_TRUE(chain->empty());
  buffer::EventBatch batch;
  batch.events.push_back(MakeEvent("a", R"("x":1)"));
  EXPECT_EQ(chain->Run(batch), 0u);
  EXPECT_EQ(batch.events[0].fields_json, R"("x":1)");
}

TEST_F(ProcessorChainTest, TheCommonPathAllocatesNothingPerEvent) {
  if (!skiff_test::CountsAllocations()) GTEST_SKIP() << "allocations are not counted under ASan";
  auto chain = BuildProcessorChain(CommonChain(), {});
  ASSERT_TRUE(chain.has_value());
  buffer::EventBatch batch;
  batch.shared_fields_json = R"("log.file.path":"/var/log/app.log","host.name":"h")";
  for (int i = 0; i < 1000; ++i) {
    batch.events.push_back(
        MakeEvent("2026-11-22T11:55:22Z INFO request served in 12ms path=/api/orders status=200",
                  R"("log.level":"info")"));
  }
  buffer::EventBatch warm = batch;
  chain->Run(warm);  // the first batch sizes the reused buffers
  uint64_t before = skiff_test::Allocations();
  EXPECT_EQ(chain->Run(batch), 0u);
  uint64_t allocations = skiff_test::Allocations() - before;
  EXPECT_EQ(allocations, 0u) << "over 1000 events";
  EXPECT_EQ(batch.events.size(), 1000u);
}

TEST_F(ProcessorChainTest, ReportsAConfigThatWasNotValidated) {
  config::ProcessorConfigs global;
  auto parse = MakeConfig(ProcessorType::kParse);
  parse.regex = "(?P<a";
  global.push_back(parse);
  auto chain = BuildProcessorChain(global, {});
  ASSERT_FALSE(chain.has_value());
  EXPECT_NE(chain.error().message().find("processors[0]"), std::string::npos);
}

}  // namespace
}  // namespace agent
