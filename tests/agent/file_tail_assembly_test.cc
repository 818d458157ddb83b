// The file input with its framing and parsing stage (file_tail_assembly.cc): multiline
// events across reads and restarts, partial last lines, container lines. Time is a fake
// clock moved by the tests; the loop runs on real time with a 5 ms poll.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "agent/inputs/file_tail.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"
#include "tests/support/memory_queue.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr auto kTimeout = std::chrono::seconds(10);  // bounds every wait
constexpr std::size_t kQueueBytes = 16 * 1024 * 1024;
constexpr int64_t kWallNanos = 1'795'348'800LL * 1'000'000'000LL;  // 2026-11-22T12:00:00Z

class FakeClock final : public base::Clock {
 public:
  int64_t NowUnixNanos() const override { return kWallNanos; }
  std::chrono::steady_clock::time_point Now() const override { return now_; }
  void Advance(milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

// The event buffer as the ring behaves at its bound: while full, Full() is true and
// Append refuses with kResourceExhausted. Accepted batches go to a MemoryQueue.
class RefusingBuffer final : public buffer::EventBuffer {
 public:
  // Borrows `queue` for the buffer's lifetime.
  explicit RefusingBuffer(buffer::MemoryQueue& queue) : queue_(queue) {}
  base::Status Append(buffer::EventBatch batch, std::function<void()> on_durable) override {
    if (full_) {
      ++refused_;
      return base::ResourceExhausted("buffer full");
    }
    if (full_after_ > 0 && --full_after_ == 0) full_ = true;
    return queue_.Append(std::move(batch), std::move(on_durable));
  }
  bool Full() const override { return full_; }
  void SetOnSpace(std::function<void()> on_space) override { on_space_ = std::move(on_space); }
  std::optional<Lease> Read() override { return queue_.Read(); }
  void Ack(uint64_t lease_id) override { queue_.Ack(lease_id); }
  void SetOnReadable(std::function<void()> on_readable) override {
    queue_.SetOnReadable(std::move(on_readable));
  }
  std::size_t PendingBatches() const override { return queue_.PendingBatches(); }

  void SetFull(bool full) {
    full_ = full;
    if (!full && on_space_) on_space_();
  }
  // Turns full once `appends` more batches were accepted, in the middle of a read pass.
  void FullAfter(int appends) { full_after_ = appends; }
  int refused() const { return refused_; }

 private:
  buffer::MemoryQueue& queue_;
  bool full_ = false;
  int full_after_ = 0;
  int refused_ = 0;
  std::function<void()> on_space_;
};

struct Received {
  uint64_t offset;
  uint32_t flags;
  int64_t time;
  std::string message;
  std::string fields_json;
};

class FileTailAssemblyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    std::string pattern = (fs::temp_directory_path() / "file_tail_assembly_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    queue_ = std::make_unique<buffer::MemoryQueue>(kQueueBytes);
  }

  void TearDown() override {
    input_.reset();
    refusing_.reset();
    queue_.reset();
    store_.reset();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
    fs::remove_all(dir_);
  }

  FileTailOptions Options() {
    FileTailOptions options;
    options.id = "test";
    options.paths = {(dir_ / "*.log").string()};
    options.start_at_end = false;
    options.max_line_bytes = 1024;
    options.poll_interval = milliseconds(5);
    options.scan_interval = milliseconds(20);
    options.checkpoint_interval = milliseconds(10);
    options.index = "logs-test";
    options.format.max_line_bytes = 1024;
    return options;
  }

  FileTailOptions MultilineOptions() {
    FileTailOptions options = Options();
    options.format.parsing.multiline.start = R"(^\d{4}-)";
    return options;
  }

  void StartInput(FileTailOptions options) {
    if (!store_) {
      auto store = buffer::CheckpointStore::Open((dir_ / "checkpoints").string());
      ASSERT_TRUE(store.has_value()) << store.error().ToString();
      store_ = std::make_unique<buffer::CheckpointStore>(std::move(store).value());
    }
    buffer::EventBuffer& target =
        refusing_ ? static_cast<buffer::EventBuffer&>(*refusing_) : *queue_;
    input_ = std::make_unique<FileTailInput>(&loop_, target, *store_, std::move(options), clock_);
    base::Status status = input_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  // As a process exit would: stop, persist, forget.
  void StopInput() {
    input_->Stop();
    input_.reset();
    store_.reset();
  }

  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    for (;;) {
      Drain();
      if (done()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
  }
  bool RunUntilEvents(std::size_t n) {
    return RunUntil([&] { return received_.size() >= n; });
  }
  // Lets the input poll a few times, for checks that something does NOT happen.
  void RunPolls(int polls) {
    int fired = 0;
    base::UvHandle<uv_timer_t> timer;
    ASSERT_EQ(uv_timer_init(&loop_, timer.get()), 0);
    timer.MarkInitialized();
    timer->data = &fired;
    uv_timer_start(
        timer.get(), [](uv_timer_t* t) { ++*static_cast<int*>(t->data); }, 5, 5);
    ASSERT_TRUE(RunUntil([&] { return fired >= polls; }));
  }

  void Drain() {
    while (std::optional<buffer::EventBuffer::Lease> lease = queue_->Read()) {
      for (const buffer::Event& e : lease->batch->events) {
        received_.push_back({e.offset, e.flags, e.time_unix_nanos, e.message, e.fields_json});
      }
      queue_->Ack(lease->id);
    }
  }

  void Append(std::string_view text) {
    std::ofstream(dir_ / "a.log", std::ios::binary | std::ios::app) << text;
  }

  // The buffer refuses the fourth batch of the first read pass, and the input reads those
  // lines again once there is room: each line must arrive once and be counted once.
  void ReadAgainAfterARefusedBatch(FileTailOptions options) {
    constexpr int kLines = 2000;
    std::string text;
    for (int i = 0; i < kLines; ++i) text += "2024-05-01 line " + std::to_string(i) + "\n";
    Append(text);
    refusing_ = std::make_unique<RefusingBuffer>(*queue_);
    refusing_->FullAfter(3);
    options.batch_bytes = 1024;
    StartInput(std::move(options));
    ASSERT_TRUE(RunUntil([&] { return refusing_->refused() > 0; }));
    refusing_->SetFull(false);
    ASSERT_TRUE(RunUntilEvents(kLines - 1));
    clock_.Advance(std::chrono::seconds(10));  // a held multiline event goes after its timeout
    ASSERT_TRUE(RunUntilEvents(kLines));
    RunPolls(4);
    EXPECT_EQ(received_.size(), static_cast<std::size_t>(kLines)) << "a line arrived twice";
    EXPECT_EQ(input_->counters().lines, static_cast<uint64_t>(kLines));
    EXPECT_EQ(input_->counters().bytes, text.size());
  }

  // The persisted checkpoint offset of a.log, read as the next process would.
  std::optional<uint64_t> PersistedOffset() {
    auto store = buffer::CheckpointStore::Open((dir_ / "checkpoints").string());
    if (!store.has_value()) return std::nullopt;
    for (const auto& [key, checkpoint] : store->entries()) {
      if (checkpoint.path == (dir_ / "a.log").string()) return checkpoint.offset;
    }
    return std::nullopt;
  }

  uv_loop_t loop_{};
  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<RefusingBuffer> refusing_;  // set: the input appends through it
  std::unique_ptr<buffer::CheckpointStore> store_;
  std::unique_ptr<FileTailInput> input_;
  std::vector<Received> received_;
};

constexpr std::string_view kTrace =
    "2024-05-01 ERROR failed\n"
    "java.lang.IllegalStateException: boom\n"
    "\tat com.example.A.f(A.java:1)\n";

TEST_F(FileTailAssemblyTest, JoinsAMultilineEventWhenTheNextOneBegins) {
  Append("2024-05-01 INFO one\n");
  Append(kTrace);
  Append("2024-05-01 INFO two\n");
  StartInput(MultilineOptions());
  ASSERT_TRUE(RunUntilEvents(2));
  EXPECT_EQ(received_[0].message, "2024-05-01 INFO one");
  EXPECT_EQ(received_[1].message, std::string(kTrace.substr(0, kTrace.size() - 1)));
  EXPECT_EQ(received_[1].offset, 20u);
  RunPolls(4);
  EXPECT_EQ(received_.size(), 2u) << "the last event waits for more lines";
  EXPECT_EQ(input_->counters().lines, 5u);
  ASSERT_NE(input_->event_format(), nullptr);
  EXPECT_EQ(input_->event_format()->counters().multiline_events, 1u);
}

TEST_F(FileTailAssemblyTest, LinesReadAgainAfterTheBufferRefusedTheirBatchAreCountedOnce) {
  ReadAgainAfterARefusedBatch(Options());
}

TEST_F(FileTailAssemblyTest, MultilineLinesReadAgainAfterARefusedBatchAreCountedOnce) {
  ReadAgainAfterARefusedBatch(MultilineOptions());
}

TEST_F(FileTailAssemblyTest, AnEventHeldWhenTheFileIsTruncatedWhileTheBufferIsFullIsSentLater) {
  refusing_ = std::make_unique<RefusingBuffer>(*queue_);
  StartInput(MultilineOptions());
  Append(kTrace);  // one event, held: its end shows only when the next one begins
  RunPolls(5);
  ASSERT_TRUE(received_.empty());
  refusing_->SetFull(true);
  // copytruncate with something shorter: the old bytes are gone, the held event cannot be
  // read again.
  std::ofstream(dir_ / "a.log", std::ios::binary | std::ios::trunc) << "2024-05-02 new\n";
  ASSERT_TRUE(RunUntil([&] { return input_->counters().truncations == 1; }));
  RunPolls(5);
  EXPECT_TRUE(received_.empty());
  EXPECT_GT(refusing_->refused() + (input_->counters().append_errors == 0 ? 1 : 0), 0);
  refusing_->SetFull(false);
  ASSERT_TRUE(RunUntilEvents(1));
  EXPECT_EQ(received_[0].message, std::string(kTrace.substr(0, kTrace.size() - 1)));
  EXPECT_EQ(received_[0].offset, 0u);
  clock_.Advance(std::chrono::seconds(10));  // past multiline.timeout: the new event goes
  ASSERT_TRUE(RunUntilEvents(2));
  EXPECT_EQ(received_[1].message, "2024-05-02 new");
  RunPolls(4);
  EXPECT_EQ(received_.size(), 2u);
}

TEST_F(FileTailAssemblyTest, ADeletedFileWhoseHeldEventTheBufferRefusedStaysOpenUntilItIsSent) {
  refusing_ = std::make_unique<RefusingBuffer>(*queue_);
  StartInput(MultilineOptions());
  Append(kTrace);
  RunPolls(5);
  ASSERT_TRUE(received_.empty());
  refusing_->SetFull(true);
  ASSERT_EQ(::unlink((dir_ / "a.log").c_str()), 0);
  // Past the draining grace (a second): the file would be closed now, its event with it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  ASSERT_TRUE(RunUntil([&] { return std::chrono::steady_clock::now() > deadline; }));
  EXPECT_TRUE(received_.empty());
  EXPECT_EQ(input_->counters().files_open, 1u) << "kept while its last event waits";
  refusing_->SetFull(false);
  ASSERT_TRUE(RunUntilEvents(1));
  EXPECT_EQ(received_[0].message, std::string(kTrace.substr(0, kTrace.size() - 1)));
  ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 0; }));
  EXPECT_EQ(received_.size(), 1u);
}

