#include "buffer/ring.h"

#include <gtest/gtest.h>

#include "buffer/crc32c.h"
#include "buffer/frame_format.h"
#include "buffer/ring_cursor.h"
#include "buffer/segment_header.h"
#include "tests/buffer/ring_test_support.h"

namespace buffer {
namespace {

class RingTest : public RingTestBase {
 protected:
  // Appends `count` batches tagged prefix0.. and waits until all are durable.
  void AppendDurable(const std::string& prefix, int count, int events = 3) {
    int durable = 0;
    for (int i = 0; i < count; ++i) {
      base::Status s = AppendWhenRoom(TaggedBatch(prefix + std::to_string(i), events),
                                      [&durable] { ++durable; });
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(RunUntil([&] { return durable == count; }));
  }
};

TEST_F(RingTest, ReadsAppendedBatchesBackInOrderWithTheirContents) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EventBatch batch = TaggedBatch("a", 5);
  batch.events[2].fields_json = R"("k":"v")";
  batch.events[3].flags = kFlagTruncated;
  ASSERT_TRUE(ring_->Append(batch, nullptr).ok());
  ASSERT_TRUE(ring_->Append(TaggedBatch("b", 1), nullptr).ok());
  EXPECT_EQ(ring_->PendingBatches(), 2u);
  auto lease = ReadNext();
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->batch->source_key, "a");
  EXPECT_EQ(lease->batch->index, batch.index);
  EXPECT_EQ(lease->batch->shared_fields_json, batch.shared_fields_json);
  ASSERT_EQ(lease->batch->events.size(), 5u);
  EXPECT_EQ(lease->batch->events[2].fields_json, R"("k":"v")");
  EXPECT_EQ(lease->batch->events[3].flags, kFlagTruncated);
  EXPECT_EQ(lease->batch->events[4].offset, 400u);
  EXPECT_EQ(lease->batch->events[4].message, batch.events[4].message);
  EXPECT_EQ(Drain(false), std::vector<std::string>{"b"});
  EXPECT_FALSE(ring_->Read().has_value());
}

TEST_F(RingTest, RunsOnDurableCallbacksInAppendOrderOnlyAfterFsync) {
  RingOptions o = SmallOptions();
  o.fsync = FsyncMode::kBatch;
  o.fsync_interval = std::chrono::milliseconds(5);
  o.max_pending_batches = 64;  // all 30 on the pool at once: they finish in any order
  ASSERT_TRUE(Open(o).ok());
  std::vector<int> order;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        ring_->Append(TaggedBatch("b" + std::to_string(i), 2), [&order, i] { order.push_back(i); })
            .ok());
    if (i == 10) {
      ASSERT_TRUE(ring_->Append(EventBatch{}, [&order] { order.push_back(-1); }).ok());
    }
  }
  EXPECT_TRUE(order.empty()) << "callbacks must not run inside Append";
  ASSERT_TRUE(RunUntil([&] { return order.size() == 31; }));
  std::vector<int> expected;
  for (int i = 0; i < 30; ++i) {
    expected.push_back(i);
    if (i == 10) expected.push_back(-1);
  }
  EXPECT_EQ(order, expected);
  // Durable means synced: a crash now loses nothing.
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(false).size(), 30u);
}

TEST_F(RingTest, UnsyncedBatchesMayBeLostInACrashButNeverReportedDurable) {
  RingOptions o = SmallOptions();
  o.fsync = FsyncMode::kBatch;
  o.fsync_interval = std::chrono::hours(1);
  ASSERT_TRUE(Open(o).ok());
  bool durable = false;
  ASSERT_TRUE(ring_->Append(TaggedBatch("lost", 2), [&] { durable = true; }).ok());
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(durable);
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(o).ok());
  EXPECT_TRUE(Drain(false).empty());
}

