// Router: esim's RequestHandler. For each request it applies what ES applies before any
// API runs (the body size limit, authentication, Content-Type checks), dispatches on
// method and path to the bulk, index or admin API, applies `filter_path`, and counts the
// response. One Router per connection; shared state lives in the Cluster.
#pragma once

#include <simdjson.h>

#include <string>

#include "tests/esim/admin_api.h"
#include "tests/esim/bulk_handler.h"
#include "tests/esim/cluster.h"
#include "tests/esim/filter_path.h"
#include "tests/esim/index_api.h"
#include "tests/esim/request_handler.h"
#include "tests/esim/security_api.h"

namespace esim {

class Router final : public RequestHandler {
 public:
  // `cluster` must outlive the Router.
  explicit Router(Cluster& cluster);

  std::size_t MaxBodyBytes(const HttpRequest& head) const override;
  void Handle(const HttpRequest& request, HttpResponse& response) override;
  void HandleProtocolError(int status, std::string_view reason, HttpResponse& response) override;

 private:
  // Sets *filtered when the API applied `filter` itself.
  void Dispatch(const HttpRequest& request, const FilterPath* filter, bool* filtered,
                HttpResponse& response);
  // Answers 406 (and returns false) for a body whose Content-Type ES would refuse. Sets the
  // compatible-with response type when asked for.
  bool CheckContentType(const HttpRequest& request, HttpResponse& response);
  void ApplyFilterPath(const FilterPath& filter, HttpResponse& response);
  // --auth and --role-*: authenticates and authorizes `request`. Returns false after
  // filling `response` with the refusal (401, or 403 from the role).
  bool Authorize(const HttpRequest& request, HttpResponse& response);
  void RenderUnauthenticated(const EsError& error, HttpResponse& response);
  // RFC 7231 Date, on esim's clock (see ClusterOptions::clock_offset_s).
  bool SendsDateHeader() const;
  void AddDateHeader(HttpResponse& response) const;

  Cluster& cluster_;
  BulkHandler bulk_;
  IndexApi index_api_;
  AdminApi admin_api_;
  SecurityApi security_api_;
  std::string principal_;  // who the last request authenticated as
  simdjson::dom::parser filter_parser_;
  std::string filtered_;
};

}  // namespace esim
