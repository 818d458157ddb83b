// AdminApi: esim's own endpoints under /_esim/, for tests and benchmarks to inspect and
// steer the server. They bypass authentication and faults.
//   GET    /_esim/stats            counters (Stats) plus documents stored and per-index counts
//   GET    /_esim/dump[?index=X]   NDJSON, one {"_index","_id","_source"} per document
//   POST   /_esim/reset            drop all documents, faults and counters
//   GET    /_esim/faults           the fault plan in force (credentials not echoed)
//   PUT    /_esim/faults           replace the fault plan (see faults.h)
//   DELETE /_esim/faults           clear the fault plan
#pragma once

#include "tests/esim/cluster.h"
#include "tests/esim/http_message.h"

namespace esim {

class AdminApi {
 public:
  // `cluster` must outlive the AdminApi.
  explicit AdminApi(Cluster& cluster) : cluster_(cluster) {}

  // `request.path_segments[0]` is "_esim".
  void Handle(const HttpRequest& request, HttpResponse& response);

 private:
  void Stats(HttpResponse& response);
  void Dump(const HttpRequest& request, HttpResponse& response);

  Cluster& cluster_;
};

}  // namespace esim