TEST_F(RingTest, AdvancesTheCursorOnlyOverTheContiguousAcknowledgedPrefix) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("a", 4);
  std::vector<EventBuffer::Lease> leases;
  while (leases.size() < 4) {
    auto l = ReadNext();
    ASSERT_TRUE(l.has_value());
    leases.push_back(*l);
  }
  EXPECT_FALSE(ring_->Read().has_value());
  ring_->Ack(leases[1].id);
  ring_->Ack(leases[3].id);
  ring_->Ack(leases[3].id);  // twice: ignored
  EXPECT_EQ(ring_->PendingBatches(), 4u);
  ring_->Ack(leases[0].id);
  EXPECT_EQ(ring_->PendingBatches(), 2u);  // a3 is acknowledged but not part of the prefix
  ASSERT_TRUE(ring_->Flush().ok());
  ring_.reset();
  fs_.Crash();
  ASSERT_TRUE(Open(SmallOptions()).ok());
  // The cursor covers a0 and a1 only: a3 is sent again (at-least-once).
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"a2", "a3"}));
}

TEST_F(RingTest, RollsOverSegmentsAndDeletesThemOnceAcknowledged) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("s", 60, 20);
  EXPECT_GT(fs_.Paths().size(), 3u);
  EXPECT_LE(ring_->stats().bytes_on_disk, o.max_bytes);
  EXPECT_EQ(Drain(true).size(), 60u);
  EXPECT_EQ(ring_->PendingBatches(), 0u);
  ASSERT_TRUE(RunUntil([&] { return !fs_.Paths().empty(); }));
  ASSERT_TRUE(ring_->Flush().ok());
  // Only the cursor remains: every segment was acknowledged.
  EXPECT_EQ(fs_.Paths(), std::vector<std::string>{std::string(kDir) + "/cursor"});
  EXPECT_EQ(ring_->stats().bytes_on_disk, 0u);
  // Sequence numbers continue after a restart with no segment left.
  ring_.reset();
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("t", 1);
  EXPECT_EQ(Drain(false), std::vector<std::string>{"t0"});
}

TEST_F(RingTest, BlocksWhenFullAndWritesTheWaitingBatchOnceAcknowledgementsFreeSpace) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  bool on_space = false;
  ring_->SetOnSpace([&] { on_space = true; });
  int appended = 0;
  while (!ring_->Full()) {
    ASSERT_TRUE(ring_->Append(TaggedBatch("f" + std::to_string(appended), 20), nullptr).ok());
    ++appended;
    ASSERT_LT(appended, 1000);
    ASSERT_TRUE(Settle());  // so that Full() means "no space", not "batches being compressed"
  }
  EXPECT_LE(ring_->stats().bytes_on_disk, SmallOptions().max_bytes);
  EXPECT_EQ(ring_->Append(TaggedBatch("refused", 1), nullptr).code(),
            base::StatusCode::kResourceExhausted);
  EXPECT_EQ(ring_->PendingBatches(), static_cast<std::size_t>(appended));
  std::vector<std::string> read = Drain(true);
  EXPECT_TRUE(on_space);
  EXPECT_FALSE(ring_->Full());
  // The waiting batch was written after the acknowledged ones: nothing lost, order kept.
  auto waiting = ReadNext();
  ASSERT_TRUE(waiting.has_value());
  read.push_back(waiting->batch->source_key);
  ASSERT_EQ(read.size(), static_cast<std::size_t>(appended));
  for (int i = 0; i < appended; ++i)
    EXPECT_EQ(read[static_cast<std::size_t>(i)], "f" + std::to_string(i));
}

TEST_F(RingTest, DropOldestDeletesTheOldestSegmentAndCountsItsEvents) {
  RingOptions o = SmallOptions();
  o.when_full = WhenFull::kDropOldest;
  ASSERT_TRUE(Open(o).ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(AppendWhenRoom(TaggedBatch("d" + std::to_string(i), 20)).ok());
    ASSERT_LE(ring_->stats().bytes_on_disk, o.max_bytes);
  }
  ASSERT_TRUE(Settle());
  EXPECT_FALSE(ring_->Full());
  const uint64_t dropped = ring_->stats().dropped_events;
  EXPECT_GT(dropped, 0u);
  std::vector<std::string> left = Drain(false);
  EXPECT_EQ(left.back(), "d99");
  EXPECT_EQ(dropped, (100 - left.size()) * 20u);
}

TEST_F(RingTest, ReportsBytesFramesCompressionAndOldestUnacknowledgedAge) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("m", 2, 10);
  clock_.Advance(std::chrono::seconds(7));
  RingStats stats = ring_->stats();
  EXPECT_EQ(stats.frames, 2u);
  EXPECT_EQ(stats.bytes_on_disk, fs_.UsedBytes());
  EXPECT_GT(stats.CompressionRatio(), 1.0);
  EXPECT_EQ(ring_->OldestUnacknowledgedAge(), std::chrono::seconds(7));
  Drain(true);
  EXPECT_EQ(ring_->OldestUnacknowledgedAge(), std::chrono::nanoseconds(0));
}

