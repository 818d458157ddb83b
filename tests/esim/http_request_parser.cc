#include "tests/esim/http_request_parser.h"

#include <charconv>
#include <limits>

namespace esim {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string> ParseTarget(std::string_view target, HttpRequest& request) {
  if (target.empty() || target.front() != '/') return "request target must start with '/'";
  std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    std::size_t slash = path.find('/');
    std::string_view raw = path.substr(0, slash);
    if (!raw.empty()) {
      std::optional<std::string> segment = HttpRequestParser::PercentDecode(raw, false);
      if (!segment) return "bad percent-encoding in path";
      request.path_segments.push_back(std::move(*segment));
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::optional<std::string> key = HttpRequestParser::PercentDecode(pair.substr(0, eq), true);
      std::optional<std::string> value = HttpRequestParser::PercentDecode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!key || !value) return "bad percent-encoding in query string";
      request.query.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> HttpRequestParser::ParseHead(std::string_view head, HttpRequest& request,
                                                        RequestFraming& framing) {
  std::size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return "request line is not terminated";
  std::string_view line = head.substr(0, line_end);
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) return "malformed request line";
  request.method = line.substr(0, sp1);
  request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (version == "HTTP/1.1") {
    framing.keep_alive = true;
  } else if (version == "HTTP/1.0") {
    framing.keep_alive = false;
  } else {
    return "unsupported HTTP version";
  }
  if (std::optional<std::string> error = ParseTarget(request.target, request)) return error;

  std::string_view rest = head.substr(line_end + 2);
  while (true) {
    std::size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) return "header block is not terminated";
    std::string_view header = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (header.empty()) break;
    std::size_t colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) return "malformed header line";
    std::string_view name = header.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return "whitespace in header name";
    std::string_view value = Trim(header.substr(colon + 1));
    request.headers.push_back({name, value});

    if (EqualsIgnoreCase(name, "content-length")) {
      std::size_t length = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
        return "bad Content-Length";
      }
      if (framing.content_length && *framing.content_length != length) {
        return "conflicting Content-Length headers";
      }
      framing.content_length = length;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (HasToken(value, "chunked")) {
        framing.chunked = true;
      } else if (!EqualsIgnoreCase(value, "identity")) {
        return "unsupported Transfer-Encoding";
      }
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (HasToken(value, "close")) framing.keep_alive = false;
      if (HasToken(value, "keep-alive")) framing.keep_alive = true;
    } else if (EqualsIgnoreCase(name, "expect")) {
      framing.expect_continue = EqualsIgnoreCase(value, "100-continue");
    } else if (EqualsIgnoreCase(name, "content-encoding")) {
      framing.gzip = HasToken(value, "gzip") || HasToken(value, "x-gzip");
      framing.deflate = HasToken(value, "deflate");
    }
  }
  // RFC 9112 6.3: chunked wins over Content-Length; a sender must not send both.
  if (framing.chunked && framing.content_length) return "both Content-Length and chunked";
  return std::nullopt;
}

std::optional<std::size_t> HttpRequestParser::ParseChunkSize(std::string_view line) {
  std::size_t semicolon = line.find(';');
  std::string_view digits = Trim(line.substr(0, semicolon));
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  std::size_t size = 0;
  for (char c : digits) {
    int v = HexValue(c);
    if (v < 0) return std::nullopt;
    size = size * 16 + static_cast<std::size_t>(v);
  }
  return size;
}

std::optional<std::string> HttpRequestParser::PercentDecode(std::string_view text,
                                                            bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace esim
