// HttpRequestParser: turns the bytes of an HTTP/1.1 request head into an HttpRequest, and
// decodes the pieces of the framing a connection needs (chunk-size lines, percent-encoding).
// Pure functions over byte ranges; the connection does the socket I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tests/esim/http_message.h"

namespace esim {

// What the head says about the body and the connection.
struct RequestFraming {
  std::optional<std::size_t> content_length;
  bool chunked = false;
  bool expect_continue = false;
  bool keep_alive = true;  // HTTP/1.1 default; "Connection: close" or HTTP/1.0 turn it off
  bool gzip = false;       // Content-Encoding: gzip / x-gzip
  bool deflate = false;    // Content-Encoding: deflate (zlib stream)
};

class HttpRequestParser {
 public:
  // Heads larger than this are refused (431) rather than buffered without bound.
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;

  // Parses `head`, the bytes up to and including the blank line that ends the head. The
  // request's views point into `head`. Returns an error text for a malformed head.
  static std::optional<std::string> ParseHead(std::string_view head, HttpRequest& request,
                                              RequestFraming& framing);

  // Parses a chunk-size line without its CRLF ("1a2b;ext=1"). nullopt when malformed.
  static std::optional<std::size_t> ParseChunkSize(std::string_view line);

  // Percent-decodes `text` ('+' is a space when `plus_is_space`, as in query strings).
  // nullopt on a broken escape.
  static std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
};

}  // namespace esim
