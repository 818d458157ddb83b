// BulkHandler: the `_bulk` API (and the single-document index API, which is a bulk of
// one). Splits the NDJSON body into operations, validates action lines (a bad one fails
// the whole request, as in ES) and source lines (a bad one fails only its item, checked
// with simdjson), applies data-stream rules and injected item faults, writes the survivors
// to the DocStore and renders ES's response.
//
// One BulkHandler per connection: it owns the JSON parser and the per-request scratch
// (items, decoded strings, error list), reused so steady-state requests allocate only
// what the store keeps.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/esim/cluster.h"
#include "tests/esim/es_error.h"
#include "tests/esim/filter_path.h"
#include "tests/esim/http_message.h"

namespace esim {

class BulkHandler {
 public:
  // `cluster` must outlive the handler.
  explicit BulkHandler(Cluster& cluster);
  BulkHandler(const BulkHandler&) = delete;
  BulkHandler& operator=(const BulkHandler&) = delete;

  // POST|PUT /_bulk and /{index}/_bulk. `default_index` is the URL's, or empty. `filter`
  // (may be null; include-only) is applied while rendering the response: bulk responses
  // are big, and re-parsing them to filter would cost as much as the request.
  void HandleBulk(const HttpRequest& request, std::string_view default_index,
                  const FilterPath* filter, HttpResponse& response);

  // Who the current request authenticated as, quoted in the role's item-level 403s.
  void set_principal(std::string principal) { principal_ = std::move(principal); }

  // PUT|POST /{index}/_doc/{id}, POST /{index}/_doc (empty id: auto id) and
  // PUT|POST /{index}/_create/{id} (`create`).
  void HandleSingle(const HttpRequest& request, std::string_view index, std::string_view id,
                    bool create, HttpResponse& response);

 private:
  enum class Action : uint8_t { kCreate, kIndex, kUpdate, kDelete };

  // Text decoded from an action line, stored in strings_ (offsets stay valid as it grows).
  struct TextRef {
    uint32_t offset = 0;
    uint32_t size = 0;
  };

  // The fields of a bulk response, for filtering while rendering.
  enum Field : uint8_t {
    kIndexField,
    kIdField,
    kVersionField,
    kResultField,
    kShardsField,
    kSeqNoField,
    kPrimaryTermField,
    kForcedRefreshField,
    kStatusField,
    kErrorField,
    kFieldCount
  };
  static constexpr int kActionCount = 4;
  static constexpr int kShardFieldCount = 3;
  // What the filter keeps of each response field; all kAll without a filter.
  struct ResponseShape {
    using Match = FilterPath::Match;
    Match errors = Match::kAll;
    Match took = Match::kAll;
    Match items = Match::kAll;
    struct PerAction {
      Match item = Match::kAll;  // items.<action>
      Match fields[kFieldCount];
      Match shards[kShardFieldCount];
    } actions[kActionCount];
  };

  struct Item {
    Action action = Action::kIndex;
    bool report_as_create = false;  // an index op with op_type=create answers as "create"
    bool has_index = false;
    bool has_id = false;
    bool require_alias = false;
    bool require_data_stream = false;
    bool failed_on_shard = false;  // failed after routing: its index still gets created
    uint32_t line = 0;             // 1-based line of the action
    TextRef index;
    TextRef id;
    std::string_view source;
    int64_t if_seq_no = -1;
    int64_t if_primary_term = -1;
    uint64_t id_hash = 0;  // DocTable::Hash of the id, once it is known
    // Outcome: status 0 until decided; error_index into errors_ for failures.
    int status = 0;
    int32_t error_index = -1;
    WriteOutcome write;      // its views are not used after the store lock is released
    TextRef reported_index;  // the index as the response names it (a stream's backing index)
  };

  // Splits and parses the body into items_. Returns a whole-request error, if any.
  std::optional<EsError> ParseBody(std::string_view body, std::string_view default_index,
                                   bool require_data_stream);
  // The common action line, `{"create"|"index":{"_index":"..","_id":".."}}` (either field
  // optional, any order) in compact plain-ASCII form, without a JSON parser. Returns false,
  // touching nothing, for anything else: the full parser then decides.
  bool ParseSimpleActionLine(std::string_view line, uint32_t line_number,
                             std::string_view default_index, bool require_data_stream, Item& item);
  std::optional<EsError> ParseActionLine(std::string_view line, uint32_t line_number,
                                         std::string_view default_index, bool require_data_stream,
                                         Item& item);
  // Checks an item before it is stored: id, index name, data-stream rules, the source.
  void ValidateItem(Item& item);
  void Fail(Item& item, EsError error);
  // Gives id-less items an id, applies item faults (when `inject_faults`) and writes the
  // surviving items to the store.
  void Execute(bool inject_faults);
  void ComputeShape(const FilterPath* filter);
  void RenderBulkResponse(int64_t took_ms, bool forced_refresh, std::string& out);
  // Returns false when the filter kept nothing of the item (nothing appended).
  bool AppendItem(const Item& item, bool forced_refresh, std::string& out);

  std::string_view Text(TextRef ref) const {
    return std::string_view(strings_).substr(ref.offset, ref.size);
  }
  TextRef Store(std::string_view text);

  Cluster& cluster_;
  simdjson::dom::parser parser_;
  std::vector<Item> items_;
  std::vector<EsError> errors_;
  std::string strings_;
  bool default_require_alias_ = false;  // the request's `require_alias` parameter
  const FilterPath* filter_ = nullptr;  // the current request's, while rendering
  ResponseShape shape_;
  std::string error_scratch_;  // an error object, rendered to be filtered
  // The last index name validated, and the verdict.
  std::string principal_;
  std::string checked_index_;
  std::optional<std::string> checked_index_error_;
  bool checked_index_is_stream_ = false;
};

}  // namespace esim