TEST_F(FileTailAssemblyTest, JsonFailuresTruncatedAndPartialLinesAreInTheInputStats) {
  FileTailOptions options = Options();
  options.format.body = BodyFormat::kJson;
  options.max_line_bytes = 64;
  options.format.max_line_bytes = 64;
  StartInput(options);
  Append("{\"a\":1}\n{broken\n");
  Append(std::string(100, 'x') + "\n");
  Append("{\"b\":2}");  // no newline yet
  ASSERT_TRUE(RunUntilEvents(3));
  clock_.Advance(std::chrono::seconds(10));  // past flush_partial_after
  ASSERT_TRUE(RunUntilEvents(4));
  const InputStats stats = input_->stats();
  EXPECT_EQ(stats.json_failures, 2u);
  EXPECT_EQ(stats.truncated_lines, 1u);
  EXPECT_EQ(stats.partial_lines, 1u);
  EXPECT_EQ(stats.multiline_cut, 0u);
}

TEST_F(FileTailAssemblyTest, MultilineCutsAndTimeoutsAreInTheInputStats) {
  FileTailOptions options = MultilineOptions();
  options.format.parsing.multiline.max_lines = 2;
  StartInput(options);
  Append(kTrace);  // three lines: cut after two; the third waits for its timeout
  ASSERT_TRUE(RunUntilEvents(1));
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(RunUntilEvents(2));
  const InputStats stats = input_->stats();
  EXPECT_EQ(stats.multiline_cut, 1u);
  EXPECT_EQ(stats.multiline_timed_out, 1u);
  EXPECT_EQ(stats.json_failures, 0u);
}

