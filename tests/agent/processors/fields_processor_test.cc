#include "agent/processors/fields_processor.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"

namespace agent {
namespace {

using config::ProcessorType;
using testing::Build;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::RunOne;

class FieldsProcessorTest : public ::testing::Test {};

TEST_F(FieldsProcessorTest, AddsStaticValuesOfEachJsonType) {
  auto config = MakeConfig(ProcessorType::kFields);
  config.add = {{"service.name", "\"web \\\"front\\\"\""}, {"tier", "2"}, {"canary", "false"}};
  auto p = Build(config);
  buffer::Event e = MakeEvent("m");
  EXPECT_EQ(RunOne(*p, e), Verdict::kKeep);
  EXPECT_EQ(e.fields_json, R"("service.name":"web \"front\"","tier":2,"canary":false)");
  EXPECT_EQ(p->stats().modified, 1u);
}

TEST_F(FieldsProcessorTest, RenamesCopiesAndRemovesInThatOrder) {
  auto config = MakeConfig(ProcessorType::kFields);
  config.copy = {{"client_ip", "source.ip"}, {"message", "event.original"}};
  config.rename = {{"client_ip", "client.ip"}, {"absent", "x"}};
  config.remove = {"tmp"};
  auto p = Build(config);
  buffer::Event e = MakeEvent("line", R"("client_ip":"10.0.0.1","tmp":1,"keep":true)");
  RunOne(*p, e);
  EXPECT_EQ(e.fields_json,
            R"("keep":true,"source.ip":"10.0.0.1","event.original":"line","client.ip":"10.0.0.1")");
  EXPECT_EQ(e.message, "line");
}

TEST_F(FieldsProcessorTest, RenamingOntoAnExistingFieldReplacesIt) {
  auto config = MakeConfig(ProcessorType::kFields);
  config.rename = {{"a", "b"}};
  auto p = Build(config);
  buffer::Event e = MakeEvent("m", R"("a":1,"b":2)");
  RunOne(*p, e);
  EXPECT_EQ(e.fields_json, R"("b":1)");
}

TEST_F(FieldsProcessorTest, LeavesAnEventWithoutTheNamedFieldsUnchanged) {
  auto config = MakeConfig(ProcessorType::kFields);
  config.rename = {{"a", "b"}};
  config.remove = {"c"};
  auto p = Build(config);
  buffer::Event e = MakeEvent("m", R"("x" : 1)");
  RunOne(*p, e);
  EXPECT_EQ(e.fields_json, R"("x" : 1)");
  EXPECT_EQ(p->stats().modified, 0u);
}

}  // namespace
}  // namespace agent