TEST_F(RingTest, RefusesABatchThatCanNeverFit) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EventBatch batch;
  std::string noise;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 40000; ++i) {  // incompressible
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    noise.push_back(static_cast<char>('a' + x % 26));
  }
  batch.events.push_back(Event{0, 0, 0, noise, ""});
  EXPECT_EQ(ring_->Append(batch, nullptr).code(), base::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ring_->Full());
}

// --- Known failure modes (FORMAT.md "Recovery"): each one has a name. ---

TEST_F(RingTest, TornTailIsTruncatedOnOpenAndEarlierFramesSurvive) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("t", 2);
  ring_.reset();
  std::vector<std::byte>& bytes = fs_.Bytes(SegmentPath(0));
  const std::size_t intact = bytes.size();
  bytes.resize(intact + 20, std::byte{0x33});  // a torn third frame
  std::copy_n(bytes.begin() + kSegmentHeaderBytes, 20,
              bytes.begin() + static_cast<std::ptrdiff_t>(intact));
  fs_.MakeDurable(SegmentPath(0));
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(fs_.Bytes(SegmentPath(0)).size(), intact);
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"t0", "t1"}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
  AppendDurable("u", 1);  // appends continue after the cut
  EXPECT_EQ(Drain(false), std::vector<std::string>{"u0"});
}

TEST_F(RingTest, CrcMismatchSkipsTheFrameCountsItAndKeepsTheRest) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("c", 3);
  ring_.reset();
  std::vector<std::byte>& bytes = fs_.Bytes(SegmentPath(0));
  auto first = DecodeFrameHeader(
      std::span<const std::byte>(bytes).subspan(kSegmentHeaderBytes).first<kFrameHeaderBytes>());
  ASSERT_TRUE(first.has_value());
  const std::size_t second = kSegmentHeaderBytes + first->FrameBytes();
  bytes[second + kFrameHeaderBytes + 5] ^= std::byte{0x10};
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"c0", "c2"}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
  EXPECT_EQ(ring_->stats().dropped_events, 3u);
}

TEST_F(RingTest, TruncatedZstdFrameWithAValidCrcIsSkippedWhenRead) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("z", 2);
  ring_.reset();
  // Rewrite the first frame with half its zstd payload and CRCs that match the damage.
  std::vector<std::byte>& bytes = fs_.Bytes(SegmentPath(0));
  auto at = std::span<std::byte>(bytes).subspan(kSegmentHeaderBytes);
  auto h = DecodeFrameHeader(std::span<const std::byte>(at).first<kFrameHeaderBytes>());
  ASSERT_TRUE(h.has_value());
  std::vector<std::byte> rest(at.begin() + static_cast<std::ptrdiff_t>(h->FrameBytes()), at.end());
  std::vector<std::byte> payload(at.begin() + kFrameHeaderBytes,
                                 at.begin() + kFrameHeaderBytes + h->payload_bytes / 2);
  FrameHeader cut = *h;
  cut.payload_bytes = static_cast<uint32_t>(payload.size());
  std::array<std::byte, kFrameHeaderBytes> head{};
  EncodeFrameHeader(cut, payload, head);
  bytes.resize(kSegmentHeaderBytes);
  bytes.insert(bytes.end(), head.begin(), head.end());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(true), std::vector<std::string>{"z1"});
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
  EXPECT_EQ(ring_->stats().dropped_events, 3u);
  EXPECT_EQ(ring_->PendingBatches(), 0u);
}

TEST_F(RingTest, ZeroFilledRegionIsSkippedAndCounted) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("z", 3);
  ring_.reset();
  std::vector<std::byte>& bytes = fs_.Bytes(SegmentPath(0));
  auto h = DecodeFrameHeader(
      std::span<const std::byte>(bytes).subspan(kSegmentHeaderBytes).first<kFrameHeaderBytes>());
  ASSERT_TRUE(h.has_value());
  std::fill_n(bytes.begin() + kSegmentHeaderBytes, h->FrameBytes(), std::byte{0});
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"z1", "z2"}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
}

