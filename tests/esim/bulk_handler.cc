#include "tests/esim/bulk_handler.h"

#include <chrono>
#include <cstring>

#include "platforms/base/log.h"
#include "tests/esim/json_text.h"

namespace esim {
namespace {

static_assert(kBodyPaddingBytes >= simdjson::SIMDJSON_PADDING,
              "bodies must be padded for in-place simdjson parsing");

// A single node with ES's default of one replica: two copies wanted, one written.
constexpr std::string_view kShards = "\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0}";
// ES rejects longer ids (IndexRequest.validate).
constexpr std::size_t kMaxIdBytes = 512;

std::string_view TokenName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY:
      return "START_ARRAY";
    case simdjson::dom::element_type::OBJECT:
      return "START_OBJECT";
    case simdjson::dom::element_type::STRING:
      return "VALUE_STRING";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "VALUE_NUMBER";
    case simdjson::dom::element_type::BOOL:
      return "VALUE_BOOLEAN";
    case simdjson::dom::element_type::NULL_VALUE:
      return "VALUE_NULL";
  }
  return "UNKNOWN";
}

EsError Malformed(uint32_t line, std::string_view detail) {
  return IllegalArgument(base::StrCat("Malformed action/metadata line [", line, "], ", detail));
}

// The text of a simple JSON value, as ES's parser.text() gives it.
std::string ScalarText(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(value));
    case simdjson::dom::element_type::INT64:
      return base::StrCat(int64_t(value));
    case simdjson::dom::element_type::UINT64:
      return base::StrCat(uint64_t(value));
    case simdjson::dom::element_type::DOUBLE:
      return base::StrCat(double(value));
    case simdjson::dom::element_type::BOOL:
      return bool(value) ? "true" : "false";
    default:
      return {};
  }
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// The `_bulk` parameters of ES 8 (rest-api-spec bulk.json) and the ones every API takes.
bool IsBulkParameter(std::string_view name) {
  static constexpr std::string_view kKnown[] = {"wait_for_active_shards",
                                                "refresh",
                                                "routing",
                                                "timeout",
                                                "_source",
                                                "_source_excludes",
                                                "_source_includes",
                                                "pipeline",
                                                "require_alias",
                                                "require_data_stream",
                                                "list_executed_pipelines",
                                                "include_source_on_error",
                                                "filter_path",
                                                "pretty",
                                                "human",
                                                "error_trace",
                                                "format"};
  for (std::string_view known : kKnown) {
    if (name == known) return true;
  }
  return false;
}

}  // namespace

BulkHandler::BulkHandler(Cluster& cluster) : cluster_(cluster) {}

BulkHandler::TextRef BulkHandler::Store(std::string_view text) {
  TextRef ref{static_cast<uint32_t>(strings_.size()), static_cast<uint32_t>(text.size())};
  strings_.append(text);
  return ref;
}

void BulkHandler::Fail(Item& item, EsError error) {
  item.status = error.status;
  item.error_index = static_cast<int32_t>(errors_.size());
  errors_.push_back(std::move(error));
}

bool BulkHandler::ParseSimpleActionLine(std::string_view line, uint32_t line_number,
                                        std::string_view default_index, bool require_data_stream,
                                        Item& item) {
  Action action;
  if (line.starts_with("{\"create\":{")) {
    action = Action::kCreate;
    line.remove_prefix(11);
  } else if (line.starts_with("{\"index\":{")) {
    action = Action::kIndex;
    line.remove_prefix(10);
  } else {
    return false;
  }
  if (!line.ends_with("}}")) return false;
  line.remove_suffix(2);
  std::string_view index, id;
  bool has_index = false, has_id = false;
  while (!line.empty()) {
    std::string_view* target;
    if (line.starts_with("\"_index\":\"") && !has_index) {
      line.remove_prefix(10);
      target = &index;
      has_index = true;
    } else if (line.starts_with("\"_id\":\"") && !has_id) {
      line.remove_prefix(7);
      target = &id;
      has_id = true;
    } else {
      return false;
    }
    // Printable ASCII without quote or backslash: the JSON text is the value itself.
    std::size_t end = 0;
    while (end < line.size() && line[end] != '"') {
      const char c = line[end];
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++end;
    }
    if (end == line.size()) return false;
    *target = line.substr(0, end);
    line.remove_prefix(end + 1);
    if (!line.empty()) {
      if (line.front() != ',') return false;
      line.remove_prefix(1);
      if (line.empty()) return false;
    }
  }
  item.action = action;
  item.line = line_number;
  item.require_data_stream = require_data_stream;
  item.require_alias = default_require_alias_;
  if (has_index) {
    item.index = Store(index);
    item.has_index = true;
  } else if (!default_index.empty()) {
    item.index = Store(default_index);
    item.has_index = true;
  }
  if (has_id) {
    item.id = Store(id);
    item.has_id = true;
  }
  return true;
}

