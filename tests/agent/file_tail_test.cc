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
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"
#include "tests/support/memory_queue.h"

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
  base::Result<struct statx> info = StatxPath(PathOf("a.log"));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(received_[0].source_key, FileSourceKey(*info));
  EXPECT_TRUE(received_[0].source_key.starts_with("dev:")) << received_[0].source_key;
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

// With the poll and the scan an hour apart, only notifications can find and read files.
FileTailOptions NotificationsOnly(FileTailOptions options) {
  options.poll_interval = std::chrono::hours(1);
  options.scan_interval = std::chrono::hours(1);
  return options;
}

TEST_F(FileTailTest, NotificationsFindANewFileAndReadItsAppendsWithoutPollOrScan) {
  StartInput(NotificationsOnly(Options()));
  Append("new.log", "first\n");
  ASSERT_TRUE(RunUntilLines(1));
  Append("new.log", "second\n");
  ASSERT_TRUE(RunUntilLines(2));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"first", "second"}));
  EXPECT_GE(input_->counters().watched_directories, 1u);
}

TEST_F(FileTailTest, NotificationsFollowEveryFileOfAFastRenameRotation) {
  // logrotate's "create" mode at a pace no poll could keep up with: each file lives for
  // a few lines only, and the oldest rotated file is deleted. An open descriptor keeps a
  // renamed or deleted file readable, so what matters is opening each file promptly.
  StartInput(NotificationsOnly(Options()));
  constexpr int kFiles = 40;
  constexpr int kLinesPerFile = 5;
  for (int f = 0; f < kFiles; ++f) {
    for (int l = 0; l < kLinesPerFile; ++l) Append("app.log", std::to_string(f * 10 + l) + "\n");
    // Let the loop see the file before it is renamed away (a real writer takes longer).
    ASSERT_TRUE(RunUntilLines(static_cast<std::size_t>((f + 1) * kLinesPerFile))) << "file " << f;
    if (fs::exists(PathOf("app.log.3"))) fs::remove(PathOf("app.log.3"));
    for (int k = 2; k >= 1; --k) {
      std::string from = PathOf("app.log." + std::to_string(k));
      if (fs::exists(from)) fs::rename(from, PathOf("app.log." + std::to_string(k + 1)));
    }
    fs::rename(PathOf("app.log"), PathOf("app.log.1"));
  }
  std::vector<std::string> expected;
  for (int f = 0; f < kFiles; ++f) {
    for (int l = 0; l < kLinesPerFile; ++l) expected.push_back(std::to_string(f * 10 + l));
  }
  EXPECT_EQ(Messages(), expected);
}

TEST_F(FileTailTest, CompressedFilesAreNotRead) {
  FileTailOptions options = Options();
  options.paths = {(dir_ / "a.log*").string()};
  Append("a.log", "text\n");
  Append("a.log.1.gz", "gzip bytes\n");
  Append("a.log.2.zst", "zstd bytes\n");
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  RunPolls(10);
  EXPECT_EQ(Messages(), (std::vector<std::string>{"text"}));
}

TEST_F(FileTailTest, WithoutNotificationsTheScanAndPollStillFindAndReadFiles) {
  FileTailOptions options = Options();
  options.use_notifications = false;
  StartInput(options);
  Append("late.log", "found by the scan\n");
  ASSERT_TRUE(RunUntilLines(1));
  Append("late.log", "read by the poll\n");
  ASSERT_TRUE(RunUntilLines(2));
  EXPECT_EQ(input_->counters().watched_directories, 0u);
}

TEST_F(FileTailTest, NewFilesInADeletedFilesPlaceNeverShareItsDocumentIds) {
  // Delete and recreate: ext4 and tmpfs hand a freed inode to the next new file, so
  // this reuses inodes. The key (birth time) or the generation must differ, or the new
  // file's documents would collide with the old one's _ids and be answered 409.
  StartInput(Options());
  constexpr int kFiles = 20;
  for (int i = 0; i < kFiles; ++i) {
    Append("a.log", "file " + std::to_string(i) + "\n");
    ASSERT_TRUE(RunUntilLines(static_cast<std::size_t>(i + 1)));
    ASSERT_EQ(::unlink(PathOf("a.log").c_str()), 0);
    ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 0; }));
  }
  std::set<std::tuple<std::string, uint32_t, uint64_t>> ids;
  for (const Received& r : received_) ids.emplace(r.source_key, r.generation, r.offset);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kFiles));
  EXPECT_EQ(received_.size(), static_cast<std::size_t>(kFiles));
}

