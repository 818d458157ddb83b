// HttpHeader and HttpResponse: the values the HTTP client hands back, and the header list a
// request carries. Plain data; the parser (http_response_parser.h) fills them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace transport {

struct HttpHeader {
  std::string name;
  std::string value;
};

// Case-insensitive ASCII comparison, as HTTP header names require (RFC 9110 §5.1).
bool HeaderNameEquals(std::string_view a, std::string_view b);

// The value of the first header called `name`, or nullopt. The view borrows from `headers`.
std::optional<std::string_view> FindHeader(const std::vector<HttpHeader>& headers,
                                           std::string_view name);

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;  // decoded from chunked transfer coding, if any

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

}  // namespace transport
