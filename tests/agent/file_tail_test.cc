#include "agent/inputs/file_tail.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/memory_queue.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Every wait in these tests is bounded by this; they normally finish in milliseconds.
constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::size_t kLargeQueueBytes = 64 * 1024 * 1024;

struct Received {
  std::string source_key;
  uint32_t generation;
  std::string shared_fields_json;
  std::string index;
  uint64_t offset;
  uint32_t flags;
  std::string message;
};

class FileTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    std::string pattern = (fs::temp_directory_path() / "file_tail_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    checkpoint_path_ = (dir_ / "checkpoints").string();
    queue_ = std::make_unique<buffer::MemoryQueue>(kLargeQueueBytes);
  }

  void TearDown() override {
    input_.reset();
    queue_.reset();
    store_.reset();
    // Closing handles finish within a loop turn or two; an active handle left behind
    // would keep uv_loop_close from succeeding.
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
    options.shared_fields_json = R"("host.name":"h1")";
    return options;
  }

  void StartInput(FileTailOptions options) {
    if (!store_) {
      base::Result<buffer::CheckpointStore> store = buffer::CheckpointStore::Open(checkpoint_path_);
      ASSERT_TRUE(store.has_value()) << store.error().ToString();
      store_ = std::make_unique<buffer::CheckpointStore>(std::move(store).value());
    }
    input_ = std::make_unique<FileTailInput>(&loop_, *queue_, *store_, std::move(options), clock_);
    base::Status status = input_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  // Stops the input and forgets the store, as a process exit would.
  void StopInput() {
    input_->Stop();
    input_.reset();
    store_.reset();
  }

  // Runs the loop until `done()` holds or kTimeout passes, collecting (and, with
  // auto_ack_, acknowledging) every batch the input appends.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    for (;;) {
      Drain();
      if (done()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
  }

  // Runs `polls` poll intervals of the loop, for checks that something does NOT happen.
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

  bool RunUntilLines(std::size_t n) {
    return RunUntil([&] { return received_.size() >= n; });
  }

  void Drain() {
    while (std::optional<buffer::EventBuffer::Lease> lease = queue_->Read()) {
      const buffer::EventBatch& batch = *lease->batch;
      for (const buffer::Event& e : batch.events) {
        received_.push_back(Received{batch.source_key, batch.generation, batch.shared_fields_json,
                                     batch.index, e.offset, e.flags, e.message});
      }
      if (auto_ack_) {
        queue_->Ack(lease->id);
      } else {
        held_.push_back(lease->id);
      }
    }
  }

  void AckHeld() {
    for (uint64_t id : held_) queue_->Ack(id);
    held_.clear();
  }

  std::string PathOf(std::string_view name) { return (dir_ / name).string(); }

  void Append(std::string_view name, std::string_view text) {
    std::ofstream(PathOf(name), std::ios::binary | std::ios::app) << text;
  }

  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const Received& r : received_) out.push_back(r.message);
    return out;
  }

  uv_loop_t loop_{};
  fs::path dir_;
  std::string checkpoint_path_;
  base::RealClock clock_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<buffer::CheckpointStore> store_;
  std::unique_ptr<FileTailInput> input_;
  bool auto_ack_ = true;
  std::vector<uint64_t> held_;
  std::vector<Received> received_;
};

TEST_F(FileTailTest, ReadsExistingLinesWithOffsetsAndSharedFields) {
  Append("a.log", "first\nsecond\r\n\nfourth\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(4));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"first", "second", "", "fourth"}));
  EXPECT_EQ(received_[0].offset, 0u);
  EXPECT_EQ(received_[1].offset, 6u);
  EXPECT_EQ(received_[2].offset, 14u);
  EXPECT_EQ(received_[3].offset, 15u);
  struct stat info {};
  ASSERT_EQ(::stat(PathOf("a.log").c_str(), &info), 0);
  EXPECT_EQ(received_[0].source_key, FileSourceKey(info));
  EXPECT_EQ(received_[0].generation, 0u);
  EXPECT_EQ(received_[0].index, "logs-test");
  EXPECT_EQ(received_[0].shared_fields_json,
            "\"log.file.path\":\"" + PathOf("a.log") + "\",\"host.name\":\"h1\"");
  EXPECT_EQ(input_->counters().lines, 4u);
  EXPECT_EQ(input_->counters().bytes, 22u);
  EXPECT_EQ(input_->counters().files_open, 1u);
}

TEST_F(FileTailTest, FollowsAppends) {
  Append("a.log", "one\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(1));
  Append("a.log", "two\nthree\n");
  ASSERT_TRUE(RunUntilLines(3));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(received_[2].offset, 8u);
}

TEST_F(FileTailTest, PartialLineWaitsForItsNewline) {
  Append("a.log", "no newline yet");
  StartInput(Options());
  ASSERT_TRUE(RunUntil([&] { return input_->counters().bytes == 14; }));
  RunPolls(3);
  EXPECT_TRUE(received_.empty());
  Append("a.log", " - now it ends\n");
  ASSERT_TRUE(RunUntilLines(1));
  EXPECT_EQ(received_[0].message, "no newline yet - now it ends");
  EXPECT_EQ(received_[0].offset, 0u);
}

TEST_F(FileTailTest, StartAtEndSkipsOldLinesOnlyOnTheFirstStart) {
  Append("a.log", "old line\n");
  FileTailOptions options = Options();
  options.start_at_end = true;
  StartInput(options);
  RunPolls(2);
  EXPECT_TRUE(received_.empty());
  Append("a.log", "new line\n");
  ASSERT_TRUE(RunUntilLines(1));
  EXPECT_EQ(received_[0].message, "new line");
  EXPECT_EQ(received_[0].offset, 9u);
  ASSERT_TRUE(RunUntil([&] { return !store_->dirty(); }));
  StopInput();

  // Second start: not a first start any more, so a file that appeared meanwhile is read
  // from its beginning, and a.log resumes at its checkpoint.
  received_.clear();
  Append("b.log", "written while stopped\n");
  Append("a.log", "after restart\n");
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(2));
  RunPolls(2);
  std::vector<std::string> got = Messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"after restart", "written while stopped"}));
}

