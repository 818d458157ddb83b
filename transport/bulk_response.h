// BulkResponse: a `_bulk` response body parsed into per-item outcomes (transport stage 3 of
// "Life of a log line"; retry_policy.h decides what each outcome means).
//
// Accepts full responses and `filter_path`-reduced ones (errors, items.*.status,
// items.*.error, items.*.failure_store). An item without `status` gets status 0, which the
// policy retries. Anything that is not a JSON object with an `items` array of objects is a
// kCorruption error, never a crash. Error reasons are cut to kMaxReasonBytes (they may quote
// document content) at a UTF-8 boundary.
//
// Also parses the `{"error":...,"status":N}` body of a failed request (ParseErrorBody).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/status.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace transport {

enum class FailureStore { kNone, kUsed, kNotEnabled, kFailed, kUnknown };

// The error of an item or of a whole request.
struct ElasticsearchError {
  std::string type;    // "mapper_parsing_exception"; empty when there is none
  std::string reason;  // with caused_by appended, at most BulkResponse::kMaxReasonBytes
};

struct BulkItemResult {
  int status = 0;  // 0: the item had no status
  ElasticsearchError error;
  FailureStore failure_store = FailureStore::kNone;
};

class BulkResponse {
 public:
  // Reasons are for logs and dead letters; long ones quote documents.
  static constexpr std::size_t kMaxReasonBytes = 512;

  BulkResponse();
  ~BulkResponse();
  BulkResponse(const BulkResponse&) = delete;
  BulkResponse& operator=(const BulkResponse&) = delete;

  // Parses `body`, replacing the previous result (item storage is reused). On error the
  // result is empty and the Status (kCorruption) says what was wrong.
  base::Status Parse(std::string_view body);

  // The `errors` flag; when absent, whether any item has a status outside 2xx.
  bool errors() const { return errors_; }
  // False when the response had no `items` at all (a filter_path that removed them).
  bool has_items() const { return has_items_; }
  const std::vector<BulkItemResult>& items() const { return items_; }
  std::size_t item_count() const { return item_count_; }

  // Type and reason of a failed request's body: `{"error":{...},"status":N}`, a bare
  // string error, or anything else (an HTML proxy page: type "http_error" and the start of
  // the text, made printable).
  static ElasticsearchError ParseErrorBody(std::string_view body);

  // Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence, marking the cut.
  static void Truncate(std::string& text, std::size_t max_bytes);

 private:
  std::unique_ptr<simdjson::dom::parser> parser_;
  bool errors_ = false;
  bool has_items_ = false;
  std::size_t item_count_ = 0;
  std::vector<BulkItemResult> items_;  // first item_count_ entries are valid
};

}  // namespace transport
