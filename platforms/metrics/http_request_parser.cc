#include "platforms/metrics/http_request_parser.h"

namespace metrics {
namespace {

constexpr int kBadRequest = 400;
constexpr int kNotImplemented = 501;
constexpr int kVersionNotSupported = 505;
// Digits of a Content-Length we accept; the server's body limit is far below 10^15.
constexpr std::size_t kMaxContentLengthDigits = 15;
constexpr std::size_t kDecimalBase = 10;

// RFC 9110 tchar: the characters of methods and header names.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return kSpecials.find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// True when the comma-separated `list` holds `token` (case-insensitive).
bool ListContains(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (HeaderNameEquals(Trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool ParseContentLength(std::string_view text, std::size_t& out) {
  if (text.empty() || text.size() > kMaxContentLengthDigits) return false;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * kDecimalBase + static_cast<std::size_t>(c - '0');
  }
  out = value;
  return true;
}

bool Fail(HeadParseError& error, int status, std::string_view reason) {
  error.status = status;
  error.reason = reason;
  return false;
}

// "GET /metrics HTTP/1.1"; sets `http10` for HTTP/1.0.
bool ParseRequestLine(std::string_view line, HttpRequest& request, bool& http10,
                      HeadParseError& error) {
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail(error, kBadRequest, "malformed request line");
  request.method = line.substr(0, sp1);
  request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(request.method)) return Fail(error, kBadRequest, "malformed method");
  if (request.target.empty() || request.target.front() != '/') {
    return Fail(error, kBadRequest, "the target must be a path starting with '/'");
  }
  for (char c : request.target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return Fail(error, kBadRequest, "malformed target");
    }
  }
  if (version == "HTTP/1.1") {
    http10 = false;
  } else if (version == "HTTP/1.0") {
    http10 = true;
  } else if (version.starts_with("HTTP/")) {
    return Fail(error, kVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported");
  } else {
    return Fail(error, kBadRequest, "malformed request line");
  }
  std::size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  request.query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  return true;
}

// What the header lines say about framing and the connection, gathered line by line.
struct HeaderFacts {
  bool have_length = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
};

// Parses one header line into `header` and notes what it says in `framing` and `facts`.
bool ParseHeaderLine(std::string_view line, HttpHeaderView& header, RequestHead& framing,
                     HeaderFacts& facts, HeadParseError& error) {
  if (line.empty()) return Fail(error, kBadRequest, "empty header line");
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail(error, kBadRequest, "folded header lines are not supported");
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Fail(error, kBadRequest, "malformed header line");
  }
  header = {line.substr(0, colon), Trim(line.substr(colon + 1))};
  for (char c : header.value) {
    if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == '\x7f') {
      return Fail(error, kBadRequest, "control character in a header value");
    }
  }
  if (HeaderNameEquals(header.name, "Content-Length")) {
    std::size_t length = 0;
    if (!ParseContentLength(header.value, length) ||
        (facts.have_length && length != framing.content_length)) {
      return Fail(error, kBadRequest, "malformed Content-Length");
    }
    framing.content_length = length;
    facts.have_length = true;
  } else if (HeaderNameEquals(header.name, "Transfer-Encoding")) {
    return Fail(error, kNotImplemented, "Transfer-Encoding is not supported; send Content-Length");
  } else if (HeaderNameEquals(header.name, "Connection")) {
    facts.connection_close = facts.connection_close || ListContains(header.value, "close");
    facts.connection_keep_alive =
        facts.connection_keep_alive || ListContains(header.value, "keep-alive");
  }
  return true;
}

}  // namespace

bool HttpRequestParser::ParseHead(std::string_view head, HttpRequest& request, RequestHead& framing,
                                  HeadParseError& error) {
  request.headers.clear();
  request.body = {};
  framing = RequestHead{};
  std::size_t eol = head.find("\r\n");
  bool http10 = false;
  if (!ParseRequestLine(head.substr(0, eol), request, http10, error)) return false;
  HeaderFacts facts;
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    HttpHeaderView header;
    if (!ParseHeaderLine(head.substr(0, eol), header, framing, facts, error)) return false;
    request.headers.push_back(header);
  }
  request.keep_alive = !facts.connection_close && (!http10 || facts.connection_keep_alive);
  return true;
}

}  // namespace metrics