TEST_F(FileTailAssemblyTest, ARestartInsideAnUnfinishedEventNeitherLosesNorSplitsIt) {
  Append("2024-05-01 INFO one\n");
  Append(kTrace.substr(0, 24));  // the event's first line only
  StartInput(MultilineOptions());
  ASSERT_TRUE(RunUntilEvents(1));
  RunPolls(4);
  StopInput();
  EXPECT_EQ(PersistedOffset(), 20u) << "the checkpoint stays at the held event's start";

  Append(kTrace.substr(24));
  Append("2024-05-01 INFO two\n");
  StartInput(MultilineOptions());
  ASSERT_TRUE(RunUntilEvents(2));
  EXPECT_EQ(received_[1].message, std::string(kTrace.substr(0, kTrace.size() - 1)));
  EXPECT_EQ(received_[1].offset, 20u);
  RunPolls(4);
  EXPECT_EQ(received_.size(), 2u);
}

TEST_F(FileTailAssemblyTest, AnEventWaitingTooLongIsSentAfterTheMultilineTimeout) {
  FileTailOptions options = MultilineOptions();
  options.format.parsing.multiline.timeout = milliseconds(2'000);
  Append(kTrace);
  StartInput(std::move(options));
  RunPolls(4);
  EXPECT_TRUE(received_.empty());
  clock_.Advance(milliseconds(2'000));
  ASSERT_TRUE(RunUntilEvents(1));
  EXPECT_EQ(received_[0].message, std::string(kTrace.substr(0, kTrace.size() - 1)));
  StopInput();
  EXPECT_EQ(PersistedOffset(), kTrace.size()) << "sent: the checkpoint moves past it";
}

TEST_F(FileTailAssemblyTest, APartialLastLineIsSentAfterFlushPartialAfterAndTheRestIsNew) {
  FileTailOptions options = Options();
  options.format.parsing.flush_partial_after = milliseconds(5'000);
  Append("whole\nhalf a li");
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntilEvents(1));
  RunPolls(4);
  EXPECT_EQ(received_.size(), 1u) << "the partial line waits";
  clock_.Advance(milliseconds(5'000));
  ASSERT_TRUE(RunUntilEvents(2));
  EXPECT_EQ(received_[1].message, "half a li");
  EXPECT_EQ(received_[1].offset, 6u);
  EXPECT_EQ(received_[1].flags, buffer::kFlagPartial);
  EXPECT_EQ(input_->counters().partial_lines, 1u);
  Append("ne\nnext\n");
  ASSERT_TRUE(RunUntilEvents(4));
  EXPECT_EQ(received_[2].message, "ne");
  EXPECT_EQ(received_[2].offset, 15u);
  EXPECT_EQ(received_[2].flags, 0u);
  EXPECT_EQ(received_[3].message, "next");
}

TEST_F(FileTailAssemblyTest, CriLinesArriveReassembledWithTheirStreamAndTime) {
  FileTailOptions options = Options();
  options.format.container = ContainerFormat::kCri;
  Append("2024-05-01T12:00:00.5Z stdout P hello \n");
  Append("2024-05-01T12:00:01Z stdout F world\n");
  Append("2024-05-01T12:00:02Z stderr F oops\n");
  StartInput(std::move(options));
  ASSERT_TRUE(RunUntilEvents(2));
  EXPECT_EQ(received_[0].message, "hello world");
  EXPECT_EQ(received_[0].offset, 0u);
  EXPECT_EQ(received_[0].fields_json, R"("stream":"stdout")");
  EXPECT_EQ(received_[0].time, 1'714'564'800'500'000'000);
  EXPECT_EQ(received_[1].message, "oops");
  EXPECT_EQ(received_[1].fields_json, R"("stream":"stderr")");
}

TEST_F(FileTailAssemblyTest, ABadPatternFailsStart) {
  FileTailOptions options = Options();
  options.format.parsing.multiline.start = "(";
  ASSERT_NO_FATAL_FAILURE(StartInput(Options()));  // the store
  input_.reset();
  FileTailInput input(&loop_, *queue_, *store_, std::move(options), clock_);
  EXPECT_FALSE(input.Start().ok());
}

}  // namespace
}  // namespace agent
