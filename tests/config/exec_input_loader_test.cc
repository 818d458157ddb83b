#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_loader.h"
#include "tests/config/loader_test_support.h"

namespace config {
namespace {

using std::chrono::milliseconds;

using testing::Errors;
using testing::Load;

TEST(ExecInputLoaderTest, AnArrayCommandGetsEveryDefault) {
  Config c = Load("[[inputs.exec]]\nid = \"backup\"\ncommand = [\"/usr/bin/backup\", \"--all\"]\n");
  ASSERT_EQ(c.exec_inputs.size(), 1u);
  const ExecInputConfig& e = c.exec_inputs[0];
  EXPECT_EQ(e.id, "backup");
  EXPECT_EQ(e.command, (std::vector<std::string>{"/usr/bin/backup", "--all"}));
  EXPECT_EQ(e.task, "");
  EXPECT_EQ(e.restart, RestartPolicy::kNever);
  EXPECT_EQ(e.restart_backoff, milliseconds(1000));
  EXPECT_EQ(e.restart_backoff_max, milliseconds(60'000));
  EXPECT_EQ(e.interval, milliseconds(0));
  EXPECT_EQ(e.timeout, milliseconds(0));
  EXPECT_EQ(e.stop_grace, milliseconds(5000));
  EXPECT_EQ(e.format, Format::kText);
  EXPECT_TRUE(e.env.empty());
  EXPECT_EQ(InputIds(c), std::vector<std::string>{"backup"});
}

TEST(ExecInputLoaderTest, AStringCommandRunsThroughTheShell) {
  Config c = Load("[[inputs.exec]]\nid = \"disk\"\ncommand = \"df -h | tail -n +2\"\n");
  ASSERT_EQ(c.exec_inputs.size(), 1u);
  EXPECT_EQ(c.exec_inputs[0].command,
            (std::vector<std::string>{"/bin/sh", "-c", "df -h | tail -n +2"}));
}

TEST(ExecInputLoaderTest, EveryKeyIsRead) {
  Config c = Load(
      "[[inputs.exec]]\nid = \"a\"\ncommand = [\"/bin/worker\"]\ntask = \"worker\"\n"
      "restart = \"on-failure\"\nrestart_backoff = \"2s\"\nrestart_backoff_max = \"30s\"\n"
      "timeout = \"1h\"\nstop_grace = \"10s\"\nenv = { MODE = \"fast\", LANG = \"C\" }\n"
      "working_directory = \"/srv\"\nformat = \"auto\"\nmax_line_bytes = \"64KiB\"\n"
      "multiline = { preset = \"python\" }\nfields = { team = \"data\" }\n"
      "index = \"logs-tasks-default\"\ndataset = \"tasks\"\n"
      "[[inputs.exec.processors]]\ntype = \"exclude\"\npatterns = [\"^debug\"]\n"
      "[[inputs.exec]]\nid = \"b\"\ncommand = \"date\"\ninterval = \"5m\"\n");
  ASSERT_EQ(c.exec_inputs.size(), 2u);
  const ExecInputConfig& a = c.exec_inputs[0];
  EXPECT_EQ(a.task, "worker");
  EXPECT_EQ(a.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(a.restart_backoff, milliseconds(2000));
  EXPECT_EQ(a.restart_backoff_max, milliseconds(30'000));
  EXPECT_EQ(a.timeout, milliseconds(3'600'000));
  EXPECT_EQ(a.stop_grace, milliseconds(10'000));
  EXPECT_EQ(a.env, (std::vector<EnvVar>{{"LANG", "C"}, {"MODE", "fast"}}));  // by name
  EXPECT_EQ(a.working_directory, "/srv");
  EXPECT_EQ(a.format, Format::kAuto);
  EXPECT_EQ(a.max_line_bytes, 64 * kKiB);
  EXPECT_TRUE(a.parsing.multiline.enabled());
  EXPECT_EQ(a.fields.size(), 1u);
  EXPECT_EQ(a.index, "logs-tasks-default");
  EXPECT_EQ(a.dataset, "tasks");
  EXPECT_EQ(a.processors.size(), 1u);
  EXPECT_EQ(c.exec_inputs[1].interval, milliseconds(300'000));
}

TEST(ExecInputLoaderTest, BadValuesPointAtTheirKeyAndSayWhatToWrite) {
  std::vector<std::string> errors = Errors(
      "[[inputs.exec]]\nid = \"a\"\n"
      "[[inputs.exec]]\nid = \"b\"\ncommand = []\n"
      "[[inputs.exec]]\nid = \"c\"\ncommand = \"x\"\nrestart = \"sometimes\"\n"
      "[[inputs.exec]]\nid = \"d\"\ncommand = \"x\"\nrestart = \"always\"\ninterval = \"1m\"\n"
      "[[inputs.exec]]\nid = \"e\"\ncommand = \"x\"\nformat = \"cri\"\nworking_directory = "
      "\"srv\"\n"
      "[[inputs.exec]]\nid = \"f\"\ncommand = \"x\"\nrestart_backoff = \"10s\"\n"
      "restart_backoff_max = \"1s\"\nenv = { PATH = 1 }\nschedule = \"5m\"\n");
  ASSERT_EQ(errors.size(), 9u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0].rfind("t.toml:1:1: inputs.exec[0].command: missing; give the program", 0), 0u)
      << errors[0];
  EXPECT_EQ(errors[1],
            "t.toml:5:11: inputs.exec[1].command: must not be empty; give the program first, "
            "like [\"/bin/date\"]");
  EXPECT_NE(errors[2].find("t.toml:9:11: inputs.exec[2].restart:"), std::string::npos) << errors[2];
  EXPECT_NE(errors[2].find("\"on-failure\""), std::string::npos) << errors[2];
  EXPECT_EQ(errors[3],
            "t.toml:14:12: inputs.exec[3].interval: a periodic command is not restarted: remove "
            "`restart`, or remove `interval` to supervise a long-running command");
  EXPECT_NE(errors[4].find("t.toml:18:10: inputs.exec[4].format:"), std::string::npos) << errors[4];
  EXPECT_EQ(errors[5],
            "t.toml:19:21: inputs.exec[4].working_directory: must be an absolute path, like "
            "\"/srv/app\"");
  EXPECT_NE(errors[6].find("t.toml:24:23: inputs.exec[5].restart_backoff_max: must not be "
                           "shorter than restart_backoff"),
            std::string::npos)
      << errors[6];
  EXPECT_NE(errors[7].find("t.toml:25:16: inputs.exec[5].env.PATH: expected a string"),
            std::string::npos)
      << errors[7];
  EXPECT_NE(errors[8].find("inputs.exec[5].schedule"), std::string::npos) << errors[8];
}

TEST(ExecInputLoaderTest, SkiffExecReadsFormatAndMultilineFromTheExecTable) {
  Config c = Load("[exec]\nformat = \"json\"\nmultiline = { preset = \"python\" }\n");
  EXPECT_EQ(c.exec.format, Format::kJson);
  EXPECT_TRUE(c.exec.parsing.multiline.enabled());
  std::vector<std::string> errors = Errors("[exec]\nformat = \"docker\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.toml:2:10: exec.format:"), std::string::npos) << errors[0];
}

TEST(ExecInputLoaderTest, IdsAreUniqueAcrossInputKinds) {
  std::vector<std::string> errors = Errors(
      "[[inputs.file]]\nid = \"x\"\npaths = [\"/var/log/*.log\"]\n"
      "[[inputs.exec]]\nid = \"x\"\ncommand = \"date\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("inputs.exec[0].id"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace config
