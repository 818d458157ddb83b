// SecurityApi: the one security endpoint a client needs to check its own credential:
// `GET|POST /_security/user/_has_privileges`, answered from the --role-* policy (every
// privilege granted when esim runs without a role), in ES 8's response shape. Any
// authenticated principal may ask about itself, as in Elasticsearch.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "tests/esim/cluster.h"
#include "tests/esim/http_message.h"

namespace esim {

class SecurityApi {
 public:
  // `cluster` must outlive the SecurityApi.
  explicit SecurityApi(Cluster& cluster) : cluster_(cluster) {}

  void HasPrivileges(std::string_view principal, std::string_view body, HttpResponse& response);

 private:
  Cluster& cluster_;
  simdjson::dom::parser parser_;
};

}  // namespace esim
