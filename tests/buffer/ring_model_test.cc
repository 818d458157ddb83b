// Model-based test of the ring (after Vector's disk_v2 model tests): seeded random
// sequences of Append / Read / Ack / Flush / CrashAndReopen / FillDisk run against the real
// Ring over the FakeFilesystem and against a std::deque model, compared after every step.
//
// Tiny limits (4 KiB segments, three of them) make rollover and "block when full" happen
// in every run. A failure prints its seed; SKIFF_RING_SEED=<seed> replays that one
// sequence, SKIFF_SOAK=1 runs many more.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <string>

#include "buffer/ring.h"
#include "tests/buffer/ring_test_support.h"

namespace buffer {
namespace {

constexpr int kCiSequences = 1500;
constexpr int kSoakSequences = 30000;
constexpr int kStepsPerSequence = 120;

struct ModelEntry {
  uint64_t number = 0;  // also the tag: "e<number>"
  uint32_t events = 0;
  bool read = false;
  bool acked = false;
  uint64_t lease = 0;
};

class RingModelTest : public RingTestBase {
 protected:
  void RunSequence(uint64_t seed);

  RingOptions Options() const {
    RingOptions o = SmallOptions();
    o.fsync = fsync_;
    o.fsync_interval = std::chrono::hours(1);  // syncs come from Flush in kBatch
    return o;
  }
  void Append();
  void Read();
  void Ack();
  void Flush();
  void CrashAndReopen();
  void FillDisk();
  void Check();
  void PopAckedPrefix();
  void UpdateParked();

  std::mt19937_64 rng_;
  FsyncMode fsync_ = FsyncMode::kAlways;
  std::deque<ModelEntry> q_;                  // what the ring holds, oldest first
  std::deque<ModelEntry> acked_unpersisted_;  // acknowledged since the last Flush
  std::map<uint64_t, bool> durable_;          // entry number -> on_durable ran
  uint64_t last_durable_ = 0;                 // on_durable must run in append order
  uint64_t next_number_ = 1;
  bool parked_ = false;  // q_.back() waits in memory (Full())
  bool disk_full_ = false;
  bool ever_full_ = false;  // this run reached "block when full"
};

void RingModelTest::PopAckedPrefix() {
  while (!q_.empty() && q_.front().acked) {
    acked_unpersisted_.push_back(q_.front());
    q_.pop_front();
  }
}

void RingModelTest::UpdateParked() {
  if (parked_ && !ring_->Full()) parked_ = false;
}

void RingModelTest::Append() {
  const uint64_t number = next_number_++;
  const int events = std::uniform_int_distribution<int>(1, 30)(rng_);
  const auto line = std::uniform_int_distribution<std::size_t>(10, 200)(rng_);
  const bool was_full = ring_->Full();
  // Random letters compress about 1.7:1, so a few batches fill a segment and the ring.
  EventBatch batch = TaggedBatch("e" + std::to_string(number), events, 0);
  for (Event& e : batch.events) {
    e.message.resize(line);
    for (char& c : e.message) c = static_cast<char>('a' + rng_() % 26);
  }
  base::Status s = ring_->Append(std::move(batch), [this, number] {
    ASSERT_GT(number, last_durable_) << "on_durable out of order";
    last_durable_ = number;
    durable_[number] = true;
  });
  if (was_full) {
    ASSERT_EQ(s.code(), base::StatusCode::kResourceExhausted) << s.ToString();
    return;
  }
  if (!s.ok()) {
    ASSERT_TRUE(disk_full_) << "append failed with room on disk: " << s.ToString();
    return;
  }
  q_.push_back(ModelEntry{number, static_cast<uint32_t>(events)});
  durable_[number] = false;
  if (ring_->Full()) {
    parked_ = true;
    ever_full_ = true;
  }
}

void RingModelTest::Read() {
  auto lease = ring_->Read();
  ModelEntry* expected = nullptr;
  for (std::size_t i = 0; i < q_.size(); ++i) {
    if (parked_ && i + 1 == q_.size()) break;
    if (!q_[i].read) {
      expected = &q_[i];
      break;
    }
  }
  if (expected == nullptr) {
    ASSERT_FALSE(lease.has_value()) << "read " << lease->batch->source_key;
    return;
  }
  ASSERT_TRUE(lease.has_value()) << "expected e" << expected->number;
  ASSERT_EQ(lease->batch->source_key, "e" + std::to_string(expected->number));
  ASSERT_EQ(lease->batch->events.size(), expected->events);
  expected->read = true;
  expected->lease = lease->id;
}

void RingModelTest::Ack() {
  std::vector<ModelEntry*> outstanding;
  for (ModelEntry& e : q_) {
    if (e.read && !e.acked) outstanding.push_back(&e);
  }
  if (outstanding.empty()) return;
  ModelEntry* e = outstanding[rng_() % outstanding.size()];
  e->acked = true;
  ring_->Ack(e->lease);
  PopAckedPrefix();
  UpdateParked();
}

void RingModelTest::Flush() {
  base::Status s = ring_->Flush();
  if (!s.ok()) {
    ASSERT_TRUE(disk_full_) << s.ToString();
    return;
  }
  acked_unpersisted_.clear();
  UpdateParked();
  for (std::size_t i = 0; i < q_.size(); ++i) {
    if (parked_ && i + 1 == q_.size()) break;
    ASSERT_TRUE(durable_[q_[i].number]) << "e" << q_[i].number << " not durable after Flush";
  }
}

void RingModelTest::FillDisk() {
  if (disk_full_) {
    fs_.ClearCapacity();
    disk_full_ = false;
  } else {
    fs_.SetCapacity(fs_.UsedBytes() + rng_() % 3000);
    disk_full_ = true;
  }
}

void RingModelTest::CrashAndReopen() {
  ring_.reset();
  fs_.Crash(&rng_);
  fs_.ClearCapacity();
  disk_full_ = false;
  ASSERT_TRUE(Open(Options()).ok());

  std::vector<EventBuffer::Lease> leases;
  while (auto lease = ring_->Read()) leases.push_back(*lease);
  // Candidates: acknowledgements not yet persisted may come back (at-least-once).
  std::vector<ModelEntry> candidates(acked_unpersisted_.begin(), acked_unpersisted_.end());
  candidates.insert(candidates.end(), q_.begin(), q_.end());
  if (parked_) candidates.pop_back();  // never written

  std::size_t start = candidates.size();
  if (!leases.empty()) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (leases[0].batch->source_key == "e" + std::to_string(candidates[i].number)) start = i;
    }
    ASSERT_LT(start, candidates.size()) << "recovered unknown " << leases[0].batch->source_key;
  }
  ASSERT_LE(start + leases.size(), candidates.size()) << "recovered more than was appended";
  for (std::size_t i = 0; i < leases.size(); ++i) {
    ASSERT_EQ(leases[i].batch->source_key, "e" + std::to_string(candidates[start + i].number))
        << "recovered batches are not a contiguous run";
  }
  // No loss: every durable, unacknowledged batch is back.
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const ModelEntry& e = candidates[i];
    if (!e.acked && durable_[e.number]) {
      ASSERT_TRUE(i >= start && i < start + leases.size()) << "lost durable e" << e.number;
    }
  }
  q_.clear();
  acked_unpersisted_.clear();
  for (std::size_t i = 0; i < leases.size(); ++i) {
    ModelEntry e = candidates[start + i];
    e.read = true;
    e.acked = false;
    e.lease = leases[i].id;
    durable_[e.number] = true;
    q_.push_back(e);
  }
  parked_ = false;
  last_durable_ = q_.empty() ? last_durable_ : std::max(last_durable_, q_.back().number);
}

