#include "tests/support/memory_queue.h"

#include <cassert>

namespace buffer {

MemoryQueue::MemoryQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

base::Status MemoryQueue::Append(EventBatch batch, std::function<void()> on_durable) {
  if (batch.events.empty()) {
    if (on_durable) on_durable();
    return base::Status::Ok();
  }
  std::size_t size = batch.ByteSize();
  entries_.push_back(Entry{std::move(batch), std::move(on_durable), size, false});
  bytes_ += size;
  if (bytes_ >= max_bytes_) full_ = true;
  if (reader_waiting_ && on_readable_) {
    reader_waiting_ = false;
    on_readable_();
  }
  return base::Status::Ok();
}

std::optional<EventBuffer::Lease> MemoryQueue::Read() {
  uint64_t end_id = front_id_ + entries_.size();
  if (next_read_id_ >= end_id) {
    reader_waiting_ = true;
    return std::nullopt;
  }
  uint64_t id = next_read_id_++;
  return Lease{id, &entries_[id - front_id_].batch};
}

void MemoryQueue::Ack(uint64_t lease_id) {
  if (lease_id < front_id_ || lease_id >= next_read_id_) return;  // unknown or already gone
  entries_[lease_id - front_id_].acked = true;
  // Durable callbacks run in append order: only the acknowledged prefix leaves.
  while (!entries_.empty() && entries_.front().acked) {
    Entry entry = std::move(entries_.front());
    entries_.pop_front();
    ++front_id_;
    bytes_ -= entry.bytes;
    if (entry.on_durable) entry.on_durable();
  }
  if (full_ && bytes_ < max_bytes_ / 4 * 3) {
    full_ = false;
    if (on_space_) on_space_();
  }
}

}  // namespace buffer