TEST_F(FileTailTest, FileFoundAfterStartIsReadFromItsBeginningEvenWithStartAtEnd) {
  FileTailOptions options = Options();
  options.start_at_end = true;
  StartInput(options);
  Append("late.log", "early line of a new file\n");
  ASSERT_TRUE(RunUntilLines(1));
  EXPECT_EQ(received_[0].message, "early line of a new file");
}

TEST_F(FileTailTest, CheckpointAdvancesOnlyWhenTheBatchIsDurable) {
  auto_ack_ = false;
  Append("a.log", "x\ny\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(2));
  const std::string key = std::string("test/") + received_[0].source_key;
  RunPolls(2);
  EXPECT_FALSE(store_->Get(key).has_value());
  AckHeld();
  ASSERT_TRUE(store_->Get(key).has_value());
  EXPECT_EQ(store_->Get(key)->offset, 4u);
}

TEST_F(FileTailTest, RestartResumesExactlyAtTheCheckpoint) {
  Append("a.log", "1\n22\n333\npartial");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(3));
  ASSERT_TRUE(RunUntil([&] { return !store_->dirty(); }));
  StopInput();

  received_.clear();
  Append("a.log", " line\n4444\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(2));
  RunPolls(2);
  ASSERT_EQ(received_.size(), 2u);
  EXPECT_EQ(received_[0].message, "partial line");
  EXPECT_EQ(received_[0].offset, 9u);
  EXPECT_EQ(received_[1].message, "4444");
  EXPECT_EQ(received_[1].offset, 22u);
}

TEST_F(FileTailTest, TruncationBumpsTheGenerationAndRereadsFromZero) {
  Append("a.log", "a long first line\nanother line\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(2));
  {
    std::ofstream truncate(PathOf("a.log"), std::ios::binary | std::ios::trunc);
    truncate << "short\n";
  }
  ASSERT_TRUE(RunUntilLines(3));
  EXPECT_EQ(received_[2].message, "short");
  EXPECT_EQ(received_[2].offset, 0u);
  EXPECT_EQ(received_[2].generation, 1u);
  EXPECT_EQ(input_->counters().truncations, 1u);
}

TEST_F(FileTailTest, RenameRotationReadsTheRestOfTheOldFileThenTheNewOne) {
  Append("a.log", "before rotation\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(1));
  const std::string old_key = received_[0].source_key;
  // The writer has the old file open: what it writes after the rename still counts.
  int writer = ::open(PathOf("a.log").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  fs::rename(PathOf("a.log"), PathOf("a.log.1"));
  Append("a.log", "in the new file\n");
  const std::string late = "late write to the old file\n";
  ASSERT_EQ(::write(writer, late.data(), late.size()), static_cast<ssize_t>(late.size()));
  ::close(writer);
  ASSERT_TRUE(RunUntilLines(3));
  ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 1; }));
  std::vector<std::string> from_old;
  std::vector<std::string> from_new;
  for (const Received& r : received_) {
    (r.source_key == old_key ? from_old : from_new).push_back(r.message);
  }
  EXPECT_EQ(from_old, (std::vector<std::string>{"before rotation", "late write to the old file"}));
  EXPECT_EQ(from_new, (std::vector<std::string>{"in the new file"}));
  EXPECT_EQ(input_->counters().rotations, 1u);
}

TEST_F(FileTailTest, DeletedFileIsReadToItsEndThenClosedAndForgotten) {
  Append("a.log", "one\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(1));
  const std::string key = "test/" + received_[0].source_key;
  int fd = ::open(PathOf("a.log").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(PathOf("a.log").c_str()), 0);
  ASSERT_EQ(::write(fd, "two\n", 4), 4);
  ::close(fd);
  ASSERT_TRUE(RunUntilLines(2));
  EXPECT_EQ(received_[1].message, "two");
  ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 0; }));
  EXPECT_FALSE(store_->Get(key).has_value()) << "an inode reused later must start at 0";
}

