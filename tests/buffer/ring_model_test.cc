// Model-based test of the ring (after Vector's disk_v2 model tests): seeded random
// sequences of Append / Read / Ack / Flush / CrashAndReopen / FillDisk run against the real
// Ring over the FakeFilesystem and against a std::deque model, compared after every step.
//
// Both overflow policies are covered (`block` and `drop_oldest`, chosen per seed), and so
// is the asynchronous side: batches are compressed and decoded on the libuv thread pool, an
// Append is sometimes followed by letting the jobs finish and sometimes not, so the bound
// on batches waiting to be compressed is reached too. FillDisk makes the disk full or
// failing (EIO) and back: the ring must then pause (Full(), !Healthy()) and lose nothing.
//
// Tiny limits (4 KiB segments, three of them) make rollover and "full" happen in every run.
// Disk retries come only from Flush() and acknowledgements (the retry timer is set to an
// hour), and the loop only runs until the thread pool is idle, so a seed replays the same
// sequence. A failure prints its seed;
// SKIFF_RING_SEED=<seed> replays that one sequence, SKIFF_SOAK=1 runs many more.
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
    o.when_full = when_full_;
    o.fsync_interval = std::chrono::hours(1);  // syncs come from Flush in kBatch
    o.retry_initial = std::chrono::hours(1);   // retries come from Flush and acks
    o.retry_max = std::chrono::hours(1);
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
  // drop_oldest: takes the entries the ring dropped off the front of the model.
  void TakeDropped();
  // Entries at the front of q_ that are written (the others wait in memory, in order).
  std::size_t Written() const { return q_.size() - ring_->stats().pending_batches; }

  std::mt19937_64 rng_;
  FsyncMode fsync_ = FsyncMode::kAlways;
  WhenFull when_full_ = WhenFull::kBlock;
  std::deque<ModelEntry> q_;                  // what the ring holds, oldest first
  std::deque<ModelEntry> acked_unpersisted_;  // acknowledged since the last Flush
  std::map<uint64_t, bool> durable_;          // entry number -> on_durable ran
  uint64_t last_durable_ = 0;                 // on_durable must run in append order
  uint64_t next_number_ = 1;
  uint64_t dropped_events_ = 0;  // what the model expects stats().dropped_events to be
  bool disk_trouble_ = false;    // FillDisk made the disk full or failing
  bool ever_full_ = false;       // block: the ring filled up (space, not the pool)
  bool ever_dropped_ = false;    // drop_oldest: the ring dropped a segment
  bool ever_paused_ = false;     // the ring reported disk trouble
  bool ever_bounded_ = false;    // max_pending_batches batches waited in memory
};

void RingModelTest::PopAckedPrefix() {
  while (!q_.empty() && q_.front().acked) {
    acked_unpersisted_.push_back(q_.front());
    q_.pop_front();
  }
}

void RingModelTest::TakeDropped() {
  const std::size_t pending = ring_->PendingBatches();
  if (pending >= q_.size()) return;
  ASSERT_EQ(when_full_, WhenFull::kDropOldest) << "batches vanished from a blocking ring";
  // Whole segments go, oldest first: a prefix of the model. Acknowledged ones are not
  // counted as dropped, and neither are leased ones: the output holds them and ships them.
  while (q_.size() > pending) {
    if (!q_.front().acked && !q_.front().read) dropped_events_ += q_.front().events;
    q_.pop_front();
  }
  ever_dropped_ = true;
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
  // Disk errors never fail an Append: they pause the ring later.
  ASSERT_TRUE(s.ok()) << s.ToString();
  q_.push_back(ModelEntry{number, static_cast<uint32_t>(events)});
  durable_[number] = false;
  if (rng_() % 2 == 0) {
    ASSERT_TRUE(Settle());  // else the jobs finish whenever they do
  }
}

void RingModelTest::Read() {
  ASSERT_TRUE(Settle());  // what is written is now known, and decoded ahead
  TakeDropped();          // writes that finished meanwhile may have dropped old segments
  if (HasFatalFailure()) return;
  ModelEntry* expected = nullptr;
  const std::size_t written = Written();
  for (std::size_t i = 0; i < written; ++i) {
    if (!q_[i].read) {
      expected = &q_[i];
      break;
    }
  }
  if (expected == nullptr) {
    auto lease = ring_->Read();
    ASSERT_FALSE(lease.has_value()) << "read " << lease->batch->source_key;
    return;
  }
  auto lease = ReadNext();
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
}

void RingModelTest::Flush() {
  base::Status s = ring_->Flush();
  if (!s.ok()) {
    ASSERT_TRUE(disk_trouble_) << s.ToString();
    ASSERT_FALSE(ring_->Healthy());
    return;
  }
  ASSERT_TRUE(ring_->Healthy()) << "Flush succeeded on a ring in trouble";
  acked_unpersisted_.clear();
  TakeDropped();
  // Everything written is durable; the rest waits for space (block), in append order.
  const std::size_t written = Written();
  for (std::size_t i = 0; i < written; ++i) {
    ASSERT_TRUE(durable_[q_[i].number]) << "e" << q_[i].number << " not durable after Flush";
  }
  if (written < q_.size()) {
    ASSERT_EQ(when_full_, WhenFull::kBlock) << "drop_oldest kept a batch waiting after Flush";
  }
}

void RingModelTest::FillDisk() {
  if (disk_trouble_) {
    fs_.ClearCapacity();
    fs_.ClearFailure();
    disk_trouble_ = false;
  } else if (rng_() % 4 == 0) {
    fs_.FailWith(base::IoError("write: input/output error"));
    disk_trouble_ = true;
  } else {
    fs_.SetCapacity(fs_.UsedBytes() + rng_() % 3000);
    disk_trouble_ = true;
  }
}

