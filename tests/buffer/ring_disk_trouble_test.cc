// Disk trouble (ENOSPC, EROFS, EIO) through the FakeFilesystem's fault seam: the ring pauses
// its inputs exactly like `block`, reports itself unhealthy, logs once per episode, never
// leaves a half frame where recovery could lose a durable one, and resumes by itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "buffer/ring.h"
#include "tests/buffer/ring_test_support.h"

namespace buffer {
namespace {

class RingDiskTroubleTest : public RingTestBase {
 protected:
  // Small limits and fast retries, so that tests wait milliseconds, not seconds.
  RingOptions Options() const {
    RingOptions o = SmallOptions();
    o.max_bytes = 64 * 4096;
    o.retry_initial = std::chrono::milliseconds(2);
    o.retry_max = std::chrono::milliseconds(8);
    return o;
  }

  void AppendDurable(const std::string& prefix, int count, int events = 3) {
    int durable = 0;
    for (int i = 0; i < count; ++i) {
      base::Status s = AppendWhenRoom(TaggedBatch(prefix + std::to_string(i), events),
                                      [&durable] { ++durable; });
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(RunUntil([&] { return durable == count; }));
  }

  uint64_t SegmentBytesOnDisk() {
    uint64_t n = 0;
    for (const std::string& path : fs_.Paths()) {
      if (path.find("/seg-") != std::string::npos) n += fs_.Bytes(path).size();
    }
    return n;
  }

  // Runs the loop until the ring has retried (and failed) `retries` more times.
  bool WaitForFailedRetries(uint64_t retries) {
    const uint64_t target = fs_.FailedCalls() + retries;
    return RunUntil([&] { return fs_.FailedCalls() >= target; });
  }
};

TEST_F(RingDiskTroubleTest, DiskFullPausesInputsLikeBlockAndResumesByItself) {
  ASSERT_TRUE(Open(Options()).ok());
  int on_space = 0;
  ring_->SetOnSpace([&] { ++on_space; });
  AppendDurable("a", 1);
  fs_.SetCapacity(fs_.UsedBytes() + 30);  // part of the next frame fits
  bool durable = false;
  // Accepted: the write happens later, on the loop thread, and fails there.
  ASSERT_TRUE(ring_->Append(TaggedBatch("full", 5), [&] { durable = true; }).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  EXPECT_TRUE(ring_->Full());
  EXPECT_EQ(ring_->LastDiskError().code(), base::StatusCode::kResourceExhausted);
  RingStats stats = ring_->stats();
  EXPECT_FALSE(stats.healthy);
  EXPECT_TRUE(stats.paused);
  EXPECT_EQ(stats.disk_trouble_episodes, 1u);
  EXPECT_EQ(stats.pending_batches, 1u);
  EXPECT_EQ(ring_->PendingBatches(), 2u);
  EXPECT_EQ(ring_->Append(TaggedBatch("refused", 1), nullptr).code(),
            base::StatusCode::kResourceExhausted);
  // The partly written frame was taken back: the segment holds whole frames only.
  EXPECT_EQ(stats.bytes_on_disk, SegmentBytesOnDisk());

  // Still full: it keeps retrying, stays paused, and it is still the same episode.
  ASSERT_TRUE(WaitForFailedRetries(3));
  EXPECT_FALSE(ring_->Healthy());
  EXPECT_FALSE(durable);
  EXPECT_EQ(on_space, 0);

  fs_.ClearCapacity();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy() && durable && on_space == 1; }));
  EXPECT_FALSE(ring_->Full());
  EXPECT_EQ(ring_->stats().disk_trouble_episodes, 1u);
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a0", "full"}));
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(Options()).ok());
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a0", "full"}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
}