std::optional<EsError> BulkHandler::ParseActionLine(std::string_view line, uint32_t line_number,
                                                    std::string_view default_index,
                                                    bool require_data_stream, Item& item) {
  simdjson::dom::element root;
  if (auto error = parser_.parse(line.data(), line.size(), false).get(root)) {
    return EsError(400, "x_content_parse_exception",
                   base::StrCat("[", line_number, ":1] ", simdjson::error_message(error)));
  }
  if (!root.is_object()) {
    return Malformed(line_number, base::StrCat("expected START_OBJECT but found [",
                                               TokenName(root.type()), "]"));
  }
  simdjson::dom::object object(root);
  auto field = object.begin();
  if (field == object.end())
    return Malformed(line_number, "expected FIELD_NAME but found [END_OBJECT]");
  std::string_view action = field.key();
  simdjson::dom::element meta = field.value();
  if (!meta.is_object()) {
    return Malformed(line_number, base::StrCat("expected START_OBJECT or END_OBJECT but found [",
                                               TokenName(meta.type()), "]"));
  }
  item.line = line_number;
  item.require_data_stream = require_data_stream;
  item.require_alias = default_require_alias_;
  std::string_view op_type;
  std::string op_type_text;
  for (auto [key, value] : simdjson::dom::object(meta)) {
    simdjson::dom::element_type type = value.type();
    if (type == simdjson::dom::element_type::NULL_VALUE) continue;
    if (type == simdjson::dom::element_type::ARRAY ||
        (type == simdjson::dom::element_type::OBJECT && key != "_source" &&
         key != "dynamic_templates")) {
      return Malformed(line_number, base::StrCat("expected a simple value for field [", key,
                                                 "] but found [", TokenName(type), "]"));
    }
    if (key == "_index") {
      item.index = Store(ScalarText(value));
      item.has_index = true;
    } else if (key == "_id") {
      item.id = Store(ScalarText(value));
      item.has_id = true;
    } else if (key == "op_type") {
      op_type_text = ScalarText(value);
      op_type = op_type_text;
    } else if (key == "if_seq_no" || key == "if_primary_term") {
      int64_t number = 0;
      if (value.get(number) != simdjson::SUCCESS) {
        std::string text = ScalarText(value);
        if (std::from_chars(text.data(), text.data() + text.size(), number).ec != std::errc()) {
          return IllegalArgument(base::StrCat("failed to parse [", key, "] value [", text, "]"));
        }
      }
      (key == "if_seq_no" ? item.if_seq_no : item.if_primary_term) = number;
    } else if (key == "require_alias") {
      item.require_alias = ScalarText(value) == "true";
    } else if (key == "require_data_stream") {
      item.require_data_stream = ScalarText(value) == "true";
    } else if (key == "routing" || key == "version" || key == "version_type" ||
               key == "retry_on_conflict" || key == "pipeline" || key == "_source" ||
               key == "dynamic_templates" || key == "list_executed_pipelines") {
      // Accepted; esim has one shard, no versioning beyond _version, no ingest pipelines.
    } else {
      return IllegalArgument(base::StrCat("Action/metadata line [", line_number,
                                          "] contains an unknown parameter [", key, "]"));
    }
  }
  if (++field != object.end()) {
    return Malformed(line_number, "expected END_OBJECT but found [FIELD_NAME]");
  }
  if (action == "create") {
    item.action = Action::kCreate;
  } else if (action == "index") {
    item.action = Action::kIndex;
  } else if (action == "update") {
    item.action = Action::kUpdate;
  } else if (action == "delete") {
    item.action = Action::kDelete;
  } else {
    return Malformed(
        line_number,
        base::StrCat("expected field [create], [delete], [index] or [update] but found [", action,
                     "]"));
  }
  if (!op_type.empty() && item.action == Action::kIndex) {
    if (op_type == "create") {
      item.action = Action::kCreate;
      item.report_as_create = true;
    } else if (op_type != "index") {
      return IllegalArgument(
          base::StrCat("opType must be 'create' or 'index', found: [", op_type, "]"));
    }
  }
  if (!item.has_index && !default_index.empty()) {
    item.index = Store(default_index);
    item.has_index = true;
  }
  return std::nullopt;
}

