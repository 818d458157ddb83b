// BulkRequest: renders events as an Elasticsearch `_bulk` NDJSON body (transport stage 1 of
// "Life of a log line", after buffer/ring_reader) and remembers which (lease, event) each
// operation is, so the response's items map back to events.
//
// Per event, two lines (elasticsearch-bulk.md §1; the body always ends with '\n'):
//   {"create":{"_index":"<index>","_id":"<document_id.h>"}}
//   {"@timestamp":"2026-11-22T09:12:03.123Z","message":"...","log.offset":N,
//    "log.flags":["invalid_utf8","truncated","partial"],"data_stream.type":"logs",
//    "data_stream.dataset":"app","data_stream.namespace":"default",
//    <shared_fields_json>, <fields_json>}
// `_id` is left out when deterministic ids are off; "log.flags" only when a flag is set; the
// batch's shared fields and the event's fields only when non-empty.
//
// The index is the batch's (an input's `index`) or the default one, and may be a template
// with event-time dates and field references (index_template.h), so the events of one
// batch can go to different indices: every action line names its `_index`. An event whose
// template refers to a missing field goes to `index_fallback` (counted). When the index
// is a data stream (`logs-<dataset>-<namespace>`, or any `<type>-<dataset>-<namespace>`
// with `data_stream`), the document carries data_stream.type/dataset/namespace derived
// from the name (the built-in `logs` template maps them as constant keywords, which must
// match the name), unless the batch's shared fields already set data_stream.* themselves.
// ecs.version is one of the agent's shared fields (agent/shared_fields.h). What skiff adds per
// event uses dotted names ("log.offset"), as the agent does for the shared fields
// ("log.file.path"), so a user's own `log` object never produces a duplicate key;
// Elasticsearch expands the dots into objects.
//
// Hot path: the body string and the item list are reused across requests (Clear() keeps
// their capacity); per batch the escaped action-line prefix and the id seed are computed
// once; per event nothing is allocated once the buffers have grown.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/event.h"
#include "transport/document_id.h"
#include "transport/index_template.h"

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
  // Treat every `<type>-<dataset>-<namespace>` name as a data stream (not only logs-*-*).
  bool data_stream = false;
  // Where an event goes when its index template refers to a missing field. Dates allowed.
  std::string index_fallback = "logs-generic-default";
};

class BulkRequest {
 public:
  explicit BulkRequest(BulkRequestOptions options);

  // Empties the body and the item list, keeping their capacity.
  void Clear();

  // Appends the operation for `batch.events[event_index]`. `batch` must stay valid while
  // this request is rendered (the caller holds its lease).
  void Add(uint64_t lease_id, const buffer::EventBatch& batch, uint32_t event_index);
  // Documents added from now on carry "agent.identity": `subject` (none when empty).
  void set_identity(std::string_view subject);

  // Undoes the last Add(), e.g. when it pushed the body over the size limit. Only once.
  void RemoveLast();

  std::string_view body() const { return body_; }
  // Hands the rendered body over (to the HTTP client); the next render starts empty.
  std::string TakeBody();
  const std::vector<BulkItemRef>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  // Appends the document line of `event` without its newline. `extra_fields` (members
  // without braces, may be empty) go after skiff's own fields.
  static void AppendDocument(std::string& out, std::string_view identity_member,
                             const buffer::EventBatch& batch, const buffer::Event& event,
                             std::string_view extra_fields = {});

  // What a dead letter stores: the document as the request carries it, and its index.
  // Both strings are replaced.
  void RenderForDeadLetter(uint64_t lease_id, const buffer::EventBatch& batch, uint32_t event_index,
                           std::string& document, std::string& index);

  const std::string& IndexOf(const buffer::EventBatch& batch) const {
    return batch.index.empty() ? options_.default_index : batch.index;
  }

  // Events sent to index_fallback because a field their template refers to was missing.
  uint64_t index_fallbacks() const { return index_fallbacks_; }

 private:
  struct CompiledTemplate {
    std::string text;
    IndexTemplate index;
  };

  void PrepareBatch(uint64_t lease_id, const buffer::EventBatch& batch);
  // Points the action prefix and data stream fields at `index_` (the name of this event).
  void PrepareIndex(const buffer::EventBatch& batch, const buffer::Event& event);
  const IndexTemplate& TemplateFor(const std::string& text);
  void BuildPrefix();

  const BulkRequestOptions options_;
  std::string body_;
  std::vector<BulkItemRef> items_;
  std::size_t size_before_last_ = 0;
  // Per-batch cache, keyed by lease id (unique, unlike batch addresses which get reused).
  bool cache_valid_ = false;
  uint64_t cached_lease_ = 0;
  const IndexTemplate* template_ = nullptr;  // the cached batch's; points into templates_
  bool batch_sets_data_stream_ = false;      // the shared fields carry data_stream.*
  std::string action_prefix_;                // {"create":{"_index":"...","_id":"  or  ...}}\n whole
  std::string prefix_index_;                 // the index action_prefix_ names
  bool prefix_valid_ = false;
  std::string data_stream_fields_;  // "data_stream.type":...; empty when not a data stream
  std::string identity_subject_;
  std::string identity_member_;  // "agent.identity":"..." or empty
  std::string index_;            // scratch: this event's index
  DocumentId cached_id_{"", "", 0};
  // Templates by text, compiled once each (a batch names its index as text). Few: one per
  // input `index` and the defaults. unique_ptr: template_ points into them.
  std::vector<std::unique_ptr<CompiledTemplate>> templates_;
  IndexTemplate fallback_;
  uint64_t index_fallbacks_ = 0;
};

}  // namespace transport