void RingModelTest::CrashAndReopen() {
  ring_.reset();  // jobs still on the pool are detached: their batches were never durable
  fs_.Crash(&rng_);
  fs_.ClearCapacity();
  fs_.ClearFailure();
  disk_trouble_ = false;
  ASSERT_TRUE(Open(Options()).ok());
  dropped_events_ = ring_->stats().dropped_events;  // recovery may count missing events

  std::vector<EventBuffer::Lease> leases;
  const std::size_t recovered = ring_->PendingBatches();
  while (leases.size() < recovered) {
    auto lease = ReadNext();
    ASSERT_TRUE(lease.has_value()) << "recovered " << recovered << ", read " << leases.size();
    leases.push_back(*lease);
  }
  // Candidates: acknowledgements not yet persisted may come back (at-least-once).
  std::vector<ModelEntry> candidates(acked_unpersisted_.begin(), acked_unpersisted_.end());
  candidates.insert(candidates.end(), q_.begin(), q_.end());

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
  last_durable_ = q_.empty() ? last_durable_ : std::max(last_durable_, q_.back().number);
}

void RingModelTest::Check() {
  // No loop turn here: the loop runs only inside steps, and then until the pool is idle,
  // so what a step sees does not depend on how fast the pool threads were (replayable).
  TakeDropped();
  ASSERT_EQ(ring_->PendingBatches(), q_.size());
  const RingStats stats = ring_->stats();
  // Full() exactly when one of its reasons holds (ring.h).
  if (!ring_->Healthy()) {
    ASSERT_TRUE(disk_trouble_ || ring_->stats().disk_trouble_episodes > 0);
    ASSERT_TRUE(ring_->Full()) << "disk trouble must pause the inputs";
    ever_paused_ = true;
  }
  if (stats.pending_batches >= Options().max_pending_batches) {
    ASSERT_TRUE(ring_->Full()) << "too many batches wait in memory";
    ever_bounded_ = true;
  }
  if (ring_->Healthy() && stats.pending_batches == 0) {
    ASSERT_FALSE(ring_->Full()) << "full with nothing waiting";
  }
  if (ring_->Full() && ring_->Healthy() && stats.pending_batches < Options().max_pending_batches) {
    ASSERT_EQ(when_full_, WhenFull::kBlock) << "drop_oldest never waits for space";
    ever_full_ = true;
  }
  ASSERT_LE(stats.bytes_on_disk, SmallOptions().max_bytes);
  uint64_t segment_bytes = 0;
  for (const std::string& path : fs_.Paths()) {
    if (path.find("/seg-") != std::string::npos) segment_bytes += fs_.Bytes(path).size();
  }
  ASSERT_EQ(stats.bytes_on_disk, segment_bytes);
  ASSERT_EQ(stats.corrupt_frames, 0u);
  ASSERT_EQ(stats.dropped_events, dropped_events_);
}

void RingModelTest::RunSequence(uint64_t seed) {
  SCOPED_TRACE("replay with SKIFF_RING_SEED=" + std::to_string(seed));
  rng_.seed(seed);
  fsync_ = rng_() % 2 == 0 ? FsyncMode::kAlways : FsyncMode::kBatch;
  when_full_ = rng_() % 2 == 0 ? WhenFull::kBlock : WhenFull::kDropOldest;
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
  std::size_t block_runs = 0;
  std::size_t full_runs = 0;
  std::size_t drop_runs = 0;
  std::size_t dropping_runs = 0;
  std::size_t paused_runs = 0;
  std::size_t bounded_runs = 0;
  for (uint64_t seed : seeds) {
    ring_.reset();
    ASSERT_EQ(base::CloseLoop(&loop_), 0);  // jobs of the previous run come back and go
    uv_loop_init(&loop_);
    fs_ = FakeFilesystem();
    q_.clear();
    acked_unpersisted_.clear();
    durable_.clear();
    last_durable_ = 0;
    next_number_ = 1;
    dropped_events_ = 0;
    disk_trouble_ = false;
    ever_full_ = false;
    ever_dropped_ = false;
    ever_paused_ = false;
    ever_bounded_ = false;
    RunSequence(seed);
    if (HasFailure()) {
      std::cerr << "ring model failed; replay with SKIFF_RING_SEED=" << seed << "\n";
      return;
    }
    if (when_full_ == WhenFull::kBlock) {
      ++block_runs;
      if (ever_full_) ++full_runs;
    } else {
      ++drop_runs;
      if (ever_dropped_) ++dropping_runs;
    }
    if (ever_paused_) ++paused_runs;
    if (ever_bounded_) ++bounded_runs;
  }
  std::cerr << full_runs << " of " << block_runs << " block sequences filled the ring, "
            << dropping_runs << " of " << drop_runs << " drop_oldest sequences dropped, "
            << paused_runs << " of " << seeds.size() << " paused on disk trouble, " << bounded_runs
            << " reached max_pending_batches\n";
  // The limits are small enough that nearly every run rolls over and fills the ring.
  if (seeds.size() > 100) {
    EXPECT_GT(full_runs, block_runs * 8 / 10);
    EXPECT_GT(dropping_runs, drop_runs * 8 / 10);
    EXPECT_GT(paused_runs, seeds.size() / 4);
    EXPECT_GT(bounded_runs, seeds.size() / 10);
  }
}

}  // namespace
}  // namespace buffer
