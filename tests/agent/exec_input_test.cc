#include "agent/inputs/exec_input.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "tests/support/memory_queue.h"

namespace agent {
namespace {

using std::chrono::milliseconds;

// The events of the queue, by kind, read without acknowledging order.
struct Collected {
  std::vector<buffer::Event> lines;     // stdout and stderr
  std::vector<buffer::Event> started;   // "task started"
  std::vector<buffer::Event> finished;  // "task finished" and "task failed to start"
  std::set<std::string> run_sources;    // every source_key seen
};

class ExecInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    queue_ = std::make_unique<buffer::MemoryQueue>(64 * 1024 * 1024);
  }
  void TearDown() override {
    input_.reset();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
  }

  ExecInputOptions Options(std::vector<std::string> argv) {
    ExecInputOptions options;
    options.id = "job";
    options.task = "job";
    options.run.argv = std::move(argv);
    options.run.output.shared_fields_json = R"("task.name":"job")";
    options.run.output.flush_delay = milliseconds(1);
    options.run.stop_grace = milliseconds(2000);
    options.new_run_id = [this]() -> base::Result<std::string> {
      return base::StrCat("run", ++runs_made_);
    };
    return options;
  }

  void StartInput(ExecInputOptions options) {
    input_ = std::make_unique<ExecInput>(&loop_, *queue_, clock_, std::move(options));
    queue_->SetOnSpace([this] { input_->OnBufferSpace(); });
    ASSERT_TRUE(input_->Start().ok());
  }

  // Runs the loop until `done` or `limit` (a failed expectation, not a hang).
  template <class Done>
  bool RunUntil(Done done, milliseconds limit = milliseconds(10'000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  Collected Drain() {
    Collected c;
    while (auto lease = queue_->Read()) {
      const buffer::EventBatch& batch = *lease->batch;
      c.run_sources.insert(batch.source_key);
      for (const buffer::Event& e : batch.events) {
        if (!batch.source_key.ends_with("/task")) {
          c.lines.push_back(e);
        } else if (e.message == "task started") {
          c.started.push_back(e);
        } else {
          c.finished.push_back(e);
        }
      }
      queue_->Ack(lease->id);
    }
    return c;
  }

  uv_loop_t loop_{};
  base::RealClock clock_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<ExecInput> input_;
  int runs_made_ = 0;
};

bool Has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ExecInputTest, RestartNeverRunsTheCommandOnceAndShipsItsLinesAndExitCode) {
  StartInput(Options({"/bin/sh", "-c", "echo one; echo two >&2; exit 3"}));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() == 1; }));
  // No second run, even given the time a restart would take.
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(input_->schedule().done());
  Collected c = Drain();
  ASSERT_EQ(c.started.size(), 1u);
  ASSERT_EQ(c.finished.size(), 1u);
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("process.exit_code":3)"))
      << c.finished[0].fields_json;
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("event.outcome":"failure")"));
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.run_sources,
            (std::set<std::string>{"exec/run1/stdout", "exec/run1/stderr", "exec/run1/task"}));
}

TEST_F(ExecInputTest, OnFailureRestartsWithBackoffUntilTheCommandSucceeds) {
  // Fails twice, then succeeds: a counter file carries the attempt across runs.
  char dir_template[] = "/tmp/exec_input_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string counter = std::string(dir_template) + "/n";
  ExecInputOptions options = Options(std::vector<std::string>{
      "/bin/sh", "-c",
      base::StrCat("n=$(cat ", counter, " 2>/dev/null || echo 0); n=$((n+1)); echo $n > ", counter,
                   "; echo attempt $n; [ $n -ge 3 ]")});
  options.schedule.restart = config::RestartPolicy::kOnFailure;
  options.schedule.backoff = milliseconds(50);
  options.schedule.backoff_max = milliseconds(1000);
  StartInput(std::move(options));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil([&] { return input_->schedule().done(); }));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(150)) << "waits 50 ms, then 100 ms";
  Collected c = Drain();
  ASSERT_EQ(c.finished.size(), 3u);
  int failures = 0;
  for (const buffer::Event& e : c.finished) {
    if (Has(e.fields_json, R"("event.outcome":"failure")")) ++failures;
  }
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(input_->schedule().runs(), 3u);
  std::filesystem::remove_all(dir_template);
}

TEST_F(ExecInputTest, PeriodicRunsNeverOverlapAndEachGetsItsOwnRunId) {
  // Each run lasts 250 ms with runs due every 100 ms: runs in between are skipped.
  ExecInputOptions options = Options({"/bin/sh", "-c", "echo tick; sleep 0.25"});
  options.schedule.interval = milliseconds(100);
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() >= 3; }));
  input_->Stop();
  Collected c = Drain();
  EXPECT_GE(input_->schedule().skipped_runs(), 2u);
  std::set<std::string> run_ids;
  for (const std::string& key : c.run_sources) run_ids.insert(key.substr(0, key.rfind('/')));
  EXPECT_EQ(run_ids.size(), c.started.size());
  // Each run starts after the previous one finished.
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const buffer::Event& f : c.finished) {
    ASSERT_TRUE(Has(f.fields_json, "event.duration")) << f.fields_json;
  }
  for (std::size_t i = 0; i + 1 < c.started.size() && i < c.finished.size(); ++i) {
    EXPECT_GE(c.started[i + 1].time_unix_nanos, c.finished[i].time_unix_nanos)
        << "run " << i + 1 << " started before run " << i << " finished";
  }
}

