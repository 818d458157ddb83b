#include "tests/esim/index_api.h"

#include <string>
#include <vector>

#include "platforms/base/log.h"
#include "tests/esim/es_error.h"
#include "tests/esim/json_text.h"

namespace esim {

void IndexApi::Info(HttpResponse& response) {
  std::string& out = response.body;
  out += "{\"name\":\"esim\",\"cluster_name\":\"esim\",\"cluster_uuid\":";
  AppendJsonText(out, cluster_.cluster_uuid());
  const FlavourTraits& traits = TraitsOf(cluster_.options().flavour);
  out += ",\"version\":{";
  if (traits.opensearch) out += "\"distribution\":\"opensearch\",";
  out += "\"number\":\"";
  out += traits.number;
  out += "\",";
  if (!traits.opensearch) out += "\"build_flavor\":\"default\",";
  out +=
      "\"build_type\":\"docker\","
      "\"build_hash\":\"1a77947f34deddb41af25e6f0ddb8e830159c179\","
      "\"build_date\":\"2024-08-05T10:05:34.233336849Z\",\"build_snapshot\":false,"
      "\"lucene_version\":\"";
  out += traits.lucene_version;
  out += "\",\"minimum_wire_compatibility_version\":\"";
  out += traits.minimum_wire_compatibility_version;
  out += "\",\"minimum_index_compatibility_version\":\"";
  out += traits.minimum_index_compatibility_version;
  out += "\"},\"tagline\":\"";
  out += traits.tagline;
  out += "\"}";
}

void IndexApi::NodesHttp(std::string_view host_header, HttpResponse& response) {
  // The shape of GET /_nodes/http (filter_path is applied by the router afterwards).
  std::vector<std::string> nodes = cluster_.options().nodes;
  if (nodes.empty()) nodes.emplace_back("self");
  for (std::string& node : nodes) {
    if (node == "self") node = host_header.empty() ? "127.0.0.1:9200" : std::string(host_header);
  }
  std::string& out = response.body;
  out = base::StrCat("{\"_nodes\":{\"total\":", nodes.size(), ",\"successful\":", nodes.size(),
                     ",\"failed\":0},\"cluster_name\":\"esim\",\"nodes\":{");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += ',';
    out += base::StrCat("\"esim-node-", i, "\":{\"name\":\"esim-", i, "\",\"version\":\"",
                        TraitsOf(cluster_.options().flavour).number,
                        "\",\"roles\":[\"data\",\"ingest\",\"master\"],\"http\":{"
                        "\"bound_address\":[");
    AppendJsonText(out, nodes[i]);
    out += "],\"publish_address\":";
    AppendJsonText(out, nodes[i]);
    out += ",\"max_content_length_in_bytes\":104857600}}";
  }
  out += "}}";
}

void IndexApi::ClusterHealth(HttpResponse& response) {
  const std::size_t indices = cluster_.store().ListIndices().size();
  response.body = base::StrCat(
      "{\"cluster_name\":\"esim\",\"status\":\"green\",\"timed_out\":false,"
      "\"number_of_nodes\":1,\"number_of_data_nodes\":1,\"active_primary_shards\":",
      indices, ",\"active_shards\":", indices,
      ",\"relocating_shards\":0,\"initializing_shards\":0,\"unassigned_shards\":0,"
      "\"delayed_unassigned_shards\":0,\"number_of_pending_tasks\":0,"
      "\"number_of_in_flight_fetch\":0,\"task_max_waiting_in_queue_millis\":0,"
      "\"active_shards_percent_as_number\":100.0}");
}

void IndexApi::Count(std::string_view expression, HttpResponse& response) {
  std::string missing;
  std::optional<uint64_t> count = cluster_.store().Count(expression, &missing);
  if (!count) {
    RenderErrorResponse(IndexNotFound(missing), response);
    return;
  }
  response.body =
      base::StrCat("{\"count\":", *count,
                   ",\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0}}");
}