void RingModelTest::Check() {
  uv_run(&loop_, UV_RUN_NOWAIT);  // deliver due on_durable callbacks
  ASSERT_EQ(ring_->PendingBatches(), q_.size());
  ASSERT_EQ(ring_->Full(), parked_);
  const RingStats stats = ring_->stats();
  ASSERT_LE(stats.bytes_on_disk, SmallOptions().max_bytes);
  uint64_t segment_bytes = 0;
  for (const std::string& path : fs_.Paths()) {
    if (path.find("/seg-") != std::string::npos) segment_bytes += fs_.Bytes(path).size();
  }
  ASSERT_EQ(stats.bytes_on_disk, segment_bytes);
  ASSERT_EQ(stats.corrupt_frames, 0u);
  ASSERT_EQ(stats.dropped_events, 0u);
}

void RingModelTest::RunSequence(uint64_t seed) {
  SCOPED_TRACE("replay with SKIFF_RING_SEED=" + std::to_string(seed));
  rng_.seed(seed);
  fsync_ = rng_() % 2 == 0 ? FsyncMode::kAlways : FsyncMode::kBatch;
  ASSERT_TRUE(Open(Options()).ok());
  for (int step = 0; step < kStepsPerSequence; ++step) {
    const int dice = static_cast<int>(rng_() % 100);
    if (dice < 40) {
      Append();
    } else if (dice < 65) {
      Read();
    } else if (dice < 87) {
      Ack();
    } else if (dice < 92) {
      Flush();
    } else if (dice < 96) {
      CrashAndReopen();
    } else {
      FillDisk();
    }
    if (HasFatalFailure()) {
      ADD_FAILURE() << "seed " << seed << " failed at step " << step;
      return;
    }
    Check();
    if (HasFatalFailure()) {
      ADD_FAILURE() << "seed " << seed << " diverged at step " << step;
      return;
    }
  }
}

TEST_F(RingModelTest, RandomSequencesMatchTheModel) {
  std::vector<uint64_t> seeds;
  if (const char* replay = std::getenv("SKIFF_RING_SEED")) {
    seeds.push_back(std::strtoull(replay, nullptr, 10));
  } else {
    const bool soak = std::getenv("SKIFF_SOAK") != nullptr;
    const int n = soak ? kSoakSequences : kCiSequences;
    for (int i = 0; i < n; ++i) seeds.push_back(0x5eed0000u + static_cast<uint64_t>(i));
  }
  std::size_t full_runs = 0;
  for (uint64_t seed : seeds) {
    ring_.reset();
    fs_ = FakeFilesystem();
    q_.clear();
    acked_unpersisted_.clear();
    durable_.clear();
    last_durable_ = 0;
    next_number_ = 1;
    parked_ = false;
    disk_full_ = false;
    ever_full_ = false;
    RunSequence(seed);
    if (HasFailure()) {
      std::cerr << "ring model failed; replay with SKIFF_RING_SEED=" << seed << "\n";
      return;
    }
    if (ever_full_) ++full_runs;
  }
  std::cerr << full_runs << " of " << seeds.size() << " sequences filled the ring\n";
  // The limits are small enough that nearly every run rolls over and fills the ring.
  if (seeds.size() > 100) {
    EXPECT_GT(full_runs, seeds.size() * 9 / 10);
  }
}

}  // namespace
}  // namespace buffer