TEST_F(FileTailTest, GlobsAndExcludesChooseTheFiles) {
  fs::create_directory(dir_ / "sub");
  Append("a.log", "from a\n");
  Append("skip-me.log", "excluded\n");
  Append("sub/b.txt", "from b\n");
  Append("c.other", "not matched\n");
  FileTailOptions options = Options();
  options.paths = {(dir_ / "*.log").string(), (dir_ / "sub" / "*.txt").string()};
  options.exclude = {"*skip*"};
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(2));
  RunPolls(3);
  std::vector<std::string> got = Messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"from a", "from b"}));
  EXPECT_EQ(input_->counters().files_open, 2u);
}

TEST_F(FileTailTest, MissingPathIsCountedOnceAndNeverFatal) {
  FileTailOptions options = Options();
  options.paths = {(dir_ / "nowhere" / "*.log").string()};
  StartInput(options);
  RunPolls(10);  // several scans
  EXPECT_EQ(input_->counters().missing_paths, 1u);
  fs::create_directory(dir_ / "nowhere");
  Append("nowhere/x.log", "found\n");
  ASSERT_TRUE(RunUntilLines(1));
}

TEST_F(FileTailTest, OverLongLinesAndInvalidUtf8AreFlaggedAndCounted) {
  FileTailOptions options = Options();
  options.max_line_bytes = 8;
  Append("a.log", "short\nmuch longer than eight\nbad \xFF byte\nok\n");
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(4));
  EXPECT_EQ(received_[0].flags, 0u);
  EXPECT_EQ(received_[1].message, "much lon");
  EXPECT_EQ(received_[1].flags, buffer::kFlagTruncated);
  EXPECT_EQ(received_[2].message, "bad \xEF\xBF\xBD by");
  EXPECT_EQ(received_[2].flags, buffer::kFlagTruncated | buffer::kFlagInvalidUtf8);
  EXPECT_EQ(received_[3].message, "ok");
  EXPECT_EQ(received_[3].offset, 40u);
  EXPECT_EQ(input_->counters().truncated_lines, 2u);
  EXPECT_EQ(input_->counters().invalid_utf8_lines, 1u);
}

TEST_F(FileTailTest, BackpressureStopsReadingWhileFullAndLosesNothing) {
  constexpr int kLines = 5000;
  std::string text;
  for (int i = 0; i < kLines; ++i) text += "line number " + std::to_string(i) + "\n";
  Append("a.log", text);
  queue_ = std::make_unique<buffer::MemoryQueue>(8 * 1024);
  auto_ack_ = false;
  FileTailOptions options = Options();
  options.batch_bytes = 1024;
  options.read_chunk_bytes = 4096;
  StartInput(options);
  ASSERT_TRUE(RunUntil([&] { return queue_->Full(); }));
  RunPolls(5);
  const uint64_t lines_while_full = input_->counters().lines;
  EXPECT_LT(lines_while_full, static_cast<uint64_t>(kLines)) << "reading must stop";
  RunPolls(5);
  EXPECT_EQ(input_->counters().lines, lines_while_full) << "nothing is read while Full()";
  auto_ack_ = true;
  AckHeld();
  ASSERT_TRUE(RunUntilLines(kLines));
  ASSERT_EQ(received_.size(), static_cast<std::size_t>(kLines)) << "no line twice";
  uint64_t expected_offset = 0;
  for (int i = 0; i < kLines; ++i) {
    ASSERT_EQ(received_[static_cast<std::size_t>(i)].message, "line number " + std::to_string(i));
    ASSERT_EQ(received_[static_cast<std::size_t>(i)].offset, expected_offset);
    expected_offset += received_[static_cast<std::size_t>(i)].message.size() + 1;
  }
}

TEST_F(FileTailTest, StopPersistsCheckpointsAndClosesEverything) {
  Append("a.log", "x\n");
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(1));
  input_->Stop();
  EXPECT_EQ(input_->counters().files_open, 0u);
  EXPECT_FALSE(store_->dirty());
  input_->Stop();  // idempotent
}

TEST_F(FileTailTest, InvalidOptionsAreRejectedAtStart) {
  FileTailOptions options = Options();
  options.paths.clear();
  base::Result<buffer::CheckpointStore> store = buffer::CheckpointStore::Open(checkpoint_path_);
  ASSERT_TRUE(store.has_value());
  FileTailInput input(&loop_, *queue_, *store, options, clock_);
  EXPECT_EQ(input.Start().code(), base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace agent