void IndexApi::GetDocument(std::string_view index, std::string_view id, HttpResponse& response) {
  if (!cluster_.store().IndexExists(index)) {
    RenderErrorResponse(IndexNotFound(index), response);
    return;
  }
  std::optional<DocSnapshot> doc = cluster_.store().Get(index, id);
  std::string& out = response.body;
  if (!doc) {
    response.status = 404;
    out += "{\"_index\":";
    AppendJsonText(out, index);
    out += ",\"_id\":";
    AppendJsonText(out, id);
    out += ",\"found\":false}";
    return;
  }
  out += "{\"_index\":";
  AppendJsonText(out, doc->index_name);
  out += ",\"_id\":";
  AppendJsonText(out, id);
  out += ",\"_version\":";
  AppendJsonInt(out, doc->version);
  out += ",\"_seq_no\":";
  AppendJsonInt(out, doc->seq_no);
  out += ",\"_primary_term\":1,\"found\":true";
  if (cluster_.store().keep_source()) {
    out += ",\"_source\":";
    out += doc->source;
  }
  out += '}';
}

void IndexApi::Refresh(std::string_view expression, HttpResponse& response) {
  std::string missing;
  if (!cluster_.store().Count(expression, &missing)) {
    RenderErrorResponse(IndexNotFound(missing), response);
    return;
  }
  response.body = "{\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0}}";
}

namespace {

// Parses a small request body (not padded by the caller's contract: copy it).
bool ParseBody(simdjson::dom::parser& parser, std::string_view body, simdjson::dom::element* root) {
  if (body.empty()) return false;
  return parser.parse(simdjson::padded_string(body)).get(*root) == simdjson::SUCCESS;
}

bool IsWriteIndex(simdjson::dom::element options) {
  bool is_write = false;
  return options.is_object() &&
         options.at_key("is_write_index").get(is_write) == simdjson::SUCCESS && is_write;
}

}  // namespace

void IndexApi::CreateIndex(std::string_view index, std::string_view body, HttpResponse& response) {
  if (std::optional<std::string> reason = DocStore::InvalidIndexNameReason(index)) {
    EsError error(400, "invalid_index_name_exception",
                  base::StrCat("Invalid index name [", index, "], ", *reason));
    error.WithString("index_uuid", "_na_").WithString("index", index);
    RenderErrorResponse(error, response);
    return;
  }
  if (!cluster_.store().CreateIndex(index)) {
    EsError error(400, "resource_already_exists_exception",
                  base::StrCat("index [", index, "/_na_] already exists"));
    error.WithString("index_uuid", "_na_").WithString("index", index);
    RenderErrorResponse(error, response);
    return;
  }
  simdjson::dom::element root;
  simdjson::dom::object aliases;
  if (ParseBody(parser_, body, &root) && root.at_key("aliases").get(aliases) == simdjson::SUCCESS) {
    for (auto [alias, options] : aliases) {
      cluster_.store().PutAlias(index, alias, IsWriteIndex(options));
    }
  }
  std::string& out = response.body;
  out += "{\"acknowledged\":true,\"shards_acknowledged\":true,\"index\":";
  AppendJsonText(out, index);
  out += '}';
}

void IndexApi::PutAlias(std::string_view index, std::string_view alias, std::string_view body,
                        HttpResponse& response) {
  if (!cluster_.store().IndexExists(index)) {
    RenderErrorResponse(IndexNotFound(index), response);
    return;
  }
  simdjson::dom::element root;
  const bool is_write = ParseBody(parser_, body, &root) && IsWriteIndex(root);
  cluster_.store().PutAlias(index, alias, is_write);
  response.body = "{\"acknowledged\":true,\"errors\":false}";
}

void IndexApi::DeleteIndex(std::string_view index, HttpResponse& response) {
  if (!cluster_.store().DeleteIndex(index)) {
    RenderErrorResponse(IndexNotFound(index), response);
    return;
  }
  response.body = "{\"acknowledged\":true}";
}

void IndexApi::IndexExists(std::string_view index, HttpResponse& response) {
  response.status = cluster_.store().IndexExists(index) ? 200 : 404;
  response.body.clear();
}

void IndexApi::GetIndex(std::string_view index, HttpResponse& response) {
  if (!cluster_.store().IndexExists(index)) {
    RenderErrorResponse(IndexNotFound(index), response);
    return;
  }
  std::string& out = response.body;
  out += '{';
  AppendJsonText(out, index);
  out += ":{\"aliases\":{";
  bool first = true;
  for (const std::string& alias : cluster_.store().AliasesOf(index)) {
    if (!first) out += ',';
    first = false;
    AppendJsonText(out, alias);
    out += ":{}";
  }
  out +=
      "},\"mappings\":{},\"settings\":{\"index\":{\"number_of_shards\":\"1\","
      "\"number_of_replicas\":\"1\",\"provided_name\":";
  AppendJsonText(out, index);
  out += "}}}}";
}

}  // namespace esim
