#include "transport/bulk_request.h"

#include <charconv>
#include <utility>

#include "platforms/base/json_writer.h"

namespace transport {
namespace {

void AppendUint(std::string& out, uint64_t v) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

struct FlagName {
  uint32_t bit;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {buffer::kFlagInvalidUtf8, "\"invalid_utf8\""},
    {buffer::kFlagTruncated, "\"truncated\""},
    {buffer::kFlagPartial, "\"partial\""},
    {buffer::kFlagParseFailed, "\"parse_failed\""},
};

}  // namespace

BulkRequest::BulkRequest(BulkRequestOptions options) : options_(std::move(options)) {
  body_.reserve(options_.body_reserve_bytes);
}

void BulkRequest::Clear() {
  body_.clear();
  items_.clear();
  size_before_last_ = 0;
}

std::string BulkRequest::TakeBody() {
  std::string out = std::move(body_);
  body_ = std::string();
  body_.reserve(options_.body_reserve_bytes);
  return out;
}

void BulkRequest::PrepareBatch(uint64_t lease_id, const buffer::EventBatch& batch) {
  if (cache_valid_ && cached_lease_ == lease_id) return;
  action_prefix_.clear();
  action_prefix_.append("{\"create\":{\"_index\":");
  base::AppendJsonString(action_prefix_, IndexOf(batch));
  if (options_.deterministic_ids) {
    action_prefix_.append(",\"_id\":\"");
    cached_id_ = DocumentId(options_.agent_id, batch.source_key, batch.generation);
  } else {
    action_prefix_.append("}}\n");
  }
  cached_lease_ = lease_id;
  cache_valid_ = true;
}

void BulkRequest::Add(uint64_t lease_id, const buffer::EventBatch& batch, uint32_t event_index) {
  PrepareBatch(lease_id, batch);
  const buffer::Event& event = batch.events[event_index];
  size_before_last_ = body_.size();
  body_.append(action_prefix_);
  if (options_.deterministic_ids) {
    cached_id_.AppendTo(body_, event.offset);
    body_.append("\"}}\n");
  }
  AppendDocument(body_, batch, event);
  body_ += '\n';
  items_.push_back(BulkItemRef{lease_id, event_index});
}

void BulkRequest::RemoveLast() {
  if (items_.empty()) return;
  items_.pop_back();
  body_.resize(size_before_last_);
}

void BulkRequest::AppendDocument(std::string& out, const buffer::EventBatch& batch,
                                 const buffer::Event& event) {
  out.append("{\"@timestamp\":");
  base::AppendJsonTimestamp(out, event.time_unix_nanos);
  out.append(",\"message\":");
  base::AppendJsonString(out, event.message);
  out.append(",\"log.offset\":");
  AppendUint(out, event.offset);
  if (event.flags != 0) {
    out.append(",\"log.flags\":[");
    bool first = true;
    for (const FlagName& f : kFlagNames) {
      if ((event.flags & f.bit) == 0) continue;
      if (!first) out += ',';
      out.append(f.name);
      first = false;
    }
    out += ']';
  }
  if (!batch.shared_fields_json.empty()) {
    out += ',';
    out.append(batch.shared_fields_json);
  }
  if (!event.fields_json.empty()) {
    out += ',';
    out.append(event.fields_json);
  }
  out += '}';
}

}  // namespace transport
