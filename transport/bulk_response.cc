#include "transport/bulk_response.h"

#include <simdjson.h>

#include "platforms/base/log.h"

namespace transport {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kEllipsis = "...";

// Fills `out` from an Elasticsearch error value: an object with type/reason/caused_by, or
// a bare string.
void ReadError(element value, ElasticsearchError& out) {
  out.type.clear();
  out.reason.clear();
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    out.type = "error";
    out.reason.assign(text);
    BulkResponse::Truncate(out.reason, BulkResponse::kMaxReasonBytes);
    return;
  }
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return;
  if (obj["type"].get_string().get(text) == simdjson::SUCCESS) out.type.assign(text);
  if (obj["reason"].get_string().get(text) == simdjson::SUCCESS) out.reason.assign(text);
  // One level of caused_by says why a mapping failed ("For input string: abc").
  object cause;
  if (obj["caused_by"].get_object().get(cause) == simdjson::SUCCESS) {
    std::string_view cause_type;
    std::string_view cause_reason;
    if (cause["type"].get_string().get(cause_type) == simdjson::SUCCESS &&
        cause["reason"].get_string().get(cause_reason) == simdjson::SUCCESS &&
        out.reason.size() < BulkResponse::kMaxReasonBytes) {
      out.reason.append(" (caused by ").append(cause_type).append(": ").append(cause_reason);
      out.reason += ')';
    }
  }
  BulkResponse::Truncate(out.reason, BulkResponse::kMaxReasonBytes);
}

FailureStore ReadFailureStore(std::string_view v) {
  if (v == "used") return FailureStore::kUsed;
  if (v == "not_enabled") return FailureStore::kNotEnabled;
  if (v == "failed") return FailureStore::kFailed;
  return FailureStore::kUnknown;
}

}  // namespace

BulkResponse::BulkResponse() : parser_(std::make_unique<simdjson::dom::parser>()) {}
BulkResponse::~BulkResponse() = default;

void BulkResponse::Truncate(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  std::size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character start.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text.append(kEllipsis.substr(0, std::min(kEllipsis.size(), max_bytes)));
}

base::Status BulkResponse::Parse(std::string_view body) {
  errors_ = false;
  has_items_ = false;
  item_count_ = 0;
  element root;
  // realloc_if_needed: copies into a padded buffer (the body has no simdjson padding).
  if (auto err = parser_->parse(body.data(), body.size(), true).get(root); err) {
    return base::Corruption(
        base::StrCat("bulk response is not JSON (", simdjson::error_message(err), ")"));
  }
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return base::Corruption("bulk response is not a JSON object");
  }
  bool errors_flag = false;
  bool has_errors_flag = top["errors"].get_bool().get(errors_flag) == simdjson::SUCCESS;

  element items_value;
  auto items_err = top["items"].get(items_value);
  if (items_err == simdjson::NO_SUCH_FIELD) {
    if (!has_errors_flag) return base::Corruption("bulk response has neither items nor errors");
    errors_ = errors_flag;
    return base::Status::Ok();
  }
  array items;
  if (items_err != simdjson::SUCCESS || items_value.get_array().get(items) != simdjson::SUCCESS) {
    return base::Corruption("bulk response items is not an array");
  }
  has_items_ = true;
  bool any_failed = false;
  for (element item : items) {
    object wrapper;
    if (item.get_object().get(wrapper) != simdjson::SUCCESS) {
      item_count_ = 0;
      has_items_ = false;
      return base::Corruption("bulk response item is not an object");
    }
    if (items_.size() <= item_count_) items_.emplace_back();
    BulkItemResult& result = items_[item_count_++];
    result.status = 0;
    result.error.type.clear();
    result.error.reason.clear();
    result.failure_store = FailureStore::kNone;
    // {"create":{...}}: one key, the action. An empty wrapper leaves status 0 (retried).
    for (auto field : wrapper) {
      object inner;
      if (field.value.get_object().get(inner) != simdjson::SUCCESS) break;
      int64_t status = 0;
      if (inner["status"].get_int64().get(status) == simdjson::SUCCESS && status > 0 &&
          status < 1000) {
        result.status = static_cast<int>(status);
      }
      element error;
      if (inner["error"].get(error) == simdjson::SUCCESS) ReadError(error, result.error);
      std::string_view store;
      if (inner["failure_store"].get_string().get(store) == simdjson::SUCCESS) {
        result.failure_store = ReadFailureStore(store);
      }
      break;
    }
    if (result.status < 200 || result.status >= 300) any_failed = true;
  }
  errors_ = has_errors_flag ? errors_flag : any_failed;
  return base::Status::Ok();
}

ElasticsearchError BulkResponse::ParseErrorBody(std::string_view body) {
  ElasticsearchError out;
  simdjson::dom::parser parser;
  element root;
  object top;
  element error;
  if (!body.empty() &&
      parser.parse(body.data(), body.size(), true).get(root) == simdjson::SUCCESS &&
      root.get_object().get(top) == simdjson::SUCCESS &&
      top["error"].get(error) == simdjson::SUCCESS) {
    ReadError(error, out);
    if (!out.type.empty() || !out.reason.empty()) return out;
  }
  out.type = "http_error";
  if (body.empty()) {
    out.reason = "(empty body)";
    return out;
  }
  // Not JSON (a proxy's HTML page, or nothing): keep the start, printable ASCII only.
  for (char c : body.substr(0, kMaxReasonBytes)) {
    out.reason += (c >= 0x20 && c < 0x7F) ? c : ' ';
  }
  return out;
}

}  // namespace transport
