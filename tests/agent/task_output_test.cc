#include "agent/inputs/task_output.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "platforms/base/clock.h"
#include "tests/support/memory_queue.h"

namespace agent {
namespace {

using std::chrono::milliseconds;

class TaskOutputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    output_.reset();
    queue_.reset();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
  }

  void Make(std::size_t queue_bytes, std::size_t batch_bytes) {
    queue_ = std::make_unique<buffer::MemoryQueue>(queue_bytes);
    TaskOutputOptions options;
    options.run_id = "r1";
    options.index = "logs-task";
    options.shared_fields_json = R"("task.name":"t")";
    options.batch_bytes = batch_bytes;
    options.flush_delay = milliseconds(1);
    output_ = std::make_unique<TaskOutput>(&loop_, *queue_, clock_, options);
    ASSERT_TRUE(output_->Start([this] { ++unblocked_; }).ok());
  }

  void Line(TaskStream stream, std::string_view text, bool truncated = false,
            bool partial = false) {
    output_->AddLine(stream, LineSplitter::Line{text, 0, truncated}, partial);
  }

  // Reads and acknowledges everything in the queue.
  std::vector<buffer::EventBatch> Drain() {
    std::vector<buffer::EventBatch> out;
    while (auto lease = queue_->Read()) {
      out.push_back(*lease->batch);
      queue_->Ack(lease->id);
    }
    return out;
  }

  uv_loop_t loop_{};
  base::RealClock clock_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<TaskOutput> output_;
  int unblocked_ = 0;
};

TEST_F(TaskOutputTest, NumbersEachStreamsLinesInItsOwnSource) {
  Make(1 << 20, 1 << 20);
  Line(TaskStream::kStdout, "o0");
  Line(TaskStream::kStderr, "e0");
  Line(TaskStream::kStdout, "o1");
  output_->Flush();
  std::vector<buffer::EventBatch> batches = Drain();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].source_key, "exec/r1/stdout");
  EXPECT_EQ(batches[0].index, "logs-task");
  EXPECT_EQ(batches[0].shared_fields_json, R"("task.name":"t","log.stream":"stdout")");
  ASSERT_EQ(batches[0].events.size(), 2u);
  EXPECT_EQ(batches[0].events[0].offset, 0u);
  EXPECT_EQ(batches[0].events[1].offset, 1u);
  EXPECT_EQ(batches[0].events[1].message, "o1");
  EXPECT_EQ(batches[1].source_key, "exec/r1/stderr");
  EXPECT_EQ(batches[1].events[0].offset, 0u);
  EXPECT_EQ(output_->counters(TaskStream::kStdout).lines, 2u);
  EXPECT_EQ(output_->counters(TaskStream::kStdout).bytes, 4u);
}

TEST_F(TaskOutputTest, FlagsInvalidUtf8TruncatedAndPartialLines) {
  Make(1 << 20, 1 << 20);
  Line(TaskStream::kStdout, "bad\xff");
  Line(TaskStream::kStdout, "cut", /*truncated=*/true);
  Line(TaskStream::kStdout, "end", false, /*partial=*/true);
  output_->Flush();
  std::vector<buffer::EventBatch> batches = Drain();
  ASSERT_EQ(batches.size(), 1u);
  const auto& events = batches[0].events;
  EXPECT_EQ(events[0].message, "bad\xEF\xBF\xBD");
  EXPECT_EQ(events[0].flags, buffer::kFlagInvalidUtf8);
  EXPECT_EQ(events[1].flags, buffer::kFlagTruncated);
  EXPECT_EQ(events[2].flags, buffer::kFlagPartial);
  EXPECT_EQ(output_->counters(TaskStream::kStdout).invalid_utf8_lines, 1u);
}

TEST_F(TaskOutputTest, AppendsAPartBatchAfterTheFlushDelay) {
  Make(1 << 20, 1 << 20);
  Line(TaskStream::kStdout, "alone");
  EXPECT_EQ(queue_->PendingBatches(), 0u);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (queue_->PendingBatches() == 0 && std::chrono::steady_clock::now() < deadline) {
    uv_run(&loop_, UV_RUN_ONCE);
  }
  EXPECT_EQ(queue_->PendingBatches(), 1u);
}

TEST_F(TaskOutputTest, HoldsBatchesWhileTheBufferIsFullAndAppendsThemInOrderOnSpace) {
  Make(/*queue_bytes=*/200, /*batch_bytes=*/1);  // every line is its own batch
  for (int i = 0; i < 10; ++i) Line(TaskStream::kStdout, "line-" + std::to_string(i));
  EXPECT_TRUE(output_->Blocked());
  EXPECT_GT(output_->HeldEvents(), 0u);
  std::vector<uint64_t> offsets;
  for (int round = 0; round < 20 && (output_->HeldEvents() > 0 || queue_->PendingBatches() > 0);
       ++round) {
    for (const buffer::EventBatch& b : Drain()) {
      for (const buffer::Event& e : b.events) offsets.push_back(e.offset);
    }
  }
  ASSERT_EQ(offsets.size(), 10u);
  for (uint64_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], i);
  EXPECT_FALSE(output_->Blocked());
  EXPECT_GE(unblocked_, 1);
  EXPECT_EQ(output_->append_errors(), 0u);
}

TEST_F(TaskOutputTest, LifecycleEventsCarryTheOutcome) {
  Make(1 << 20, 1 << 20);
  output_->TaskStarted(1'000'000'000);
  Line(TaskStream::kStderr, "oops");
  output_->TaskFinished(ChildExit{0, SIGTERM}, 3'500'000'000);
  output_->Flush();
  std::vector<buffer::EventBatch> batches = Drain();
  std::vector<const buffer::Event*> task;
  for (const auto& b : batches) {
    if (b.source_key == "exec/r1/task") {
      for (const auto& e : b.events) task.push_back(&e);
    }
  }
  ASSERT_EQ(task.size(), 2u);
  EXPECT_EQ(task[0]->message, "task started");
  EXPECT_EQ(task[0]->offset, 0u);
  EXPECT_NE(task[0]->fields_json.find(R"("event.action":"task-started")"), std::string::npos);
  EXPECT_EQ(task[1]->offset, 1u);
  const std::string& f = task[1]->fields_json;
  EXPECT_NE(f.find(R"("event.outcome":"failure")"), std::string::npos) << f;
  EXPECT_NE(f.find(R"("event.duration":2500000000)"), std::string::npos) << f;
  EXPECT_NE(f.find(R"("process.exit_code":143)"), std::string::npos) << f;
  EXPECT_NE(f.find(R"("process.signal.name":"SIGTERM")"), std::string::npos) << f;
  EXPECT_NE(f.find(R"("task.stderr.lines":1)"), std::string::npos) << f;
}

}  // namespace
}  // namespace agent