TEST_F(ExecInputTest, StopEndsTheRunningCommandAndShipsAnUnknownOutcome) {
  StartInput(Options({"/bin/sh", "-c", "echo up; exec sleep 30"}));
  ASSERT_TRUE(RunUntil([&] { return queue_->PendingBatches() >= 2; }));  // started + "up"
  const auto start = std::chrono::steady_clock::now();
  input_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500))
      << "sleep dies on SIGTERM at once";
  Collected c = Drain();
  ASSERT_EQ(c.finished.size(), 1u);
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("event.outcome":"unknown")"))
      << c.finished[0].fields_json;
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("process.exit_code":143)"));
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("event.reason":)"));
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "up");
}

TEST_F(ExecInputTest, StopKillsACommandThatIgnoresSigterm) {
  ExecInputOptions options =
      Options({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"});
  options.run.stop_grace = milliseconds(200);
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return queue_->PendingBatches() >= 2; }));
  input_->Stop();
  Collected c = Drain();
  ASSERT_EQ(c.finished.size(), 1u);
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("process.signal.name":"SIGKILL")"))
      << c.finished[0].fields_json;
}

TEST_F(ExecInputTest, ARunPastItsTimeoutIsTerminatedAndCountsAsAFailure) {
  ExecInputOptions options = Options({"/bin/sleep", "30"});
  options.run.timeout = milliseconds(100);
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() == 1; }));
  Collected c = Drain();
  ASSERT_EQ(c.finished.size(), 1u);
  const std::string& f = c.finished[0].fields_json;
  EXPECT_TRUE(Has(f, R"("event.outcome":"failure")")) << f;
  EXPECT_TRUE(Has(f, R"("event.reason":"timeout after 100ms")")) << f;
  EXPECT_TRUE(Has(f, R"("process.signal.name":"SIGTERM")")) << f;
}

TEST_F(ExecInputTest, ACommandThatCannotStartIsAFailedRunAndIsRetried) {
  ExecInputOptions options = Options({"/nonexistent/command"});
  options.schedule.restart = config::RestartPolicy::kAlways;
  options.schedule.backoff = milliseconds(20);
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->schedule().runs() >= 3; }));
  input_->Stop();
  Collected c = Drain();
  ASSERT_GE(c.finished.size(), 3u);
  EXPECT_EQ(c.finished[0].message, "task failed to start");
  EXPECT_TRUE(Has(c.finished[0].fields_json, R"("process.exit_code":127)"));
  EXPECT_GE(input_->stats().errors, 3u);
}

TEST_F(ExecInputTest, JsonFormatMergesEachLinesFields) {
  ExecInputOptions options =
      Options({"/bin/sh", "-c", R"(echo '{"msg":"saved","level":"warn","rows":12}')"});
  options.format.body = BodyFormat::kJson;
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() == 1; }));
  Collected c = Drain();
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "saved");
  EXPECT_TRUE(Has(c.lines[0].fields_json, R"("rows":12)")) << c.lines[0].fields_json;
}

TEST_F(ExecInputTest, MultilineJoinsATracebackIntoOneEvent) {
  ExecInputOptions options = Options(
      {"/bin/sh", "-c",
       R"(printf 'start\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: bad\nafter\n')"});
  options.format.parsing.multiline.continue_pattern = R"(^[\t ]|^Traceback|^\w+Error)";
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() == 1; }));
  Collected c = Drain();
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].message,
            "start\nTraceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad");
  EXPECT_EQ(c.lines[0].offset, 0u);
  EXPECT_EQ(c.lines[1].message, "after");
  EXPECT_EQ(c.lines[1].offset, 4u) << "offsets are line sequence numbers";
}

TEST_F(ExecInputTest, EnvAndWorkingDirectoryReachTheCommand) {
  ExecInputOptions options = Options({"/bin/sh", "-c", "echo \"$GREETING $(pwd)\""});
  options.run.env = {"GREETING=hello"};
  options.run.working_directory = "/tmp";
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntil([&] { return input_->runs_finished() == 1; }));
  Collected c = Drain();
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "hello /tmp");
}

TEST_F(ExecInputTest, AFullBufferBlocksTheCommandAndLosesNothing) {
  queue_ = std::make_unique<buffer::MemoryQueue>(32 * 1024);
  ExecInputOptions options =
      Options({"/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done"});
  options.run.output.batch_bytes = 4096;
  StartInput(std::move(options));
  std::size_t lines = 0;
  ASSERT_TRUE(RunUntil([&] {
    Collected c = Drain();  // the output side: acknowledging frees room
    lines += c.lines.size();
    return input_->runs_finished() == 1 && queue_->PendingBatches() == 0;
  }));
  lines += Drain().lines.size();
  EXPECT_EQ(lines, 3000u);
}

}  // namespace
}  // namespace agent
