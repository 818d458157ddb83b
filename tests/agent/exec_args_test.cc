#include "agent/exec_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent {
namespace {

base::Result<ExecArgs> Parse(std::vector<std::string> args) { return ParseExecArgs(args); }

TEST(ExecArgsTest, TakesOptionsBeforeTheSeparatorAndTheCommandAfterIt) {
  auto parsed = Parse({"--task", "etl", "--run-id=r-1", "--field", "team=data", "--quiet", "--",
                       "python3", "-c", "print(1)", "--task", "x"});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->task, "etl");
  EXPECT_EQ(parsed->run_id, "r-1");
  ASSERT_EQ(parsed->fields.size(), 1u);
  EXPECT_EQ(parsed->fields[0].key, "team");
  EXPECT_EQ(parsed->fields[0].json_value, "\"data\"");
  EXPECT_TRUE(parsed->quiet);
  EXPECT_EQ(parsed->command,
            (std::vector<std::string>{"python3", "-c", "print(1)", "--task", "x"}));
}

TEST(ExecArgsTest, DefaultsTheTaskNameToTheCommandsBaseName) {
  auto parsed = Parse({"--", "/usr/bin/env", "true"});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->task, "env");
  EXPECT_TRUE(parsed->run_id.empty());
}

TEST(ExecArgsTest, RejectsAMissingCommandAndAMissingSeparator) {
  EXPECT_FALSE(Parse({"--task", "a"}).has_value());
  EXPECT_FALSE(Parse({"--task", "a", "--"}).has_value());
  auto no_separator = Parse({"make", "all"});
  ASSERT_FALSE(no_separator.has_value());
  EXPECT_NE(no_separator.error().message().find("put -- before the command"), std::string::npos);
}

TEST(ExecArgsTest, RejectsBadValues) {
  EXPECT_FALSE(Parse({"--run-id", "a/b", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--run-id", "..", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--field", "novalue", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--field", "=x", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--field", "a=1", "--field", "a=2", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--task", "--", "true"}).has_value());
  EXPECT_FALSE(Parse({"--bogus", "--", "true"}).has_value());
}

TEST(ExecArgsTest, NewRunIdsAreDistinctHexAndValid) {
  auto a = NewRunId();
  auto b = NewRunId();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(RunIdProblem(*a).empty());
}

}  // namespace
}  // namespace agent
