// HttpRequestParser: the head of an HTTP/1.1 request (RFC 9112) into an HttpRequest.
//
// A compact, strict parser for the local metrics and control endpoint: origin-form
// targets only, CRLF line ends, no obsolete line folding, and bodies only with
// Content-Length (Transfer-Encoding is answered 501). Its callers are Prometheus, curl and
// skiff's own CLI, so strictness costs nothing and keeps the attack surface small.
// Pure functions over text; the server does the socket I/O and enforces the size limits.
#pragma once

#include <cstddef>
#include <string_view>

#include "platforms/metrics/http_message.h"

namespace metrics {

struct RequestHead {
  std::size_t content_length = 0;
};

struct HeadParseError {
  int status = 400;         // the status to answer with before closing
  std::string_view reason;  // a constant text for the response body
};

class HttpRequestParser {
 public:
  // Parses `head`: the request line and the header lines, separated by CRLF, up to but
  // not including the CRLF CRLF that ends the head. On success fills `request` (views into `head`,
  // body untouched) and `framing`; on failure returns false and fills `error`.
  static bool ParseHead(std::string_view head, HttpRequest& request, RequestHead& framing,
                        HeadParseError& error);
};

}  // namespace metrics
