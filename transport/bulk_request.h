// BulkRequest: renders events as an Elasticsearch `_bulk` NDJSON body (transport stage 1 of
// "Life of a log line", after buffer/ring_reader) and remembers which (lease, event) each
// operation is, so the response's items map back to events.
//
// Per event, two lines (elasticsearch-bulk.md §1; the body always ends with '\n'):
//   {"create":{"_index":"<index>","_id":"<document_id.h>"}}
//   {"@timestamp":"2026-11-22T09:12:03.123Z","message":"...","log.offset":N,
//    "log.flags":["invalid_utf8","truncated","partial"], <shared_fields_json>, <fields_json>}
// `_id` is left out when deterministic ids are off; "log.flags" only when a flag is set; the
// batch's shared fields and the event's fields only when non-empty. What skiff adds per
// event uses dotted names ("log.offset"), as the agent does for the shared fields
// ("log.file.path"), so a user's own `log` object never produces a duplicate key;
// Elasticsearch expands the dots into objects.
//
// Hot path: the body string and the item list are reused across requests (Clear() keeps
// their capacity); per batch the escaped action-line prefix and the id seed are computed
// once; per event nothing is allocated once the buffers have grown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/event.h"
#include "transport/document_id.h"

namespace transport {

// One operation of a request: event `event_index` of the batch held by lease `lease_id`.
struct BulkItemRef {
  uint64_t lease_id;
  uint32_t event_index;
};

struct BulkRequestOptions {
  std::string agent_id;       // part of every _id
  std::string default_index;  // for batches without their own index
  bool deterministic_ids = true;
  // Capacity each new body starts with. A request is cut when the next document would
  // pass max_batch_bytes, so max_batch_bytes plus room for one document keeps the body
  // from ever doubling its buffer (which doubled the memory of every request in flight).
  std::size_t body_reserve_bytes = 0;
};

class BulkRequest {
 public:
  explicit BulkRequest(BulkRequestOptions options);

  // Empties the body and the item list, keeping their capacity.
  void Clear();

  // Appends the operation for `batch.events[event_index]`. `batch` must stay valid while
  // this request is rendered (the caller holds its lease).
  void Add(uint64_t lease_id, const buffer::EventBatch& batch, uint32_t event_index);
  // Undoes the last Add(), e.g. when it pushed the body over the size limit. Only once.
  void RemoveLast();

  std::string_view body() const { return body_; }
  // Hands the rendered body over (to the HTTP client); the next render starts empty.
  std::string TakeBody();
  const std::vector<BulkItemRef>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  // Appends the document line of `event` without its newline: what the request carries
  // and what a dead letter stores.
  static void AppendDocument(std::string& out, const buffer::EventBatch& batch,
                             const buffer::Event& event);

  const std::string& IndexOf(const buffer::EventBatch& batch) const {
    return batch.index.empty() ? options_.default_index : batch.index;
  }

 private:
  void PrepareBatch(uint64_t lease_id, const buffer::EventBatch& batch);

  const BulkRequestOptions options_;
  std::string body_;
  std::vector<BulkItemRef> items_;
  std::size_t size_before_last_ = 0;
  // Per-batch cache, keyed by lease id (unique, unlike batch addresses which get reused).
  bool cache_valid_ = false;
  uint64_t cached_lease_ = 0;
  std::string action_prefix_;  // {"create":{"_index":"...","_id":"  or  ...}}\n whole
  DocumentId cached_id_{"", "", 0};
};

}  // namespace transport