std::optional<EsError> BulkHandler::ParseBody(std::string_view body, std::string_view default_index,
                                              bool require_data_stream) {
  items_.clear();
  errors_.clear();
  strings_.clear();
  std::string validation;
  int validation_errors = 0;
  auto add_validation = [&](std::string_view what) {
    validation += base::StrCat(++validation_errors, ": ", what, ";");
  };
  const char* data = body.data();
  std::size_t pos = 0;
  uint32_t line_number = 0;
  // Returns the next line without its '\n' (and '\r'); the body ends with '\n'.
  auto next_line = [&]() {
    const void* nl = std::memchr(data + pos, '\n', body.size() - pos);
    std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    ++line_number;
    return line;
  };
  while (pos < body.size()) {
    std::string_view line = next_line();
    if (IsBlank(line)) continue;
    Item item;
    if (!ParseSimpleActionLine(line, line_number, default_index, require_data_stream, item)) {
      if (auto error =
              ParseActionLine(line, line_number, default_index, require_data_stream, item)) {
        return error;
      }
    }
    if (item.action != Action::kDelete) {
      // ES stops at an action without a source line.
      if (pos >= body.size()) break;
      item.source = next_line();
    }
    if (!item.has_index) add_validation("index is missing");
    if (item.action == Action::kDelete && !item.has_id) add_validation("id is missing");
    if (item.has_id && item.id.size > kMaxIdBytes) {
      add_validation(base::StrCat("id [", Text(item.id), "] is too long, must be no longer than ",
                                  kMaxIdBytes, " bytes but was: ", item.id.size));
    }
    items_.push_back(item);
  }
  if (validation_errors > 0) return ActionRequestValidation(validation);
  if (items_.empty()) return ActionRequestValidation("1: no requests added;");
  return std::nullopt;
}

