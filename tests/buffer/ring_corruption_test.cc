// Damaged segment files on a real filesystem (PosixFilesystem in a temporary directory):
// flipped bytes, truncated and zero-filled regions, broken segment headers and foreign
// files are detected, skipped and counted, and everything else is delivered intact
// (FORMAT.md "Recovery"). ring_test.cc covers the same failure modes over the fake
// filesystem; this file checks them through real files and adds seeded random damage.
#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "buffer/filesystem_posix.h"
#include "buffer/frame_reader.h"
#include "buffer/ring.h"
#include "buffer/segment_header.h"
#include "platforms/base/log.h"
#include "tests/buffer/ring_test_support.h"

namespace buffer {
namespace {

constexpr int kEventsPerBatch = 3;
constexpr int kRandomDamageTrials = 30;
// Bounds every wait on the ring; a healthy step takes milliseconds.
constexpr std::chrono::seconds kStepTimeout{10};

std::vector<std::byte> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

void WriteFile(const std::string& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

struct FrameSpan {
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// The frames of a sound segment file, in order.
std::vector<FrameSpan> FramesOf(std::span<const std::byte> segment) {
  std::vector<FrameSpan> out;
  FrameReader reader(segment, kSegmentHeaderBytes);
  while (auto f = reader.Next()) out.push_back({f->offset, f->header.FrameBytes()});
  return out;
}

class RingCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::SetLogLevel(base::LogLevel::kError);  // the damage is expected; keep output short
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "skiff-ring-corruption-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/ring";
    ASSERT_EQ(uv_loop_init(&loop_), 0);
  }

  void TearDown() override {
    ring_.reset();
    EXPECT_EQ(base::CloseLoop(&loop_), 0);
    if (!HasFailure()) std::filesystem::remove_all(root_);
  }

  RingOptions Options() const {
    RingOptions o;
    o.dir = dir_;
    o.segment_bytes = 4096;
    o.max_bytes = 256 * 4096;
    o.fsync = FsyncMode::kAlways;
    return o;
  }

  void Open() {
    ring_.reset();
    auto ring = Ring::Open(&loop_, fs_, Options(), clock_);
    ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
    ring_ = std::move(*ring);
  }

  // Appends batches `prefix`0.. `prefix`(count-1) through the real ring until all are
  // durable, then closes it cleanly.
  void Write(const std::string& prefix, int count, int events = kEventsPerBatch) {
    ASSERT_NO_FATAL_FAILURE(Open());
    int durable = 0;
    for (int i = 0; i < count; ++i) {
      std::string tag = prefix + std::to_string(i);
      expected_events_[tag] = events;
      const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
      base::Status s;
      while ((s = ring_->Append(TaggedBatch(tag, events), [&durable] { ++durable; })).code() ==
             base::StatusCode::kResourceExhausted) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the ring stayed full";
        uv_run(&loop_, UV_RUN_ONCE);
      }
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(RunUntil([&] { return durable == count; }));
    ASSERT_TRUE(ring_->Flush().ok());
    ring_.reset();
  }

  template <class Pred>
  bool RunUntil(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Reopens the ring and reads and acknowledges everything. Every batch must be exactly
  // what was appended under its tag; returns the tags in ring order.
  std::vector<std::string> DeliverAll() {
    std::vector<std::string> tags;
    Open();
    if (!ring_) return tags;
    ring_->SetOnReadable([] {});
    const bool drained = RunUntil([&] {
      while (auto lease = ring_->Read()) {
        CheckIntact(*lease->batch);
        tags.push_back(lease->batch->source_key);
        ring_->Ack(lease->id);
      }
      return ring_->PendingBatches() == 0;
    });
    EXPECT_TRUE(drained) << ring_->PendingBatches() << " batches never became readable";
    return tags;
  }

  void CheckIntact(const EventBatch& got) {
    auto it = expected_events_.find(got.source_key);
    ASSERT_NE(it, expected_events_.end()) << "unknown batch '" << got.source_key << "'";
    const EventBatch want = TaggedBatch(got.source_key, it->second);
    EXPECT_EQ(got.index, want.index);
    EXPECT_EQ(got.shared_fields_json, want.shared_fields_json);
    ASSERT_EQ(got.events.size(), want.events.size()) << got.source_key;
    for (std::size_t i = 0; i < want.events.size(); ++i) {
      EXPECT_EQ(got.events[i].message, want.events[i].message) << got.source_key;
      EXPECT_EQ(got.events[i].offset, want.events[i].offset) << got.source_key;
      EXPECT_EQ(got.events[i].time_unix_nanos, want.events[i].time_unix_nanos);
    }
  }

  std::string SegmentPath(uint64_t id) const { return dir_ + "/" + SegmentFileName(id); }

  std::vector<uint64_t> SegmentIds() const {
    std::vector<uint64_t> ids;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (auto id = ParseSegmentFileName(entry.path().filename().string())) ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  static std::vector<std::string> Tags(const std::string& prefix, std::initializer_list<int> ids) {
    std::vector<std::string> out;
    for (int i : ids) out.push_back(prefix + std::to_string(i));
    return out;
  }

  std::string root_;
  std::string dir_;
  uv_loop_t loop_{};
  PosixFilesystem fs_;
  FakeClock clock_;
  std::unique_ptr<Ring> ring_;
  std::map<std::string, int> expected_events_;  // tag -> events appended under it
};

TEST_F(RingCorruptionTest, FlippedPayloadByteLosesOnlyThatFrameAndIsCounted) {
  ASSERT_NO_FATAL_FAILURE(Write("p", 5));
  std::vector<std::byte> bytes = ReadFile(SegmentPath(0));
  std::vector<FrameSpan> frames = FramesOf(bytes);
  ASSERT_EQ(frames.size(), 5u);
  bytes[frames[2].offset + kFrameHeaderBytes + 7] ^= std::byte{0x01};
  WriteFile(SegmentPath(0), bytes);
  EXPECT_EQ(DeliverAll(), Tags("p", {0, 1, 3, 4}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
  EXPECT_EQ(ring_->stats().dropped_events, static_cast<uint64_t>(kEventsPerBatch));
}

TEST_F(RingCorruptionTest, FlippedHeaderByteIsSkippedByResynchronisingOnTheNextFrame) {
  ASSERT_NO_FATAL_FAILURE(Write("h", 4));
  std::vector<std::byte> bytes = ReadFile(SegmentPath(0));
  std::vector<FrameSpan> frames = FramesOf(bytes);
  ASSERT_EQ(frames.size(), 4u);
  bytes[frames[1].offset + 16] ^= std::byte{0x80};  // first_seq: the header CRC fails
  WriteFile(SegmentPath(0), bytes);
  EXPECT_EQ(DeliverAll(), Tags("h", {0, 2, 3}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
  EXPECT_EQ(ring_->stats().dropped_events, static_cast<uint64_t>(kEventsPerBatch));
}

TEST_F(RingCorruptionTest, TruncatedSegmentKeepsEveryFrameBeforeTheCutAndIsNotDamage) {
  ASSERT_NO_FATAL_FAILURE(Write("t", 4));
  std::vector<std::byte> bytes = ReadFile(SegmentPath(0));
  std::vector<FrameSpan> frames = FramesOf(bytes);
  ASSERT_EQ(frames.size(), 4u);
  bytes.resize(frames[3].offset + frames[3].bytes / 2);
  WriteFile(SegmentPath(0), bytes);
  ASSERT_NO_FATAL_FAILURE(Open());
  // The torn tail is cut on open, exactly at the end of the last whole frame.
  EXPECT_EQ(std::filesystem::file_size(SegmentPath(0)), frames[3].offset);
  EXPECT_EQ(DeliverAll(), Tags("t", {0, 1, 2}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
}

TEST_F(RingCorruptionTest, ZeroFilledRegionAcrossTwoFramesIsSkippedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(Write("z", 5));
  std::vector<std::byte> bytes = ReadFile(SegmentPath(0));
  std::vector<FrameSpan> frames = FramesOf(bytes);
  ASSERT_EQ(frames.size(), 5u);
  const uint64_t from = frames[1].offset + frames[1].bytes / 2;
  const uint64_t to = frames[2].offset + frames[2].bytes / 2;
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(from),
            bytes.begin() + static_cast<std::ptrdiff_t>(to), std::byte{0});
  WriteFile(SegmentPath(0), bytes);
  EXPECT_EQ(DeliverAll(), Tags("z", {0, 3, 4}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);  // one region
  EXPECT_EQ(ring_->stats().dropped_events, 2u * kEventsPerBatch);
}

TEST_F(RingCorruptionTest, CorruptSegmentHeaderDropsThatSegmentAndTheOthersAreDelivered) {
  ASSERT_NO_FATAL_FAILURE(Write("s", 30, 10));
  std::vector<uint64_t> ids = SegmentIds();
  ASSERT_GE(ids.size(), 3u);
  std::vector<std::byte> bytes = ReadFile(SegmentPath(ids[1]));
  std::vector<FrameSpan> lost = FramesOf(bytes);
  bytes[3] ^= std::byte{0xFF};  // the segment magic
  WriteFile(SegmentPath(ids[1]), bytes);
  std::vector<std::string> tags = DeliverAll();
  EXPECT_EQ(tags.size(), 30u - lost.size());
  EXPECT_EQ(tags.front(), "s0");
  EXPECT_EQ(tags.back(), "s29");
  EXPECT_TRUE(std::is_sorted(tags.begin(), tags.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.substr(1)) < std::stoi(b.substr(1));
  }));
  EXPECT_EQ(ring_->stats().corrupt_frames, 1u);
  EXPECT_EQ(ring_->stats().dropped_events, lost.size() * 10u);
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(ids[1])));
}

TEST_F(RingCorruptionTest, SegmentCutInsideItsHeaderIsRemovedWithoutCountingDamage) {
  ASSERT_NO_FATAL_FAILURE(Write("c", 3));
  const uint64_t next = SegmentIds().back() + 1;
  std::vector<std::byte> partial(10, std::byte{'S'});  // a crash while creating it
  WriteFile(SegmentPath(next), partial);
  EXPECT_EQ(DeliverAll(), Tags("c", {0, 1, 2}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(next)));
}

TEST_F(RingCorruptionTest, ForeignFilesInTheRingDirectoryAreIgnoredAndKept) {
  ASSERT_NO_FATAL_FAILURE(Write("f", 2));
  const std::vector<std::byte> junk(100, std::byte{'x'});
  WriteFile(dir_ + "/notes.txt", junk);
  WriteFile(dir_ + "/seg-7.zlog", junk);  // not 20 digits: not a segment
  std::filesystem::create_directory(dir_ + "/lost+found");
  EXPECT_EQ(DeliverAll(), Tags("f", {0, 1}));
  EXPECT_EQ(ring_->stats().corrupt_frames, 0u);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/seg-7.zlog"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/lost+found"));
}

// Seeded random damage: one to three flips, zero-filled ranges, truncations or deleted
// segments. A frame is delivered exactly when its bytes (and its segment's header) are
// unchanged; nothing altered is ever returned as data.
TEST_F(RingCorruptionTest, RandomDamageDeliversExactlyTheUndamagedFrames) {
  const uint64_t seed = std::getenv("SKIFF_SEED")
                            ? std::strtoull(std::getenv("SKIFF_SEED"), nullptr, 10)
                            : std::random_device{}();
  SCOPED_TRACE(base::StrCat("seed ", seed, " (replay with SKIFF_SEED=", seed, ")"));
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < kRandomDamageTrials; ++trial) {
    SCOPED_TRACE(base::StrCat("trial ", trial));
    std::filesystem::remove_all(dir_);
    expected_events_.clear();
    const std::string prefix = "r" + std::to_string(trial) + "_";
    ASSERT_NO_FATAL_FAILURE(Write(prefix, 24, 1 + static_cast<int>(rng() % 8)));

    // Before: every frame's bytes and which tag it holds (frames are in tag order).
    std::map<uint64_t, std::vector<std::byte>> before;
    for (uint64_t id : SegmentIds()) before[id] = ReadFile(SegmentPath(id));
    std::map<uint64_t, std::vector<std::byte>> after = before;
    const int damages = 1 + static_cast<int>(rng() % 3);
    for (int d = 0; d < damages; ++d) {
      auto it = after.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng() % after.size()));
      std::vector<std::byte>& bytes = it->second;
      if (bytes.empty()) continue;
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] ^= static_cast<std::byte>(1 + rng() % 255);
          break;
        case 1:
          std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                      std::min<std::size_t>(bytes.size() - at, 1 + rng() % 600), std::byte{0});
          break;
        case 2:
          bytes.resize(at);
          break;
        default:
          bytes.clear();  // deleted below
          break;
      }
    }
    std::set<std::string> expected;
    std::size_t tag_number = 0;
    for (const auto& [id, original] : before) {
      const std::vector<std::byte>& now = after[id];
      const bool header_intact =
          now.size() >= kSegmentHeaderBytes &&
          std::equal(original.begin(), original.begin() + kSegmentHeaderBytes, now.begin());
      for (const FrameSpan& f : FramesOf(original)) {
        const std::string tag = prefix + std::to_string(tag_number++);
        const bool intact =
            header_intact && now.size() >= f.offset + f.bytes &&
            std::equal(original.begin() + static_cast<std::ptrdiff_t>(f.offset),
                       original.begin() + static_cast<std::ptrdiff_t>(f.offset + f.bytes),
                       now.begin() + static_cast<std::ptrdiff_t>(f.offset));
        if (intact) expected.insert(tag);
      }
      if (after[id].empty() && !original.empty()) {
        std::filesystem::remove(SegmentPath(id));
      } else {
        WriteFile(SegmentPath(id), now);
      }
    }
    ASSERT_EQ(tag_number, 24u);
    std::vector<std::string> delivered = DeliverAll();
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()), expected);
    EXPECT_EQ(delivered.size(), expected.size()) << "a batch was delivered twice";
    ring_.reset();
  }
}

}  // namespace
}  // namespace buffer
