// ProcessingBuffer: the event buffer an input appends to when it has processors. It runs
// the input's ProcessorChain over each batch in Append() and forwards what is left to the
// real buffer (the ring), so dropped or redacted data never reaches the disk. Everything
// else (Full, Read, Ack, ...) is the real buffer's.
//
// on_durable ordering: an input advances its checkpoint in on_durable callbacks, which
// must run in append order. A batch whose events were all dropped is not forwarded (an
// empty frame would cost a write and a read for nothing); its callback runs as soon as
// every batch forwarded before it is durable: at once when none is pending, otherwise
// right after the callback of the last one forwarded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "agent/processors/processor_chain.h"
#include "buffer/event_buffer.h"

namespace agent {

struct ProcessingStats {
  uint64_t batches_in = 0;
  uint64_t batches_dropped = 0;  // every event dropped: not forwarded
  uint64_t events_in = 0;
  uint64_t events_dropped = 0;
};

class ProcessingBuffer final : public buffer::EventBuffer {
 public:
  // Borrows `inner`, which must outlive this object; the callbacks handed to it only touch
  // state shared with them (see Ordering), so they may run after this object is gone.
  ProcessingBuffer(buffer::EventBuffer& inner, ProcessorChain chain);
  ~ProcessingBuffer() override;

  base::Status Append(buffer::EventBatch batch, std::function<void()> on_durable) override;
  bool Full() const override { return inner_.Full(); }
  void SetOnSpace(std::function<void()> on_space) override {
    inner_.SetOnSpace(std::move(on_space));
  }
  std::optional<Lease> Read() override { return inner_.Read(); }
  void Ack(uint64_t lease_id) override { inner_.Ack(lease_id); }
  void SetOnReadable(std::function<void()> on_readable) override {
    inner_.SetOnReadable(std::move(on_readable));
  }
  std::size_t PendingBatches() const override { return inner_.PendingBatches(); }

  const ProcessorChain& chain() const { return chain_; }
  const ProcessingStats& stats() const { return stats_; }

 private:
  // Shared (std::shared_ptr) with the callbacks given to the inner buffer, which may run
  // them after this decorator is destroyed (the pipeline drains the buffer at shutdown).
  struct Ordering {
    uint64_t last_forwarded = 0;  // sequence number of the last batch forwarded
    uint64_t last_durable = 0;    // ... and of the last whose on_durable ran
    // Callbacks of dropped batches, each waiting for a forwarded sequence number.
    std::deque<std::pair<uint64_t, std::function<void()>>> waiting;
  };

  buffer::EventBuffer& inner_;
  ProcessorChain chain_;
  ProcessingStats stats_;
  std::shared_ptr<Ordering> ordering_ = std::make_shared<Ordering>();
};

}  // namespace agent