void BulkHandler::ValidateItem(Item& item) {
  std::string_view index = Text(item.index);
  // Authorization comes first, as in ES: a refused item is not validated further.
  if (const std::optional<RolePolicy>& role = cluster_.options().role) {
    const RolePolicy::ItemOp op = item.action == Action::kCreate   ? RolePolicy::ItemOp::kCreate
                                  : item.action == Action::kIndex  ? RolePolicy::ItemOp::kIndex
                                  : item.action == Action::kUpdate ? RolePolicy::ItemOp::kUpdate
                                                                   : RolePolicy::ItemOp::kDelete;
    if (std::optional<RolePolicy::Denial> denied =
            role->CheckItem(op, index, cluster_.store().IndexExists(index), principal_)) {
      cluster_.stats().CountAuthorizationFailure(denied->action);
      Fail(item, std::move(denied->error));
      return;
    }
  }
  if (item.action == Action::kUpdate) {
    Fail(item, IllegalArgument("esim does not implement the [update] action; use create or index"));
    return;
  }
  if (item.has_id && item.id.size == 0) {
    Fail(item, IllegalArgument("if _id is specified it must not be empty"));
    return;
  }
  // Items of a request usually share their index: check its name once.
  if (index != checked_index_) {
    checked_index_.assign(index);
    checked_index_error_ = DocStore::InvalidIndexNameReason(index);
    checked_index_is_stream_ = DocStore::IsDataStreamName(index);
  }
  if (checked_index_error_) {
    EsError error(400, "invalid_index_name_exception",
                  base::StrCat("Invalid index name [", index, "], ", *checked_index_error_));
    error.WithString("index_uuid", "_na_").WithString("index", index);
    Fail(item, std::move(error));
    return;
  }
  bool data_stream = checked_index_is_stream_;
  if (cluster_.store().has_aliases() || item.require_alias) {
    DocStore& store = cluster_.store();
    if (store.IsAlias(index)) {
      std::string error_reason;
      std::optional<std::string> concrete = store.ResolveWriteIndex(index, &error_reason);
      if (!concrete) {
        Fail(item, IllegalArgument(std::move(error_reason)));
        return;
      }
      item.index = Store(*concrete);
      index = Text(item.index);
      data_stream = DocStore::IsDataStreamName(index);
      item.require_alias = false;  // satisfied
    }
  }
  if (item.require_alias) {
    EsError error = IndexNotFound(index);
    error.reason =
        base::StrCat("no such index [", index, "] and [require_alias] request flag is [true] and [",
                     index, "] is not an alias");
    Fail(item, std::move(error));
    return;
  }
  if (item.require_data_stream && !data_stream) {
    EsError error = IndexNotFound(index);
    error.reason = cluster_.store().IndexExists(index)
                       ? base::StrCat("[require_data_stream] request flag is [true] and [", index,
                                      "] is not a data stream")
                       : base::StrCat("no such index [", index,
                                      "] and the index creation request requires a data stream");
    Fail(item, std::move(error));
    return;
  }
  if (data_stream && item.action != Action::kCreate) {
    Fail(item,
         IllegalArgument("only write ops with an op_type of create are allowed in data streams"));
    return;
  }
  if (item.action == Action::kDelete) return;

  simdjson::dom::element root;
  simdjson::error_code parse_error =
      parser_.parse(item.source.data(), item.source.size(), false).get(root);
  if (parse_error != simdjson::SUCCESS || !root.is_object()) {
    std::string cause =
        parse_error != simdjson::SUCCESS
            ? std::string(simdjson::error_message(parse_error))
            : base::StrCat("expected START_OBJECT but found [", TokenName(root.type()), "]");
    EsError error(400, "document_parsing_exception",
                  IsBlank(item.source) ? "[1:1] failed to parse, document is empty"
                                       : "[1:1] failed to parse");
    error.CausedBy("x_content_parse_exception", base::StrCat("[1:1] ", cause));
    item.failed_on_shard = true;
    Fail(item, std::move(error));
    return;
  }
  if (data_stream) {
    simdjson::dom::element timestamp;
    if (root.at_key("@timestamp").get(timestamp) != simdjson::SUCCESS) {
      static constexpr std::string_view kMissing =
          "data stream timestamp field [@timestamp] is missing";
      EsError error(400, "document_parsing_exception",
                    base::StrCat("[1:", item.source.size(), "] failed to parse: ", kMissing));
      error.CausedBy("illegal_argument_exception", std::string(kMissing));
      item.failed_on_shard = true;
      Fail(item, std::move(error));
    }
  }
}

