// HttpRequest: what the client sends. The body is moved in and owned by the client until
// the write completes.
#pragma once

#include <string>
#include <vector>

#include "transport/http_response.h"

namespace transport {

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already escaped; the endpoint prefix goes first
  // Extra headers. The client adds Host and Content-Length itself.
  std::vector<HttpHeader> headers;
  std::string body;
};

}  // namespace transport
