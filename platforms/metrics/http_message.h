// HttpRequest and HttpResponse: what the local HTTP server hands to a route handler and
// what the handler returns.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metrics {

struct HttpHeaderView {
  std::string_view name;
  std::string_view value;  // without surrounding whitespace
};

// One parsed request. Every view points into the connection's input buffer and is valid
// only during the handler call that receives it.
struct HttpRequest {
  std::string_view method;  // "GET", case-sensitive as HTTP says
  std::string_view target;  // as sent: "/metrics?name=x"
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', not decoded; empty when absent
  std::vector<HttpHeaderView> headers;
  std::string_view body;
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
  // Came through a Unix socket listener (mode 0600: skiff's own user), not TCP. Routes
  // that change the agent (the control socket's /reload) answer only these.
  bool over_unix_socket = false;

  // The first header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// ASCII case-insensitive comparison, as header names and tokens compare.
bool HeaderNameEquals(std::string_view a, std::string_view b);

// "OK", "Not Found", ...; "Unknown" for codes the server never sends.
std::string_view HttpReasonPhrase(int status);

}  // namespace metrics