void BulkHandler::Execute(bool inject_faults) {
  ItemFaultSampler sampler =
      inject_faults ? cluster_.faults().StartItems() : ItemFaultSampler(FaultPlan(), 0);
  for (Item& item : items_) {
    if (item.status != 0) continue;
    if (!item.has_id) {
      std::size_t offset = strings_.size();
      cluster_.AppendAutoId(strings_);
      item.id =
          TextRef{static_cast<uint32_t>(offset), static_cast<uint32_t>(strings_.size() - offset)};
      item.has_id = true;
    }
    std::string_view index = Text(item.index);
    const ItemFault fault = sampler.Draw();
    item.failed_on_shard = fault != ItemFault::kNone;
    switch (fault) {
      case ItemFault::kNone:
        break;
      case ItemFault::kRejected429:
        Fail(item,
             EsError(429, "es_rejected_execution_exception",
                     base::StrCat(
                         "rejected execution of primary operation [coordinating_and_primary_"
                         "bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=",
                         item.source.size(), ", max_coordinating_and_primary_bytes=107374182]")));
        break;
      case ItemFault::kMapping400: {
        EsError error(400, "document_parsing_exception",
                      base::StrCat("[1:15] failed to parse field [n] of type [long] in "
                                   "document with id '",
                                   Text(item.id), "'. Preview of field's value: 'abc'"));
        error.CausedBy("illegal_argument_exception", "For input string: \"abc\"");
        Fail(item, std::move(error));
        break;
      }
      case ItemFault::kUnavailable503:
        Fail(item, EsError(503, "unavailable_shards_exception",
                           base::StrCat("[", index,
                                        "][0] primary shard is not active Timeout: [1m], "
                                        "request: [BulkShardRequest [[",
                                        index, "][0]] containing [1] requests]")));
        break;
    }
  }

  for (Item& item : items_) {
    if (item.status == 0) item.id_hash = DocTable::Hash(Text(item.id));
  }
  // Far enough ahead to cover a table cache miss with the work of the writes in between.
  constexpr std::size_t kPrefetchDistance = 32;
  DocStore::Writer writer(cluster_.store());
  std::string_view last_reported;
  TextRef last_reported_ref;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    Item& item = items_[i];
    if (i + kPrefetchDistance < items_.size()) {
      const Item& ahead = items_[i + kPrefetchDistance];
      if (ahead.status == 0) writer.Prefetch(Text(ahead.index), ahead.id_hash);
    }
    if (item.failed_on_shard) writer.EnsureIndex(Text(item.index));
    if (item.status != 0) continue;
    WriteOp op = item.action == Action::kCreate   ? WriteOp::kCreate
                 : item.action == Action::kDelete ? WriteOp::kDelete
                                                  : WriteOp::kIndex;
    // esim's primary term is always 1: any other term can never match.
    int64_t if_seq_no = item.if_seq_no;
    // A term without a seq_no cannot match either.
    if (item.if_primary_term >= 0 && (item.if_primary_term != 1 || if_seq_no < 0)) {
      if_seq_no = INT64_MAX;
    }
    const std::string_view id = Text(item.id);
    item.write = writer.Write(op, Text(item.index), id, item.id_hash, item.source, if_seq_no);
    // The index's name may die with the lock (DELETE /index): keep a copy.
    if (item.write.reported_index.data() != last_reported.data()) {
      last_reported = item.write.reported_index;
      last_reported_ref = Store(last_reported);
    }
    item.reported_index = last_reported_ref;
    switch (item.write.result) {
      case WriteResult::kCreated:
        item.status = 201;
        break;
      case WriteResult::kUpdated:
      case WriteResult::kDeleted:
        item.status = 200;
        break;
      case WriteResult::kNotFound:
        item.status = 404;
        break;
      case WriteResult::kConflict: {
        std::string reason;
        if (item.if_seq_no >= 0 || item.if_primary_term >= 0) {
          reason = item.write.current_version < 0
                       ? base::StrCat("[", id, "]: version conflict, required seqNo [",
                                      item.if_seq_no, "], primary term [", item.if_primary_term,
                                      "]. but no document was found")
                       : base::StrCat("[", id, "]: version conflict, required seqNo [",
                                      item.if_seq_no, "], primary term [", item.if_primary_term,
                                      "]. current document has seqNo [", item.write.current_seq_no,
                                      "] and primary term [1]");
        } else {
          reason = base::StrCat("[", id,
                                "]: version conflict, document already exists (current version [",
                                item.write.current_version, "])");
        }
        EsError error(409, "version_conflict_engine_exception", std::move(reason));
        error.WithString("index_uuid", item.write.index_uuid)
            .WithString("shard", "0")
            .WithString("index", item.write.reported_index);
        Fail(item, std::move(error));
        break;
      }
    }
  }
}

namespace {

constexpr std::string_view kActionKeys[] = {"create", "index", "update", "delete"};
constexpr std::string_view kFieldNames[] = {"_index",  "_id",     "_version",      "result",
                                            "_shards", "_seq_no", "_primary_term", "forced_refresh",
                                            "status",  "error"};
constexpr std::string_view kShardFieldNames[] = {"total", "successful", "failed"};

}  // namespace

