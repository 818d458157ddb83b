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
    {buffer::kFlagJsonParseFailed, "\"json_parse_failed\""},
    {buffer::kFlagTimestampParseFailed, "\"timestamp_parse_failed\""},
};

}  // namespace

BulkRequest::BulkRequest(BulkRequestOptions options) : options_(std::move(options)) {
  body_.reserve(options_.body_reserve_bytes);
  // The config checked both; a template that does not parse is used as a literal name.
  if (base::Result<IndexTemplate> t = IndexTemplate::Parse(options_.index_fallback);
      t.has_value() && !t->uses_fields()) {
    fallback_ = std::move(t).value();
  } else {
    fallback_ = IndexTemplate::Literal("logs-generic-default");
  }
}

const IndexTemplate& BulkRequest::TemplateFor(const std::string& text) {
  for (const auto& t : templates_) {
    if (t->text == text) return t->index;
  }
  auto compiled = std::make_unique<CompiledTemplate>();
  compiled->text = text;
  // The config checks templates; one that does not parse (a ring written by an older
  // version) is used as a literal name, and Elasticsearch's answer dead-letters it if bad.
  base::Result<IndexTemplate> parsed = IndexTemplate::Parse(text);
  compiled->index = parsed.has_value() ? std::move(parsed).value() : IndexTemplate::Literal(text);
  templates_.push_back(std::move(compiled));
  return templates_.back()->index;
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
  const std::string& text = IndexOf(batch);
  template_ = &TemplateFor(text);
  batch_sets_data_stream_ = batch.shared_fields_json.find("\"data_stream.") != std::string::npos;
  if (options_.deterministic_ids) {
    cached_id_ = DocumentId(options_.agent_id, batch.source_key, batch.generation);
  }
  prefix_valid_ = false;
  cached_lease_ = lease_id;
  cache_valid_ = true;
}

void BulkRequest::PrepareIndex(const buffer::EventBatch& batch, const buffer::Event& event) {
  if (template_->is_static()) {
    if (prefix_valid_) return;  // the same name for the whole batch
    index_.assign(template_->text());
  } else if (!template_->Render(batch, event, index_)) {
    ++index_fallbacks_;
    fallback_.Render(batch, event, index_);
  }
  if (prefix_valid_ && index_ == prefix_index_) return;
  prefix_index_.assign(index_);
  BuildPrefix();
}

void BulkRequest::BuildPrefix() {
  action_prefix_.clear();
  action_prefix_.append("{\"create\":{\"_index\":");
  base::AppendJsonString(action_prefix_, prefix_index_);
  action_prefix_.append(options_.deterministic_ids ? ",\"_id\":\"" : "}}\n");
  data_stream_fields_.clear();
  DataStreamName ds;
  if (!batch_sets_data_stream_ && SplitDataStreamName(prefix_index_, &ds) &&
      (options_.data_stream || ds.type == "logs")) {
    data_stream_fields_.append("\"data_stream.type\":");
    base::AppendJsonString(data_stream_fields_, ds.type);
    data_stream_fields_.append(",\"data_stream.dataset\":");
    base::AppendJsonString(data_stream_fields_, ds.dataset);
    data_stream_fields_.append(",\"data_stream.namespace\":");
    base::AppendJsonString(data_stream_fields_, ds.name_space);
  }
  prefix_valid_ = true;
}

void BulkRequest::Add(uint64_t lease_id, const buffer::EventBatch& batch, uint32_t event_index) {
  PrepareBatch(lease_id, batch);
  const buffer::Event& event = batch.events[event_index];
  PrepareIndex(batch, event);
  size_before_last_ = body_.size();
  body_.append(action_prefix_);
  if (options_.deterministic_ids) {
    cached_id_.AppendTo(body_, event.offset);
    body_.append("\"}}\n");
  }
  AppendDocument(body_, identity_member_, batch, event, data_stream_fields_);
  body_ += '\n';
  items_.push_back(BulkItemRef{lease_id, event_index});
}

void BulkRequest::RenderForDeadLetter(uint64_t lease_id, const buffer::EventBatch& batch,
                                      uint32_t event_index, std::string& document,
                                      std::string& index) {
  PrepareBatch(lease_id, batch);
  const buffer::Event& event = batch.events[event_index];
  PrepareIndex(batch, event);
  document.clear();
  AppendDocument(document, identity_member_, batch, event, data_stream_fields_);
  index.assign(prefix_index_);
}

void BulkRequest::RemoveLast() {
  if (items_.empty()) return;
  items_.pop_back();
  body_.resize(size_before_last_);
}

void BulkRequest::set_identity(std::string_view subject) {
  if (subject == identity_subject_) return;
  identity_subject_ = subject;
  identity_member_.clear();
  if (subject.empty()) return;
  identity_member_ = "\"agent.identity\":";
  base::AppendJsonString(identity_member_, subject);
}

void BulkRequest::AppendDocument(std::string& out, std::string_view identity_member,
                                 const buffer::EventBatch& batch, const buffer::Event& event,
                                 std::string_view extra_fields) {
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
  if (!extra_fields.empty()) {
    out += ',';
    out.append(extra_fields);
  }
  if (!batch.shared_fields_json.empty()) {
    out += ',';
    out.append(batch.shared_fields_json);
  }
  if (!identity_member.empty()) {
    out += ',';
    out.append(identity_member);
  }
  if (!event.fields_json.empty()) {
    out += ',';
    out.append(event.fields_json);
  }
  out += '}';
}

}  // namespace transport
