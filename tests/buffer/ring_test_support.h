// Shared helpers of the ring tests: a pinned clock, batches tagged by their source key, and
// a fixture owning a libuv loop and a FakeFilesystem.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "buffer/ring.h"
#include "buffer/segment_header.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"
#include "tests/buffer/fake_filesystem.h"

namespace buffer {

class FakeClock final : public base::Clock {
 public:
  int64_t NowUnixNanos() const override { return 1'700'000'000'000'000'000 + now_.count(); }
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(now_);
  }
  void Advance(std::chrono::nanoseconds d) { now_ += d; }

 private:
  std::chrono::nanoseconds now_{1'000'000'000};
};

// A batch of `events` log-like lines whose source_key is `tag` (tests identify batches by it).
inline EventBatch TaggedBatch(const std::string& tag, int events, std::size_t line_bytes = 60) {
  EventBatch batch{tag, 1, "logs-test-default", R"("host":{"name":"web-1"})", {}};
  for (int i = 0; i < events; ++i) {
    std::string line = tag + " GET /api/items/" + std::to_string(i) + " 200 ";
    line.resize(std::max(line.size(), line_bytes), 'x');
    batch.events.push_back(Event{static_cast<uint64_t>(i) * 100, 1'000 + i, 0, line, ""});
  }
  return batch;
}

class RingTestBase : public ::testing::Test {
 protected:
  static constexpr const char* kDir = "/data/ring";

  RingTestBase() { uv_loop_init(&loop_); }
  void TearDown() override {
    ring_.reset();
    EXPECT_EQ(base::CloseLoop(&loop_), 0);
  }

  RingOptions SmallOptions() const {
    RingOptions o;
    o.dir = kDir;
    o.segment_bytes = 4096;
    o.max_bytes = 3 * 4096;
    o.fsync = FsyncMode::kAlways;
    return o;
  }

  base::Status Open(RingOptions options) {
    ring_.reset();
    auto ring = Ring::Open(&loop_, fs_, std::move(options), clock_);
    if (!ring) return ring.error();
    ring_ = std::move(*ring);
    return base::Status::Ok();
  }

  // Runs the loop until `done` or about two seconds passed (never forever).
  template <class Pred>
  bool RunUntil(Pred done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Runs the loop until no compression or decompression job is on the thread pool.
  bool Settle() {
    return RunUntil([&] { return ring_->JobsInFlight() == 0; });
  }

  // The next lease, waiting for it to be decoded (nullopt after about two seconds).
  std::optional<EventBuffer::Lease> ReadNext() {
    std::optional<EventBuffer::Lease> lease;
    RunUntil([&] { return (lease = ring_->Read()).has_value(); });
    return lease;
  }

  // Appends once the ring has room (see Ring::Full()), waiting at most about two seconds.
  base::Status AppendWhenRoom(EventBatch batch, std::function<void()> on_durable = nullptr) {
    RunUntil([&] { return !ring_->Full(); });
    return ring_->Append(std::move(batch), std::move(on_durable));
  }

  // Reads everything the ring can hand out, waiting (about two seconds at most) for the
  // frames being compressed or decoded on the thread pool; acknowledges it when `ack`.
  // Returns the tags in order.
  std::vector<std::string> Drain(bool ack) {
    std::vector<std::string> tags;
    std::vector<uint64_t> leases;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (true) {
      if (auto lease = ring_->Read()) {
        tags.push_back(lease->batch->source_key);
        leases.push_back(lease->id);
        continue;
      }
      // Nothing readable and no job on the pool: nothing more will become readable.
      if (ring_->JobsInFlight() == 0 || std::chrono::steady_clock::now() > deadline) break;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    if (ack) {
      for (uint64_t id : leases) ring_->Ack(id);
    }
    return tags;
  }

  std::string SegmentPath(uint64_t id) const {
    return std::string(kDir) + "/" + SegmentFileName(id);
  }

  uv_loop_t loop_{};
  FakeFilesystem fs_;
  FakeClock clock_;
  std::unique_ptr<Ring> ring_;
};

}  // namespace buffer