TEST_F(RingTest, ForeignFileInTheRingDirectoryIsIgnored) {
  fs_.WriteRaw(std::string(kDir) + "/notes.txt", std::vector<std::byte>(10, std::byte{'x'}));
  fs_.WriteRaw(std::string(kDir) + "/seg-12.zlog", std::vector<std::byte>(10, std::byte{'y'}));
  ASSERT_TRUE(fs_.CreateDir(kDir).ok());
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("f", 1);
  EXPECT_EQ(Drain(false), std::vector<std::string>{"f0"});
  EXPECT_TRUE(fs_.Exists(std::string(kDir) + "/notes.txt"));
}

TEST_F(RingTest, MissingSegmentIsReportedAsLostEventsAndTheRestIsRead) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  ASSERT_TRUE(Open(o).ok());
  int appended = 0;
  while (!fs_.Exists(SegmentPath(3))) {  // at least three full segments
    ASSERT_LT(appended, 1000);
    AppendDurable("m" + std::to_string(appended++) + "_", 1, 20);
  }
  ring_.reset();
  ASSERT_TRUE(fs_.Unlink(SegmentPath(1)).ok());
  ASSERT_TRUE(Open(o).ok());
  std::vector<std::string> left = Drain(false);
  EXPECT_LT(left.size(), static_cast<std::size_t>(appended));
  EXPECT_EQ(left.front(), "m0_0");
  EXPECT_EQ(left.back(), "m" + std::to_string(appended - 1) + "_0");
  EXPECT_EQ(ring_->stats().dropped_events,
            (static_cast<std::size_t>(appended) - left.size()) * 20u);
}

TEST_F(RingTest, CursorAheadOfTheDataContinuesFromTheCursor) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("a", 2);
  ring_.reset();
  ASSERT_TRUE(WriteRingCursor(fs_, kDir, 1000).ok());
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_TRUE(Drain(false).empty());
  AppendDurable("b", 1);
  ring_.reset();
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(false), std::vector<std::string>{"b0"});
}

TEST_F(RingTest, CorruptCursorMeansEverythingIsSentAgain) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  AppendDurable("a", 2);
  Drain(true);
  ASSERT_TRUE(ring_->Flush().ok());
  AppendDurable("b", 1);
  ring_.reset();
  fs_.Bytes(std::string(kDir) + "/cursor")[14] ^= std::byte{1};
  ASSERT_TRUE(Open(SmallOptions()).ok());
  EXPECT_EQ(Drain(false).back(), "b0");
}

// --- Compression and decompression on the thread pool ---

TEST_F(RingTest, WritesFramesInAppendOrderWhenCompressionFinishesOutOfOrder) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  o.segment_bytes = 16 * 4096;
  o.max_pending_batches = 16;
  ASSERT_TRUE(Open(o).ok());
  // A big batch first, then small ones: on a pool of several threads the small ones are
  // done long before the big one.
  ASSERT_TRUE(ring_->Append(TaggedBatch("big", 400, 120), nullptr).ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(ring_->Append(TaggedBatch("small" + std::to_string(i), 1), nullptr).ok());
  }
  std::vector<std::string> expected = {"big"};
  for (int i = 0; i < 8; ++i) expected.push_back("small" + std::to_string(i));
  EXPECT_EQ(Drain(false), expected);
  ring_.reset();
  ASSERT_TRUE(Open(o).ok());
  EXPECT_EQ(Drain(false), expected);
}

TEST_F(RingTest, FullTurnsOnWhileTooManyBatchesWaitToBeCompressedAndOnSpaceFollows) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  o.max_pending_batches = 3;
  ASSERT_TRUE(Open(o).ok());
  int on_space = 0;
  ring_->SetOnSpace([&] { ++on_space; });
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(ring_->Full());
    ASSERT_TRUE(ring_->Append(TaggedBatch("p" + std::to_string(i), 5), nullptr).ok());
  }
  EXPECT_TRUE(ring_->Full()) << "three batches wait for the pool";
  EXPECT_TRUE(ring_->stats().paused);
  EXPECT_EQ(ring_->stats().pending_batches, 3u);
  EXPECT_EQ(ring_->Append(TaggedBatch("refused", 1), nullptr).code(),
            base::StatusCode::kResourceExhausted);
  ASSERT_TRUE(RunUntil([&] { return on_space == 1; }));
  EXPECT_FALSE(ring_->Full());
  ASSERT_TRUE(Settle());
  EXPECT_EQ(ring_->stats().pending_batches, 0u);
  EXPECT_EQ(Drain(false), (std::vector<std::string>{"p0", "p1", "p2"}));
}