TEST_F(FileTailTest, ACheckpointWhoseFingerprintDiffersBelongsToAnotherFile) {
  // As if skiff was stopped while the file it had read was deleted and a new one got its
  // inode (and the file system records no birth time).
  Append("a.log", "the new file\n");
  base::Result<struct statx> info = StatxPath(PathOf("a.log"));
  ASSERT_TRUE(info.has_value());
  const std::string key = "test/" + FileSourceKey(*info);
  {
    base::Result<buffer::CheckpointStore> store = buffer::CheckpointStore::Open(checkpoint_path_);
    ASSERT_TRUE(store.has_value());
    store->Set(key, buffer::Checkpoint{5, 3, PathOf("a.log"), clock_.NowUnixNanos(), 0x1234, 8});
    ASSERT_TRUE(store->Persist().ok());
  }
  StartInput(Options());
  ASSERT_TRUE(RunUntilLines(1));
  EXPECT_EQ(received_[0].message, "the new file");
  EXPECT_EQ(received_[0].offset, 0u);
  EXPECT_EQ(received_[0].generation, 4u);
  EXPECT_EQ(input_->counters().inode_reuses, 1u);
}

TEST_F(FileTailTest, CheckpointsOfFilesGoneLongerThanForgetAfterAreDropped) {
  Append("a.log", "kept\n");
  {
    base::Result<buffer::CheckpointStore> store = buffer::CheckpointStore::Open(checkpoint_path_);
    ASSERT_TRUE(store.has_value());
    store->Set("test/dev:1,ino:2", buffer::Checkpoint{5, 0, "/gone.log", 1});
    store->Set("other-input/dev:1,ino:2", buffer::Checkpoint{5, 0, "/gone.log", 1});
    ASSERT_TRUE(store->Persist().ok());
  }
  FileTailOptions options = Options();
  options.forget_after = milliseconds(1);
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  ASSERT_TRUE(RunUntil([&] { return !store_->Get("test/dev:1,ino:2").has_value(); }));
  EXPECT_TRUE(store_->Get("other-input/dev:1,ino:2").has_value()) << "another input's";
  RunPolls(10);
  EXPECT_EQ(input_->counters().forgotten_checkpoints, 1u) << "the followed file's stays";
}

TEST_F(FileTailTest, SymlinkedPathIsFollowedAndARetargetedLinkIsARotation) {
  // Like Kubernetes' /var/log/containers/*.log links into /var/log/pods/.
  fs::create_directory(dir_ / "real");
  std::ofstream(PathOf("real/app-1.log")) << "one\n";
  fs::create_symlink(dir_ / "real" / "app-1.log", dir_ / "current.log");
  StartInput(NotificationsOnly(Options()));
  ASSERT_TRUE(RunUntilLines(1));
  std::ofstream(PathOf("real/app-1.log"), std::ios::app) << "two\n";
  ASSERT_TRUE(RunUntilLines(2)) << "an append to the link's target is noticed";
  std::ofstream(PathOf("real/app-2.log")) << "three\n";
  fs::remove(dir_ / "current.log");
  fs::create_symlink(dir_ / "real" / "app-2.log", dir_ / "current.log");
  ASSERT_TRUE(RunUntilLines(3));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_NE(received_[0].source_key, received_[2].source_key);
  EXPECT_NE(received_[2].shared_fields_json.find("current.log"), std::string::npos)
      << "log.file.path is the configured path: " << received_[2].shared_fields_json;
}

TEST_F(FileTailTest, IgnoreOlderSkipsStaleFilesUntilTheyAreWrittenAgain) {
  Append("stale.log", "old line\n");
  Append("fresh.log", "fresh line\n");
  const auto two_hours_ago = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(PathOf("stale.log"), two_hours_ago);
  FileTailOptions options = Options();
  options.ignore_older = std::chrono::hours(1);
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  RunPolls(10);
  EXPECT_EQ(Messages(), (std::vector<std::string>{"fresh line"}));
  EXPECT_GE(input_->counters().ignored_older, 1u);
  Append("stale.log", "new line\n");  // written again: followed, from its beginning
  ASSERT_TRUE(RunUntilLines(3));
  EXPECT_EQ(received_[1].message, "old line");
  EXPECT_EQ(received_[2].message, "new line");
}

