#include "agent/processors/processing_buffer.h"

namespace agent {

ProcessingBuffer::ProcessingBuffer(buffer::EventBuffer& inner, ProcessorChain chain)
    : inner_(inner), chain_(std::move(chain)) {}

ProcessingBuffer::~ProcessingBuffer() = default;

base::Status ProcessingBuffer::Append(buffer::EventBatch batch, std::function<void()> on_durable) {
  ++stats_.batches_in;
  stats_.events_in += batch.events.size();
  stats_.events_dropped += chain_.Run(batch);
  Ordering& ordering = *ordering_;
  if (batch.events.empty()) {
    ++stats_.batches_dropped;
    if (ordering.last_durable == ordering.last_forwarded) {
      if (on_durable) on_durable();
    } else {
      ordering.waiting.emplace_back(ordering.last_forwarded, std::move(on_durable));
    }
    return base::Status::Ok();
  }
  uint64_t sequence = ordering.last_forwarded + 1;
  base::Status status = inner_.Append(
      std::move(batch),
      [ordering = ordering_, sequence, on_durable = std::move(on_durable)]() mutable {
        if (on_durable) on_durable();
        ordering->last_durable = sequence;
        // Dropped batches appended after this one and before the next forwarded one.
        while (!ordering->waiting.empty() && ordering->waiting.front().first <= sequence) {
          std::function<void()> waiter = std::move(ordering->waiting.front().second);
          ordering->waiting.pop_front();
          if (waiter) waiter();
        }
      });
  if (status.ok()) ordering.last_forwarded = sequence;
  return status;
}

}  // namespace agent