TEST_F(RingDiskTroubleTest, ReadOnlyFileSystemPausesTheRingUntilItIsWritableAgain) {
  ASSERT_TRUE(Open(Options()).ok());
  fs_.FailWith(base::IoError("create: read-only file system"));
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("x", 1), [&] { durable = true; }).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  EXPECT_TRUE(ring_->Full());
  EXPECT_EQ(ring_->LastDiskError().code(), base::StatusCode::kIoError);
  ASSERT_TRUE(WaitForFailedRetries(2));
  EXPECT_FALSE(durable);
  fs_.ClearFailure();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy() && durable; }));
  AppendDurable("y", 1);
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"x", "y0"}));
}

TEST_F(RingDiskTroubleTest, FailedFsyncKeepsOnDurableBackUntilASyncSucceeds) {
  RingOptions o = Options();
  o.fsync = FsyncMode::kBatch;
  o.fsync_interval = std::chrono::hours(1);  // syncs come from Flush and the retries
  ASSERT_TRUE(Open(o).ok());
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("s", 2), [&] { durable = true; }).ok());
  ASSERT_TRUE(Settle());
  ASSERT_EQ(ring_->stats().frames, 1u);  // written, not synced
  fs_.FailWith(base::IoError("fsync: input/output error"));
  base::Status flushed = ring_->Flush();
  EXPECT_EQ(flushed.code(), base::StatusCode::kIoError) << flushed.ToString();
  EXPECT_FALSE(ring_->Healthy());
  EXPECT_TRUE(ring_->Full());
  ASSERT_TRUE(WaitForFailedRetries(2));
  EXPECT_FALSE(durable) << "on_durable before a successful fsync";
  fs_.ClearFailure();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy() && durable; }));
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(o).ok());
  EXPECT_EQ(Drain(false), std::vector<std::string>{"s"});
}

TEST_F(RingDiskTroubleTest, AFrameThatCannotBeTakenBackSealsItsSegmentAndLosesNothing) {
  ASSERT_TRUE(Open(Options()).ok());
  AppendDurable("a", 2);
  fs_.FailTruncate(true);
  fs_.SetCapacity(fs_.UsedBytes() + 30);  // a torn frame stays at the end of segment 0
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("torn", 4), [&] { durable = true; }).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  EXPECT_EQ(ring_->stats().bytes_on_disk, SegmentBytesOnDisk()) << "the torn bytes are counted";
  // Space comes back but truncation keeps failing, so the retry cannot take the torn bytes
  // back: it must leave them behind a sealed segment. (Clearing both at once would race
  // with a retry that simply truncates.)
  fs_.ClearCapacity();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy() && durable; }));
  fs_.FailTruncate(false);
  AppendDurable("b", 1);
  // Nothing was written after the torn bytes: the next frames went to a new segment. (Its
  // id depends on how many retries failed to create one while the disk was still full.)
  auto files = fs_.List(kDir);
  ASSERT_TRUE(files.has_value());
  std::size_t segments = 0;
  for (const std::string& name : *files) {
    if (name.find("seg-") != std::string::npos) ++segments;
  }
  EXPECT_GE(segments, 2u) << "b0 was appended after the torn bytes of segment 0";
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a0", "a1", "torn", "b0"}));
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(Options()).ok());
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a0", "a1", "torn", "b0"}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
  EXPECT_EQ(ring_->stats().dropped_events, 0u);
}

TEST_F(RingDiskTroubleTest, AcknowledgementsThatDeleteSegmentsRetryAtOnce) {
  RingOptions o = Options();
  o.retry_initial = std::chrono::hours(1);  // only the acknowledgements can resume it
  o.retry_max = std::chrono::hours(1);
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("old", 30, 20);
  ASSERT_TRUE(fs_.Exists(SegmentPath(1)));
  fs_.SetCapacity(fs_.UsedBytes() + 30);
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("next", 5), [&] { durable = true; }).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  EXPECT_EQ(Drain(true).size(), 30u);  // deletes the old segments, which frees the disk
  EXPECT_TRUE(ring_->Healthy());
  EXPECT_FALSE(ring_->Full());
  ASSERT_TRUE(RunUntil([&] { return durable; }));
  EXPECT_EQ(Drain(false), std::vector<std::string>{"next"});
}