TEST_F(FileTailTest, AFileRotatedAwayBeforeItWasOpenedIsFoundBesideTheLivePath) {
  FileTailOptions options = Options();
  options.paths = {PathOf("app.log")};  // only the live file, as users write it
  options.use_notifications = false;    // nothing runs between the rotations below
  Append("app.log", "in A\n");
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  base::Result<struct statx> a = StatxPath(PathOf("app.log"));
  ASSERT_TRUE(a.has_value());
  if (BirthUnixNanos(*a) == 0) GTEST_SKIP() << "this file system records no birth times";
  // Two rotations while the input does not run: B lives and is rotated unseen.
  fs::rename(PathOf("app.log"), PathOf("app.log.1"));
  Append("app.log", "in B\n");
  fs::rename(PathOf("app.log.1"), PathOf("app.log.2"));
  fs::rename(PathOf("app.log"), PathOf("app.log.1"));
  Append("app.log", "in C\n");
  ASSERT_TRUE(RunUntilLines(3));
  std::vector<std::string> messages = Messages();
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages, (std::vector<std::string>{"in A", "in B", "in C"}));
  EXPECT_EQ(input_->counters().missed_rotations, 1u);
  RunPolls(20);
  EXPECT_EQ(received_.size(), 3u) << "older rotated files are not read again";
}

TEST_F(FileTailTest, DoubleStarPatternsFindFilesAtAnyDepthIncludingNewOnes) {
  fs::create_directories(dir_ / "pods" / "p1" / "c1");
  Append("pods/p1/c1/0.log", "deep\n");
  Append("top.log", "top\n");
  FileTailOptions options = Options();
  options.paths = {(dir_ / "**" / "*.log").string()};
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(2));
  fs::create_directories(dir_ / "pods" / "p2");
  Append("pods/p2/0.log", "new pod\n");  // found by the scan (20 ms here)
  ASSERT_TRUE(RunUntilLines(3));
  std::vector<std::string> messages = Messages();
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages, (std::vector<std::string>{"deep", "new pod", "top"}));
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
  // What the file holds beyond the read position is the input's lag.
  const uint64_t lag_while_full = input_->stats().lag_bytes;
  EXPECT_GT(lag_while_full, 0u);
  EXPECT_LE(lag_while_full, text.size());
  EXPECT_GE(lag_while_full + input_->stats().bytes, text.size());
  auto_ack_ = true;
  AckHeld();
  ASSERT_TRUE(RunUntilLines(kLines));
  ASSERT_EQ(received_.size(), static_cast<std::size_t>(kLines)) << "no line twice";
  RunPolls(2);
  EXPECT_EQ(input_->stats().lag_bytes, 0u) << "everything read";
  uint64_t expected_offset = 0;
  for (int i = 0; i < kLines; ++i) {
    ASSERT_EQ(received_[static_cast<std::size_t>(i)].message, "line number " + std::to_string(i));
    ASSERT_EQ(received_[static_cast<std::size_t>(i)].offset, expected_offset);
    expected_offset += received_[static_cast<std::size_t>(i)].message.size() + 1;
  }
}

// Descriptors this process holds on `path` (with " (deleted)" once it is unlinked), or,
// with an empty path, on any file in the test directory but the checkpoint store's.
int OpenDescriptors(const fs::path& dir, const std::string& path = "") {
  int count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd", error)) {
    std::error_code link_error;
    const std::string target = fs::read_symlink(entry.path(), link_error).string();
    if (link_error) continue;  // closed meanwhile (the iterator's own descriptor)
    if (!path.empty()) {
      count += target == path || target == path + " (deleted)" ? 1 : 0;
    } else if (target.starts_with(dir.string() + "/") &&
               target.find("/checkpoints") == std::string::npos) {
      ++count;
    }
  }
  return count;
}

