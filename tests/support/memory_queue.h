// MemoryQueue: a bounded in-memory EventBuffer for tests of the inputs and the output, which
// need the EventBuffer contract without the ring's disk and thread pool. The agent itself
// always runs on the ring (buffer/ring.h).
//
// Nothing in it survives a crash, so it reports a batch durable only once the output has
// acknowledged it (and every batch before it): inputs then checkpoint only what
// Elasticsearch has, and a restart re-reads the rest. Bounded by `max_bytes`: Full() turns
// true at the bound and false again below three quarters of it (hysteresis, so inputs do
// not flap between reading and waiting).
#pragma once

#include <deque>

#include "buffer/event_buffer.h"

namespace buffer {

class MemoryQueue final : public EventBuffer {
 public:
  explicit MemoryQueue(std::size_t max_bytes);
  MemoryQueue(const MemoryQueue&) = delete;
  MemoryQueue& operator=(const MemoryQueue&) = delete;

  base::Status Append(EventBatch batch, std::function<void()> on_durable) override;
  bool Full() const override { return full_; }
  void SetOnSpace(std::function<void()> on_space) override { on_space_ = std::move(on_space); }

  std::optional<Lease> Read() override;
  void Ack(uint64_t lease_id) override;
  void SetOnReadable(std::function<void()> on_readable) override {
    on_readable_ = std::move(on_readable);
  }

  std::size_t PendingBatches() const override { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    EventBatch batch;
    std::function<void()> on_durable;
    std::size_t bytes = 0;
    bool acked = false;
  };

  const std::size_t max_bytes_;
  std::deque<Entry> entries_;  // entries_[i] has id front_id_ + i; deque keeps addresses
  uint64_t front_id_ = 0;
  uint64_t next_read_id_ = 0;
  std::size_t bytes_ = 0;
  bool full_ = false;
  bool reader_waiting_ = false;
  std::function<void()> on_space_;
  std::function<void()> on_readable_;
};

}  // namespace buffer