void BulkHandler::ComputeShape(const FilterPath* filter) {
  using Match = FilterPath::Match;
  filter_ = filter;
  shape_ = ResponseShape();
  for (auto& action : shape_.actions) {
    for (Match& m : action.fields) m = Match::kAll;
    for (Match& m : action.shards) m = Match::kAll;
  }
  if (filter == nullptr) return;
  shape_.errors = filter->Classify({"errors"});
  shape_.took = filter->Classify({"took"});
  shape_.items = filter->Classify({"items"});
  for (int a = 0; a < kActionCount; ++a) {
    ResponseShape::PerAction& action = shape_.actions[a];
    std::string_view key = kActionKeys[a];
    action.item = filter->Classify({"items", key});
    for (int f = 0; f < kFieldCount; ++f) {
      action.fields[f] = filter->Classify({"items", key, kFieldNames[f]});
    }
    for (int s = 0; s < kShardFieldCount; ++s) {
      action.shards[s] = filter->Classify({"items", key, "_shards", kShardFieldNames[s]});
    }
  }
}

bool BulkHandler::AppendItem(const Item& item, bool forced_refresh, std::string& out) {
  using Match = FilterPath::Match;
  const int action = item.report_as_create ? 0 : static_cast<int>(item.action);
  const ResponseShape::PerAction& shape = shape_.actions[action];
  if (shape.item == Match::kNone) return false;
  const bool all = shape.item == Match::kAll;
  const std::size_t start = out.size();
  out += "{\"";
  out += kActionKeys[action];
  out += "\":{";
  bool any = false;
  // Starts field `f` when the filter keeps all of it.
  auto begin_field = [&](Field f) {
    if (!all && shape.fields[f] != Match::kAll) return false;
    if (any) out += ',';
    any = true;
    out += '"';
    out += kFieldNames[f];
    out += "\":";
    return true;
  };
  if (begin_field(kIndexField)) {
    AppendJsonText(out,
                   item.reported_index.size > 0 ? Text(item.reported_index) : Text(item.index));
  }
  if (begin_field(kIdField)) {
    if (item.has_id) {
      AppendJsonText(out, Text(item.id));
    } else {
      out += "null";
    }
  }
  if (item.error_index >= 0) {
    if (begin_field(kStatusField)) AppendJsonInt(out, item.status);
    const EsError& error = errors_[static_cast<std::size_t>(item.error_index)];
    if (begin_field(kErrorField)) {
      AppendErrorObject(out, error);
    } else if (shape.fields[kErrorField] == Match::kPartial) {
      error_scratch_.clear();
      AppendErrorObject(error_scratch_, error);
      error_scratch_.reserve(error_scratch_.size() + simdjson::SIMDJSON_PADDING);
      const std::size_t field_start = out.size();
      out += any ? ",\"error\":" : "\"error\":";
      if (filter_->ApplyAt({"items", kActionKeys[action], "error"}, error_scratch_, parser_, out)) {
        any = true;
      } else {
        out.resize(field_start);
      }
    }
  } else {
    if (begin_field(kVersionField)) AppendJsonInt(out, item.write.version);
    if (begin_field(kResultField)) {
      switch (item.write.result) {
        case WriteResult::kCreated:
          out += "\"created\"";
          break;
        case WriteResult::kUpdated:
          out += "\"updated\"";
          break;
        case WriteResult::kDeleted:
          out += "\"deleted\"";
          break;
        case WriteResult::kNotFound:
          out += "\"not_found\"";
          break;
        case WriteResult::kConflict:
          out += "null";
          break;
      }
    }
    if (all || shape.fields[kShardsField] == Match::kAll) {
      if (any) out += ',';
      any = true;
      out += kShards;
    } else if (shape.fields[kShardsField] == Match::kPartial) {
      static constexpr int kShardValues[] = {2, 1, 0};
      bool any_shard = false;
      for (int s = 0; s < kShardFieldCount; ++s) {
        if (shape.shards[s] != Match::kAll) continue;
        if (!any_shard) out += any ? ",\"_shards\":{" : "\"_shards\":{";
        if (any_shard) out += ',';
        any_shard = any = true;
        out += '"';
        out += kShardFieldNames[s];
        out += "\":";
        AppendJsonInt(out, kShardValues[s]);
      }
      if (any_shard) out += '}';
    }
    if (begin_field(kSeqNoField)) AppendJsonInt(out, item.write.seq_no);
    if (begin_field(kPrimaryTermField)) out += '1';
    if (forced_refresh && begin_field(kForcedRefreshField)) out += "true";
    if (begin_field(kStatusField)) AppendJsonInt(out, item.status);
  }
  if (!any) {
    out.resize(start);
    return false;
  }
  out += "}}";
  return true;
}