TEST_F(FileTailTest, AFileDeletedWhileItsWriterKeepsWritingIsClosedAfterCloseInactive) {
  Append("a.log", "one\ntwo\n");
  FileTailOptions options = Options();
  options.close_inactive = milliseconds(300);
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(2));
  const std::string path = PathOf("a.log");
  int writer = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "three\n", 6), 6);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  // The writer never reopens and keeps writing, faster than the draining grace: only
  // close_inactive can end it.
  base::UvHandle<uv_timer_t> keeps_writing;
  ASSERT_EQ(uv_timer_init(&loop_, keeps_writing.get()), 0);
  keeps_writing.MarkInitialized();
  keeps_writing->data = &writer;
  uv_timer_start(
      keeps_writing.get(),
      [](uv_timer_t* t) { (void)!::write(*static_cast<int*>(t->data), "more\n", 5); }, 2, 2);
  ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 0; }));
  EXPECT_EQ(OpenDescriptors(dir_, path), 1) << "only the writer's descriptor is left";
  uv_timer_stop(keeps_writing.get());
  ::close(writer);
  std::vector<std::string> messages = Messages();
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages[2], "three") << "what was there when it was deleted is read";
  EXPECT_EQ(std::count(messages.begin(), messages.end(), "more"),
            static_cast<std::ptrdiff_t>(messages.size() - 3));
  EXPECT_GT(input_->counters().bytes_left_unread, 0u) << "what it wrote on is counted";
}

TEST_F(FileTailTest, AnIdleFileIsClosedAfterCloseInactiveAndReopenedWhenItGrows) {
  Append("a.log", "one\ntwo\nhalf of ");
  FileTailOptions options = Options();
  options.close_inactive = milliseconds(50);
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(2));
  ASSERT_TRUE(RunUntil([&] { return input_->counters().files_open == 0; }));
  EXPECT_EQ(OpenDescriptors(dir_, PathOf("a.log")), 0);
  EXPECT_EQ(input_->counters().closed_inactive, 1u);
  Append("a.log", "three\nfour\n");
  ASSERT_TRUE(RunUntilLines(4));
  RunPolls(5);
  // Reopened where it stopped: the unfinished line is completed, nothing is read twice.
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "half of three", "four"}));
  EXPECT_EQ(received_[2].offset, 8u);
  EXPECT_EQ(received_[3].offset, 22u);
  EXPECT_EQ(received_[3].source_key, received_[0].source_key);
  EXPECT_EQ(received_[3].generation, 0u);
  EXPECT_GE(input_->counters().reopened, 1u);
}

TEST_F(FileTailTest, AFileReplacedWhileClosedIsNotReopenedAndTheNewOneIsReadFromZero) {
  Append("a.log", "old\n");
  FileTailOptions options = Options();
  options.close_inactive = milliseconds(50);
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  ASSERT_TRUE(RunUntil([&] { return input_->counters().closed_inactive == 1; }));
  fs::rename(PathOf("a.log"), PathOf("a.old"));  // out of the pattern
  Append("a.log", "new file\n");
  ASSERT_TRUE(RunUntilLines(2));
  RunPolls(5);
  EXPECT_EQ(Messages(), (std::vector<std::string>{"old", "new file"}));
  EXPECT_NE(received_[1].source_key, received_[0].source_key);
  EXPECT_EQ(received_[1].offset, 0u);
  EXPECT_EQ(input_->counters().lost_while_closed, 1u);
}

