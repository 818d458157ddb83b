// IndexApi: the read and index-management endpoints esim serves with real Elasticsearch 8
// shapes, so tests written against esim also run against a real cluster: GET / (info),
// _count, GET _doc, _refresh, create/delete/exists of an index, _cluster/health.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "tests/esim/cluster.h"
#include "tests/esim/http_message.h"

namespace esim {

class IndexApi {
 public:
  // `cluster` must outlive the IndexApi.
  explicit IndexApi(Cluster& cluster) : cluster_(cluster) {}

  void Info(HttpResponse& response);
  // GET /_nodes/http: ClusterOptions::nodes ("self" standing for `host_header`, the
  // address the client reached), or only `host_header` when there are none.
  void NodesHttp(std::string_view host_header, HttpResponse& response);
  void ClusterHealth(HttpResponse& response);
  void Count(std::string_view expression, HttpResponse& response);
  void GetDocument(std::string_view index, std::string_view id, HttpResponse& response);
  void Refresh(std::string_view expression, HttpResponse& response);
  // `body` may hold {"aliases": {"name": {"is_write_index": bool}}}; settings and
  // mappings are accepted and ignored.
  void CreateIndex(std::string_view index, std::string_view body, HttpResponse& response);
  // PUT|POST /{index}/_alias/{name}, body optionally {"is_write_index": bool}.
  void PutAlias(std::string_view index, std::string_view alias, std::string_view body,
                HttpResponse& response);
  void DeleteIndex(std::string_view index, HttpResponse& response);
  void IndexExists(std::string_view index, HttpResponse& response);
  void GetIndex(std::string_view index, HttpResponse& response);

 private:
  Cluster& cluster_;
  simdjson::dom::parser parser_;
};

}  // namespace esim