void BulkHandler::RenderBulkResponse(int64_t took_ms, bool forced_refresh, std::string& out) {
  using Match = FilterPath::Match;
  bool errors = false;
  for (const Item& item : items_) errors |= item.error_index >= 0;
  out.clear();
  // About 200 bytes per unfiltered success item; failures grow the string as needed.
  out.reserve((shape_.items == Match::kNone ? 0 : items_.size() * 200) + 64);
  out += '{';
  if (shape_.errors == Match::kAll) {
    out += "\"errors\":";
    out += errors ? "true" : "false";
  }
  if (shape_.took == Match::kAll) {
    if (out.size() > 1) out += ',';
    out += "\"took\":";
    AppendJsonInt(out, took_ms);
  }
  if (shape_.items != Match::kNone) {
    const std::size_t items_start = out.size();
    if (out.size() > 1) out += ',';
    out += "\"items\":[";
    const std::size_t first_item = out.size();
    for (const Item& item : items_) {
      const std::size_t before = out.size();
      if (before > first_item) out += ',';
      if (!AppendItem(item, forced_refresh, out)) out.resize(before);
    }
    if (out.size() == first_item) {
      out.resize(items_start);  // filtered empty: ES drops the array
    } else {
      out += ']';
    }
  }
  out += '}';
}

namespace {

void RenderRequestFault(const RequestFault& fault, std::size_t body_bytes, HttpResponse& response) {
  if (fault.retry_after_s >= 0)
    response.AddHeader("Retry-After", base::StrCat(fault.retry_after_s));
  EsError error(fault.status, "", "");
  switch (fault.status) {
    case 429:
      if (fault.error_type == "circuit_breaking_exception") {
        error.type = "circuit_breaking_exception";
        uint64_t limit = 1020054732;
        uint64_t wanted = limit + body_bytes;
        error.reason = base::StrCat("[parent] Data too large, data for [<http_request>] would be [",
                                    wanted, "/", wanted / (1024 * 1024),
                                    "mb], which is larger than the limit of [", limit, "/972.7mb]");
        error.With("bytes_wanted", base::StrCat(wanted))
            .With("bytes_limit", base::StrCat(limit))
            .WithString("durability", "TRANSIENT");
      } else {
        error.type = "es_rejected_execution_exception";
        error.reason = base::StrCat(
            "rejected execution of coordinating operation "
            "[coordinating_and_primary_bytes=107374182, "
            "replica_bytes=0, all_bytes=107374182, coordinating_operation_bytes=",
            body_bytes, ", max_coordinating_and_primary_bytes=107374182]");
      }
      break;
    case 503:
      error.type = "cluster_block_exception";
      error.reason = "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];";
      break;
    case 502:
    case 504:
      // What a proxy in front of ES sends: not JSON.
      response.status = fault.status;
      response.content_type = "text/html";
      response.body = base::StrCat("<html><body><h1>", fault.status, " ",
                                   ReasonPhrase(fault.status), "</h1></body></html>\n");
      return;
    case 403:
      error.type = "security_exception";
      error.reason =
          "action [indices:data/write/bulk] is unauthorized for user [esim] with effective roles "
          "[], this action is granted by the index privileges [create_doc,create,index,write,all]";
      break;
    case 500:
      error.type = "illegal_state_exception";
      error.reason = "injected failure";
      break;
    default:
      error.type = fault.status < 500 ? "illegal_argument_exception" : "exception";
      error.reason = "injected failure";
      break;
  }
  RenderErrorResponse(error, response);
}

}  // namespace