TEST_F(FileTailTest, BusyFilesBeyondMaxOpenFilesTakeTurnsAndEveryLineArrivesOnce) {
  constexpr int kFiles = 20;
  constexpr int kLinesPerFile = 3000;
  constexpr uint64_t kMaxOpen = 4;
  for (int f = 0; f < kFiles; ++f) {
    std::string text;
    for (int i = 0; i < kLinesPerFile; ++i) {
      text += "file " + std::to_string(f) + " line " + std::to_string(i) + "\n";
    }
    Append("f" + std::to_string(f) + ".log", text);
  }
  FileTailOptions options = Options();
  options.max_open_files = kMaxOpen;
  options.read_chunk_bytes = 4096;  // many passes per file, so turns matter
  options.batch_bytes = 4096;
  StartInput(options);
  uint64_t most_open = 0;
  int most_descriptors = 0;
  ASSERT_TRUE(RunUntil([&] {
    most_open = std::max(most_open, input_->counters().files_open);
    most_descriptors = std::max(most_descriptors, OpenDescriptors(dir_));
    return received_.size() >= static_cast<std::size_t>(kFiles * kLinesPerFile);
  }));
  RunPolls(5);
  EXPECT_LE(most_open, kMaxOpen);
  EXPECT_LE(most_descriptors, static_cast<int>(kMaxOpen));
  EXPECT_GT(input_->counters().closed_for_turns, 0u) << "busy files must have taken turns";
  ASSERT_EQ(received_.size(), static_cast<std::size_t>(kFiles * kLinesPerFile)) << "no line twice";
  // Per file, in order and at the right offsets.
  std::map<std::string, std::vector<const Received*>> by_file;
  for (const Received& r : received_) by_file[r.shared_fields_json].push_back(&r);
  ASSERT_EQ(by_file.size(), static_cast<std::size_t>(kFiles));
  for (const auto& [file, lines] : by_file) {
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kLinesPerFile)) << file;
    uint64_t offset = 0;
    const std::string prefix = lines[0]->message.substr(0, lines[0]->message.find(" line "));
    for (int i = 0; i < kLinesPerFile; ++i) {
      const Received& r = *lines[static_cast<std::size_t>(i)];
      ASSERT_EQ(r.message, prefix + " line " + std::to_string(i)) << file;
      ASSERT_EQ(r.offset, offset) << file;
      offset += r.message.size() + 1;
    }
  }
}

TEST_F(FileTailTest, WhileAllSlotsAreBusyEveryWaitingFileProgressesBeforeAnyFinishes) {
  // Fairness: with turns round-robin, no file waits until the open ones are done.
  constexpr int kFiles = 12;
  constexpr int kLinesPerFile = 4000;
  for (int f = 0; f < kFiles; ++f) {
    std::string text;
    for (int i = 0; i < kLinesPerFile; ++i) {
      text += "f" + std::to_string(f) + " " + std::to_string(i) + "\n";
    }
    Append("f" + std::to_string(f) + ".log", text);
  }
  FileTailOptions options = Options();
  options.max_open_files = 3;
  options.read_chunk_bytes = 1024;
  options.batch_bytes = 1024;
  StartInput(options);
  std::set<std::string> started;
  bool any_finished_before_all_started = false;
  ASSERT_TRUE(RunUntil([&] {
    std::map<std::string, int> per_file;
    for (const Received& r : received_) ++per_file[r.shared_fields_json];
    for (const auto& [file, n] : per_file) {
      started.insert(file);
      if (n == kLinesPerFile && started.size() < static_cast<std::size_t>(kFiles)) {
        any_finished_before_all_started = true;
      }
    }
    return received_.size() >= static_cast<std::size_t>(kFiles * kLinesPerFile);
  }));
  EXPECT_FALSE(any_finished_before_all_started);
  EXPECT_EQ(received_.size(), static_cast<std::size_t>(kFiles * kLinesPerFile));
}

TEST_F(FileTailTest, ChangesToExcludedOrCompressedFilesCostNoScan) {
  FileTailOptions options = Options();
  options.paths = {(dir_ / "*.log*").string()};
  options.exclude = {"*.skip"};
  options.scan_interval = std::chrono::hours(1);  // only notifications can scan
  Append("a.log", "x\n");
  StartInput(options);
  ASSERT_TRUE(RunUntilLines(1));
  RunPolls(3);
  const uint64_t scans = input_->counters().scans;
  for (int i = 0; i < 5; ++i) {
    Append("noise.log.skip", "excluded\n");
    Append("old.log." + std::to_string(i) + ".gz", "compressed");
    fs::rename(PathOf("old.log." + std::to_string(i) + ".gz"),
               PathOf("older.log." + std::to_string(i) + ".gz"));
    RunPolls(2);
  }
  EXPECT_EQ(input_->counters().scans, scans);
  Append("b.log", "y\n");  // and one that can be followed does scan
  ASSERT_TRUE(RunUntilLines(2));
  EXPECT_GT(input_->counters().scans, scans);
  EXPECT_EQ(input_->counters().files_open, 2u);
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
