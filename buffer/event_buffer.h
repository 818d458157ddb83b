// EventBuffer: where inputs put batches and the output takes them from.
//
// The on-disk ring (ring.h) implements it in the agent; processors wrap it
// (agent/processors/processing_buffer.h), and tests use an in-memory queue
// (tests/support/memory_queue.h). Everything runs on the event-loop thread.
//
// Producer side: Append() takes a batch and later calls its `on_durable` callback once the
// batch can no longer be lost (ring: after fsync; the test queue: when the output
// acknowledged it). Callbacks run in append order, so an input can advance its checkpoint on each.
// While Full() is true, producers stop reading; `on_space` runs when room frees up.
//
// Consumer side: Read() hands out the next batch as a lease; the batch stays valid and in
// place until Ack(lease.id). Leases may be acknowledged in any order. Read() may return
// nothing while a batch is still being decoded; `on_readable` then runs when one is ready.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "buffer/event.h"
#include "platforms/base/status.h"

namespace buffer {

class EventBuffer {
 public:
  struct Lease {
    uint64_t id;
    const EventBatch* batch;  // valid until Ack(id)
  };

  virtual ~EventBuffer() = default;

  virtual base::Status Append(EventBatch batch, std::function<void()> on_durable) = 0;
  virtual bool Full() const = 0;
  virtual void SetOnSpace(std::function<void()> on_space) = 0;

  virtual std::optional<Lease> Read() = 0;
  virtual void Ack(uint64_t lease_id) = 0;
  // Runs when a batch becomes readable after Read() returned nothing.
  virtual void SetOnReadable(std::function<void()> on_readable) = 0;

  // Batches appended and not yet acknowledged.
  virtual std::size_t PendingBatches() const = 0;
};

}  // namespace buffer