TEST_F(RingDiskTroubleTest, FlushReportsTheDiskErrorAndKeepsTheBatchesForLater) {
  RingOptions o = Options();
  o.retry_initial = std::chrono::hours(1);
  o.retry_max = std::chrono::hours(1);
  ASSERT_TRUE(Open(o).ok());
  fs_.SetCapacity(fs_.UsedBytes() + 10);
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("kept", 3), [&] { durable = true; }).ok());
  EXPECT_EQ(ring_->Flush().code(), base::StatusCode::kResourceExhausted);
  EXPECT_FALSE(ring_->Healthy());
  EXPECT_FALSE(durable);
  fs_.ClearCapacity();
  base::Status flushed = ring_->Flush();  // retries at once
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_TRUE(ring_->Healthy());
  EXPECT_TRUE(durable);
  EXPECT_EQ(Drain(false), std::vector<std::string>{"kept"});
}

TEST_F(RingDiskTroubleTest, DropOldestPausesOnDiskTroubleInsteadOfDropping) {
  RingOptions o = Options();
  o.when_full = WhenFull::kDropOldest;
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("a", 3);
  fs_.FailWith(base::IoError("write: input/output error"));
  ASSERT_TRUE(ring_->Append(TaggedBatch("b", 3), nullptr).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  EXPECT_TRUE(ring_->Full());
  ASSERT_TRUE(WaitForFailedRetries(2));
  EXPECT_EQ(ring_->stats().dropped_events, 0u);
  fs_.ClearFailure();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy() && !ring_->Full(); }));
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a0", "a1", "a2", "b"}));
  EXPECT_EQ(ring_->stats().dropped_events, 0u);
}

TEST_F(RingDiskTroubleTest, LogsOncePerEpisodeNotOncePerRetry) {
  ASSERT_TRUE(Open(Options()).ok());
  testing::internal::CaptureStderr();
  fs_.FailWith(base::IoError("write: read-only file system"));
  ASSERT_TRUE(ring_->Append(TaggedBatch("x", 1), nullptr).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  ASSERT_TRUE(WaitForFailedRetries(5));
  fs_.ClearFailure();
  ASSERT_TRUE(RunUntil([&] { return ring_->Healthy(); }));
  const std::string log = testing::internal::GetCapturedStderr();
  auto count = [&log](const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("disk trouble"), 1u) << log;
  EXPECT_EQ(count("read-only file system"), 1u) << log;
  EXPECT_EQ(count("succeed again"), 1u) << log;
}

TEST_F(RingDiskTroubleTest, BacksOffBetweenRetriesUpToTheMaximum) {
  RingOptions o = Options();
  o.retry_initial = std::chrono::milliseconds(1);
  o.retry_max = std::chrono::milliseconds(32);
  ASSERT_TRUE(Open(o).ok());
  fs_.FailWith(base::IoError("write: input/output error"));
  ASSERT_TRUE(ring_->Append(TaggedBatch("x", 1), nullptr).ok());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Healthy(); }));
  // Over 200 ms: 1, 2, 4, 8, 16, 32, 32, ... ms makes about 10 retries, where a fixed
  // 1 ms delay would make about 200.
  const uint64_t before = fs_.FailedCalls();
  bool elapsed = false;
  base::UvHandle<uv_timer_t> window;
  ASSERT_EQ(uv_timer_init(&loop_, window.get()), 0);
  window.MarkInitialized();
  window->data = &elapsed;
  uv_timer_start(
      window.get(), [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, 200, 0);
  ASSERT_TRUE(RunUntil([&] { return elapsed; }));
  const uint64_t retries = fs_.FailedCalls() - before;
  EXPECT_GE(retries, 3u);
  EXPECT_LE(retries, 40u);
  EXPECT_FALSE(ring_->Healthy());
}

}  // namespace
}  // namespace buffer