TEST_F(RingTest, FullTurnsOnWhenTheBatchesWaitingHoldTooManyBytes) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  o.max_pending_bytes = 2000;
  ASSERT_TRUE(Open(o).ok());
  ASSERT_TRUE(ring_->Append(TaggedBatch("a", 40, 60), nullptr).ok());  // about 3.7 KB
  EXPECT_TRUE(ring_->Full());
  ASSERT_TRUE(RunUntil([&] { return !ring_->Full(); }));
  EXPECT_EQ(Drain(false), std::vector<std::string>{"a"});
}

TEST_F(RingTest, ReadReturnsNothingUntilTheFrameIsDecodedThenCallsOnReadable) {
  ASSERT_TRUE(Open(SmallOptions()).ok());
  int readable = 0;
  ring_->SetOnReadable([&] { ++readable; });
  ASSERT_TRUE(ring_->Append(TaggedBatch("r", 3), nullptr).ok());
  EXPECT_FALSE(ring_->Read().has_value()) << "still being compressed";
  ASSERT_TRUE(RunUntil([&] { return readable == 1; }));
  auto lease = ring_->Read();
  ASSERT_TRUE(lease.has_value()) << "on_readable promised a batch";
  EXPECT_EQ(lease->batch->source_key, "r");
}

TEST_F(RingTest, FlushFinishesTheBatchesStillBeingCompressedSoACleanStopLosesNothing) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  o.fsync = FsyncMode::kBatch;
  o.fsync_interval = std::chrono::hours(1);
  o.max_pending_batches = 16;
  ASSERT_TRUE(Open(o).ok());
  std::vector<int> durable;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(ring_
                    ->Append(TaggedBatch("f" + std::to_string(i), 30),
                             [&durable, i] { durable.push_back(i); })
                    .ok());
  }
  ASSERT_TRUE(ring_->Flush().ok());  // no loop turn in between
  EXPECT_EQ(durable.size(), 12u) << "Flush runs the on_durable callbacks it made due";
  for (int i = 0; i < static_cast<int>(durable.size()); ++i)
    EXPECT_EQ(durable[static_cast<std::size_t>(i)], i);
  ring_.reset();
  fs_.Crash();  // only synced bytes survive
  ASSERT_TRUE(Open(o).ok());
  EXPECT_EQ(Drain(false).size(), 12u);
}

TEST_F(RingTest, DestroyingTheRingWhileJobsAreOnThePoolIsSafe) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  o.max_pending_batches = 16;
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("old", 3);  // frames to decode
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ring_->Append(TaggedBatch("n" + std::to_string(i), 50), [] { FAIL(); }).ok());
  }
  EXPECT_GT(ring_->JobsInFlight(), 0u);
  ring_.reset();  // the jobs come back to no one and free themselves
  EXPECT_EQ(base::CloseLoop(&loop_), 0);
  uv_loop_init(&loop_);  // TearDown closes it again
  ASSERT_TRUE(Open(o).ok());
  std::vector<std::string> left = Drain(false);
  ASSERT_GE(left.size(), 3u);
  EXPECT_EQ(left[0], "old0");
}

TEST_F(RingTest, ReusesDecodedBatchesOnceAcknowledged) {
  RingOptions o = SmallOptions();
  o.max_bytes = 64 * 4096;
  ASSERT_TRUE(Open(o).ok());
  AppendDurable("x", 1, 10);
  auto first = ReadNext();
  ASSERT_TRUE(first.has_value());
  const EventBatch* address = first->batch;
  ring_->Ack(first->id);
  // The acknowledged batch (and its strings' capacity) is decoded into again.
  AppendDurable("y", 1, 10);
  auto second = ReadNext();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->batch, address);
  EXPECT_EQ(second->batch->source_key, "y0");
  EXPECT_EQ(second->batch->events.size(), 10u);
}

}  // namespace
}  // namespace buffer