void BulkHandler::HandleBulk(const HttpRequest& request, std::string_view default_index,
                             const FilterPath* filter, HttpResponse& response) {
  const auto start = std::chrono::steady_clock::now();
  cluster_.stats().CountBulk(request.wire_body_bytes, request.body.size());
  if (std::optional<RequestFault> fault = cluster_.faults().TakeRequestFault()) {
    RenderRequestFault(*fault, request.body.size(), response);
    return;
  }
  for (const auto& [name, value] : request.query) {
    if (!IsBulkParameter(name)) {
      RenderErrorResponse(
          IllegalArgument(base::StrCat("request [", request.PathForErrors(),
                                       "] contains unrecognized parameter: [", name, "]")),
          response);
      return;
    }
  }
  std::string_view body = request.body;
  if (body.empty()) {
    RenderErrorResponse(EsError(400, "parse_exception", "request body is required"), response);
    return;
  }
  if (body.back() != '\n') {
    RenderErrorResponse(IllegalArgument("The bulk request must be terminated by a newline [\\n]"),
                        response);
    return;
  }
  default_require_alias_ = request.QueryFlag("require_alias");
  if (std::optional<EsError> error =
          ParseBody(body, default_index, request.QueryFlag("require_data_stream"))) {
    RenderErrorResponse(*error, response);
    return;
  }
  for (Item& item : items_) ValidateItem(item);
  Execute(true);

  ItemCounts counts;
  for (const Item& item : items_) counts.Add(item.status);
  cluster_.stats().AddItems(counts);

  std::optional<std::string_view> refresh = request.Query("refresh");
  const bool forced_refresh = refresh && (refresh->empty() || *refresh == "true");
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  ComputeShape(filter);
  RenderBulkResponse(took.count(), forced_refresh, response.body);

  ResponseFault fault = cluster_.faults().TakeResponseFault();
  response.delay = fault.delay;
  if (fault.drop) {
    response.drop_mid_response = true;
    cluster_.stats().CountDroppedConnection();
  }
}

void BulkHandler::HandleSingle(const HttpRequest& request, std::string_view index,
                               std::string_view id, bool create, HttpResponse& response) {
  items_.clear();
  errors_.clear();
  strings_.clear();
  if (IsBlank(request.body)) {
    RenderErrorResponse(EsError(400, "parse_exception", "request body is required"), response);
    return;
  }
  Item item;
  item.action = create ? Action::kCreate : Action::kIndex;
  std::optional<std::string_view> op_type = request.Query("op_type");
  if (op_type && *op_type == "create") item.action = Action::kCreate;
  item.index = Store(index);
  item.has_index = true;
  if (!id.empty()) {
    item.id = Store(id);
    item.has_id = true;
  }
  for (std::string_view key : {"if_seq_no", "if_primary_term"}) {
    if (std::optional<std::string_view> value = request.Query(key)) {
      int64_t number = -1;
      std::from_chars(value->data(), value->data() + value->size(), number);
      (key == std::string_view("if_seq_no") ? item.if_seq_no : item.if_primary_term) = number;
    }
  }
  item.require_alias = request.QueryFlag("require_alias");
  item.source = request.body;
  items_.push_back(item);
  ValidateItem(items_[0]);
  Execute(false);
  const Item& done = items_[0];
  if (done.error_index >= 0) {
    RenderErrorResponse(errors_[static_cast<std::size_t>(done.error_index)], response);
    return;
  }
  response.status = done.status;
  std::string& out = response.body;
  out += "{\"_index\":";
  AppendJsonText(out, Text(done.reported_index));
  out += ",\"_id\":";
  AppendJsonText(out, Text(done.id));
  out += ",\"_version\":";
  AppendJsonInt(out, done.write.version);
  out += done.write.result == WriteResult::kCreated ? ",\"result\":\"created\","
                                                    : ",\"result\":\"updated\",";
  out += kShards;
  out += ",\"_seq_no\":";
  AppendJsonInt(out, done.write.seq_no);
  out += ",\"_primary_term\":1}";
}

}  // namespace esim
