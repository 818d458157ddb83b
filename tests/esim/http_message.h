// HttpRequest and HttpResponse: the values esim's HTTP server hands to its handlers and
// writes back. The server owns both; a handler reads the request and fills the response.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esim {

// Readable bytes guaranteed after the end of HttpRequest::body, so JSON parsers that read
// ahead in blocks (simdjson needs 64) can parse lines of the body in place.
constexpr std::size_t kBodyPaddingBytes = 64;

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

// One parsed request. Every view points into buffers owned by the connection and stays
// valid until the handler returns.
struct HttpRequest {
  std::string_view method;
  std::string_view target;                 // as sent: "/idx/_bulk?filter_path=..."
  std::vector<std::string> path_segments;  // percent-decoded, empty segments dropped
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::vector<HttpHeader> headers;
  std::string_view body;            // de-chunked and decompressed; see kBodyPaddingBytes
  std::size_t wire_body_bytes = 0;  // body bytes as received (before gzip decoding)
  // The body as received (de-chunked, not decompressed): what a SigV4 payload hash covers.
  std::string_view wire_body;
  // The body exceeded the size limit and was discarded: answer 413.
  bool body_too_large = false;

  // The first header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The value of query parameter `name`; a present flag without value ("?pretty") is "".
  std::optional<std::string_view> Query(std::string_view name) const;
  // ES boolean query parameter: absent -> false, "" or "true" -> true.
  bool QueryFlag(std::string_view name) const;
  // The target without its query string, as ES quotes it in some errors ("/_bulk").
  std::string_view PathForErrors() const { return target.substr(0, target.find('?')); }
};

// The response a handler fills. The connection reuses one object per connection, so the
// body keeps its capacity between requests.
struct HttpResponse {
  int status = 200;
  // Empty means no Content-Type header (e.g. a 413 with an empty body).
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the standard ones
  std::string body;
  // Faults: wait before answering; or write only part of the head and then close.
  std::chrono::milliseconds delay{0};
  bool drop_mid_response = false;
  bool close_connection = false;
  // X-Elastic-Product: Elasticsearch (every Elasticsearch >= 7.14 response; OpenSearch never).
  bool product_header = true;

  void Reset();
  void AddHeader(std::string_view name, std::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
  }
};

// "OK", "Not Found", ... for the status line.
std::string_view ReasonPhrase(int status);

// ASCII case-insensitive comparison (HTTP header names, auth schemes).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace esim
