#include "agent/inputs/child_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "agent/inputs/pipe_reader.h"

namespace agent {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    child_.reset();
    readers_.clear();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
  }

  // Runs `argv`, draining both pipes, until it exits and the pipes end (bounded).
  std::optional<ChildExit> Run(std::vector<std::string> argv,
                               std::function<void(ChildProcess&)> after_spawn = nullptr) {
    child_ = std::make_unique<ChildProcess>(&loop_);
    std::optional<ChildExit> exit;
    base::Status s = child_->Spawn(argv, [&](ChildExit e) { exit = e; });
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return std::nullopt;
    int ended = 0;
    for (int stream = 0; stream < 2; ++stream) {
      readers_.push_back(std::make_unique<PipeReader>(
          stream == 0 ? child_->TakeStdout() : child_->TakeStderr(), PipeReaderOptions{}, nullptr,
          [this](const LineSplitter::Line& line, bool) { lines_.emplace_back(line.text); },
          [&](base::Status) { ++ended; }));
      EXPECT_TRUE(readers_.back()->Start().ok());
    }
    if (after_spawn) after_spawn(*child_);
    auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while ((!exit || ended < 2) && std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return exit;
  }

  uv_loop_t loop_{};
  std::unique_ptr<ChildProcess> child_;
  std::vector<std::unique_ptr<PipeReader>> readers_;
  std::vector<std::string> lines_;
};

TEST_F(ChildProcessTest, ReportsTheExitStatus) {
  auto exit = Run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_status, 3);
  EXPECT_EQ(exit->term_signal, 0);
  EXPECT_EQ(exit->ShellStatus(), 3);
  EXPECT_FALSE(exit->success());
  EXPECT_EQ(lines_.size(), 2u);
}

TEST_F(ChildProcessTest, ReportsTheSignalThatKilledItAs128PlusN) {
  auto exit = Run({"/bin/sh", "-c", "echo ready; exec sleep 30"}, [](ChildProcess& child) {
    EXPECT_TRUE(child.running());
    EXPECT_GT(child.pid(), 0);
    EXPECT_TRUE(child.Kill(SIGTERM).ok());
  });
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->term_signal, SIGTERM);
  EXPECT_EQ(exit->ShellStatus(), 128 + SIGTERM);
}

TEST_F(ChildProcessTest, AMissingCommandIsNotFoundAndRunsNothing) {
  ChildProcess child(&loop_);
  base::Status s = child.Spawn(std::vector<std::string>{"/nonexistent/command"}, nullptr);
  EXPECT_EQ(s.code(), base::StatusCode::kNotFound) << s.ToString();
  EXPECT_FALSE(child.running());
}

TEST_F(ChildProcessTest, JoinsTheCommandLineWithSpaces) {
  EXPECT_EQ(ChildProcess::CommandLine(std::vector<std::string>{"sh", "-c", "exit 1"}),
            "sh -c exit 1");
}

}  // namespace
}  // namespace agent
