// PlanReload: which inputs a reload adds, removes and restarts, and which settings it
// reports as needing a restart.
#include "agent/reload_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent {
namespace {

using Ids = std::vector<std::string>;

config::FileInputConfig Input(std::string id) {
  config::FileInputConfig input;
  input.id = std::move(id);
  input.paths = {"/var/log/" + input.id + ".log"};
  return input;
}

config::Config WithInputs(std::vector<config::FileInputConfig> inputs) {
  config::Config config;
  config.elasticsearch.hosts = {"http://127.0.0.1:9200"};
  config.file_inputs = std::move(inputs);
  return config;
}

TEST(ReloadPlanTest, TheSameConfigChangesNothing) {
  const config::Config running = WithInputs({Input("a"), Input("b")});
  const ReloadPlan plan = PlanReload(running, running);
  EXPECT_TRUE(plan.InputsUnchanged());
  EXPECT_EQ(plan.unchanged, (Ids{"a", "b"}));
  EXPECT_TRUE(plan.restart_keys.empty());
  EXPECT_FALSE(plan.log_level_changed);
}

TEST(ReloadPlanTest, InputsAreMatchedByIdIntoAddedRemovedAndChanged) {
  const config::Config running = WithInputs({Input("a"), Input("b"), Input("c")});
  config::FileInputConfig b = Input("b");
  b.fields.push_back({"tier", "\"web\""});
  const ReloadPlan plan = PlanReload(running, WithInputs({Input("d"), b, Input("a")}));
  EXPECT_EQ(plan.added, (Ids{"d"}));
  EXPECT_EQ(plan.removed, (Ids{"c"}));
  EXPECT_EQ(plan.changed, (Ids{"b"}));
  EXPECT_EQ(plan.unchanged, (Ids{"a"}));
}

TEST(ReloadPlanTest, AnyInputSettingCountsAsAChange) {
  const config::Config running = WithInputs({Input("a")});
  auto changed = [&running](auto edit) {
    config::Config next = running;
    edit(next.file_inputs[0]);
    return PlanReload(running, next).changed == Ids{"a"};
  };
  EXPECT_TRUE(changed([](auto& i) { i.paths.push_back("/tmp/*.log"); }));
  EXPECT_TRUE(changed([](auto& i) { i.exclude.push_back("*.gz"); }));
  EXPECT_TRUE(changed([](auto& i) { i.start_at = config::StartAt::kBeginning; }));
  EXPECT_TRUE(changed([](auto& i) { i.index = "logs-other-default"; }));
  EXPECT_TRUE(changed([](auto& i) { i.max_line_bytes = 1024; }));
  EXPECT_TRUE(changed([](auto& i) { i.poll_interval = std::chrono::milliseconds(50); }));
  EXPECT_TRUE(changed([](auto& i) {
    config::ProcessorConfig redact;
    redact.type = config::ProcessorType::kRedact;
    i.processors.push_back(redact);
  }));
}

TEST(ReloadPlanTest, ChangedGlobalProcessorsRestartEveryInput) {
  const config::Config running = WithInputs({Input("a"), Input("b")});
  config::Config next = running;
  config::ProcessorConfig exclude;
  exclude.type = config::ProcessorType::kExclude;
  exclude.patterns = {"DEBUG"};
  next.processors.push_back(exclude);
  EXPECT_EQ(PlanReload(running, next).changed, (Ids{"a", "b"}));
}

TEST(ReloadPlanTest, ProcessorNamesThatOnlyFollowTheInputsPositionAreNoChange) {
  config::FileInputConfig a = Input("a");
  config::ProcessorConfig redact;
  redact.type = config::ProcessorType::kRedact;
  redact.name = "inputs.file[1].processors[0]";
  a.processors.push_back(redact);
  const config::Config running = WithInputs({Input("z"), a});
  a.processors[0].name = "inputs.file[0].processors[0]";  // "z" was removed above it
  const ReloadPlan plan = PlanReload(running, WithInputs({a}));
  EXPECT_EQ(plan.unchanged, (Ids{"a"}));
  EXPECT_EQ(plan.removed, (Ids{"z"}));
}

TEST(ReloadPlanTest, SettingsThatNeedARestartAreListedByKey) {
  const config::Config running = WithInputs({Input("a")});
  config::Config next = running;
  next.data_dir = "/srv/skiff";
  next.buffer.max_bytes = 64 * config::kMiB;
  next.elasticsearch.hosts.push_back("http://127.0.0.1:9201");
  next.auth.type = config::AuthType::kBasic;
  next.metrics.listen = "127.0.0.1:9464";
  next.shutdown_timeout = std::chrono::milliseconds(1);
  next.host_name = "web-1";
  const ReloadPlan plan = PlanReload(running, next);
  EXPECT_EQ(plan.restart_keys, (Ids{"data_dir", "host_name", "shutdown_timeout", "buffer",
                                    "output.elasticsearch", "auth", "metrics.listen"}));
  EXPECT_TRUE(plan.InputsUnchanged());
}

TEST(ReloadPlanTest, ASecretChangeNeedsARestartToo) {
  const config::Config running = WithInputs({});
  config::Config next = running;
  next.auth.password.value = "rotated";
  EXPECT_EQ(PlanReload(running, next).restart_keys, (Ids{"auth"}));
}

TEST(ReloadPlanTest, TheLogLevelIsAppliedLive) {
  const config::Config running = WithInputs({});
  config::Config next = running;
  next.log_level = "debug";
  const ReloadPlan plan = PlanReload(running, next);
  EXPECT_TRUE(plan.log_level_changed);
  EXPECT_TRUE(plan.restart_keys.empty());
}

}  // namespace
}  // namespace agent
