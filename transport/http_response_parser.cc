#include "transport/http_response_parser.h"

#include <algorithm>
#include <utility>

#include "platforms/base/log.h"

namespace transport {
namespace {

// A chunk-size line is a hex number and optional extensions; 1 KiB is generous.
constexpr std::size_t kMaxChunkLineBytes = 1024;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsTokenChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;  // 15 hex digits: no overflow
  uint64_t v = 0;
  for (char c : s) {
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = v * 16 + d;
  }
  *out = v;
  return true;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool ListContains(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (HeaderNameEquals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Strips the line ending ("\n" or "\r\n") from a complete line.
std::string_view StripEol(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

HttpResponseParser::HttpResponseParser(Limits limits) : limits_(limits) {}

void HttpResponseParser::Reset() {
  state_ = State::kHead;
  started_ = false;
  keep_alive_ = true;
  expect_no_body_ = false;
  head_.clear();
  line_.clear();
  remaining_ = 0;
  trailer_bytes_ = 0;
  chunked_ = false;
  has_length_ = false;
  content_length_ = 0;
  response_ = HttpResponse{};
}

HttpResponse HttpResponseParser::TakeResponse() { return std::move(response_); }

base::Status HttpResponseParser::Fail(std::string_view why) {
  state_ = State::kFailed;
  keep_alive_ = false;
  return base::Corruption(base::StrCat("malformed HTTP response: ", why));
}

base::Result<std::size_t> HttpResponseParser::TakeLine(std::string_view data, std::size_t max_bytes,
                                                       bool* ended) {
  std::size_t nl = data.find('\n');
  std::size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  if (line_.size() + take > max_bytes) return Fail("line too long");
  line_.append(data.substr(0, take));
  *ended = nl != std::string_view::npos;
  return take;
}

base::Status HttpResponseParser::AppendBody(std::string_view bytes) {
  if (response_.body.size() + bytes.size() > limits_.max_body_bytes) {
    return Fail(base::StrCat("body exceeds ", limits_.max_body_bytes, " bytes"));
  }
  response_.body.append(bytes);
  return base::Status::Ok();
}

base::Result<std::size_t> HttpResponseParser::Feed(std::string_view data) {
  if (state_ == State::kFailed) return Fail("fed after an error");
  if (!data.empty()) started_ = true;
  std::size_t used = 0;
  while (used < data.size() && state_ != State::kDone) {
    std::string_view rest = data.substr(used);
    switch (state_) {
      case State::kHead: {
        std::size_t old = head_.size();
        std::size_t take = std::min(rest.size(), limits_.max_header_bytes + 1 - old);
        head_.append(rest.substr(0, take));
        // The head ends with an empty line: "\n\n" or "\n\r\n".
        std::size_t end = std::string::npos;
        for (std::size_t i = old >= 2 ? old - 2 : 0; i < head_.size(); ++i) {
          if (head_[i] != '\n') continue;
          if (i + 1 < head_.size() && head_[i + 1] == '\n') {
            end = i + 2;
            break;
          }
          if (i + 2 < head_.size() && head_[i + 1] == '\r' && head_[i + 2] == '\n') {
            end = i + 3;
            break;
          }
        }
        if (end == std::string::npos) {
          if (head_.size() > limits_.max_header_bytes) {
            return Fail(base::StrCat("header block exceeds ", limits_.max_header_bytes, " bytes"));
          }
          used += take;
          break;
        }
        used += end - old;
        head_.resize(end);
        if (base::Status s = ParseHead(); !s.ok()) return s;
        break;
      }
      case State::kFixedBody:
      case State::kChunkData: {
        std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(remaining_, rest.size()));
        if (base::Status s = AppendBody(rest.substr(0, take)); !s.ok()) return s;
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = state_ == State::kFixedBody ? State::kDone : State::kChunkDataEnd;
        }
        break;
      }
      case State::kUntilClose: {
        if (base::Status s = AppendBody(rest); !s.ok()) return s;
        used += rest.size();
        break;
      }
      case State::kChunkSize:
      case State::kChunkDataEnd:
      case State::kTrailers: {
        std::size_t max = state_ == State::kChunkDataEnd ? 2
                          : state_ == State::kChunkSize  ? kMaxChunkLineBytes
                                                         : limits_.max_header_bytes;
        bool ended = false;
        base::Result<std::size_t> took = TakeLine(rest, max, &ended);
        if (!took.has_value()) return std::move(took).error();
        used += *took;
        if (!ended) {
          // After chunk data only CRLF may follow; catch junk before waiting for more.
          if (state_ == State::kChunkDataEnd && line_ != "\r") {
            return Fail("chunk data not followed by CRLF");
          }
          break;
        }
        std::string_view line = StripEol(line_);
        if (state_ == State::kChunkDataEnd) {
          if (!line.empty()) return Fail("chunk data not followed by CRLF");
          state_ = State::kChunkSize;
        } else if (state_ == State::kChunkSize) {
          std::string_view size_text = Trim(line.substr(0, line.find(';')));
          uint64_t size = 0;
          if (!ParseHex(size_text, &size)) return Fail("bad chunk size");
          if (size == 0) {
            state_ = State::kTrailers;
          } else {
            if (response_.body.size() + size > limits_.max_body_bytes) {
              return Fail(base::StrCat("body exceeds ", limits_.max_body_bytes, " bytes"));
            }
            remaining_ = size;
            state_ = State::kChunkData;
          }
        } else {  // trailers are read and dropped
          if (line.empty()) {
            state_ = State::kDone;
          } else {
            trailer_bytes_ += line_.size();
            if (trailer_bytes_ > limits_.max_header_bytes) return Fail("trailers too large");
          }
        }
        line_.clear();
        break;
      }
      case State::kDone:
      case State::kFailed:
        break;
    }
  }
  return used;
}

base::Status HttpResponseParser::ParseHead() {
  std::string_view head = head_;
  std::size_t eol = head.find('\n');
  std::string_view status_line = StripEol(head.substr(0, eol + 1));
  head.remove_prefix(eol + 1);

  // "HTTP/1.1 200 OK": the reason phrase is optional and ignored.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return Fail("bad status line");
  }
  uint64_t status = 0;
  if (!ParseDecimal(status_line.substr(9, 3), &status) || status < 100 || status > 999) {
    return Fail("bad status code");
  }
  bool http10 = status_line[7] == '0';

  std::vector<HttpHeader> headers;
  while (!head.empty()) {
    eol = head.find('\n');
    std::string_view line = StripEol(head.substr(0, eol + 1));
    head.remove_prefix(eol + 1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return Fail("obsolete header folding");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail("header without a name");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar)) return Fail("bad header name");
    headers.push_back(HttpHeader{std::string(name), std::string(Trim(line.substr(colon + 1)))});
  }
  head_.clear();

  if (status >= 100 && status < 200) {
    // Interim response (100 Continue, 103 Early Hints): the final one follows.
    if (status == 101) return Fail("unexpected protocol switch");
    return base::Status::Ok();
  }

  response_.status = static_cast<int>(status);
  response_.headers = std::move(headers);
  keep_alive_ = !http10;
  chunked_ = false;
  has_length_ = false;
  for (const HttpHeader& h : response_.headers) {
    if (HeaderNameEquals(h.name, "Content-Length")) {
      uint64_t length = 0;
      if (!ParseDecimal(h.value, &length)) return Fail("bad Content-Length");
      if (has_length_ && length != content_length_) return Fail("conflicting Content-Length");
      has_length_ = true;
      content_length_ = length;
    } else if (HeaderNameEquals(h.name, "Transfer-Encoding")) {
      // Only "chunked" (last) is supported; we never ask for other codings.
      std::string_view value = h.value;
      std::size_t comma = value.rfind(',');
      std::string_view last =
          Trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
      if (!HeaderNameEquals(last, "chunked")) return Fail("unsupported Transfer-Encoding");
      chunked_ = true;
    } else if (HeaderNameEquals(h.name, "Connection")) {
      if (ListContains(h.value, "close")) keep_alive_ = false;
      if (http10 && ListContains(h.value, "keep-alive")) keep_alive_ = true;
    }
  }
  return StartBody();
}

base::Status HttpResponseParser::StartBody() {
  if (expect_no_body_ || response_.status == 204 || response_.status == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_) {
    if (content_length_ > limits_.max_body_bytes) {
      return Fail(base::StrCat("body exceeds ", limits_.max_body_bytes, " bytes"));
    }
    response_.body.reserve(static_cast<std::size_t>(content_length_));
    remaining_ = content_length_;
    state_ = content_length_ == 0 ? State::kDone : State::kFixedBody;
  } else {
    keep_alive_ = false;  // the body ends when the peer closes
    state_ = State::kUntilClose;
  }
  return base::Status::Ok();
}

base::Status HttpResponseParser::FinishAtEof() {
  switch (state_) {
    case State::kDone:
      return base::Status::Ok();
    case State::kUntilClose:
      state_ = State::kDone;
      return base::Status::Ok();
    case State::kFailed:
      return base::Corruption("malformed HTTP response");
    case State::kHead:
      if (!started_) {
        state_ = State::kFailed;
        return base::Unavailable("connection closed before a response");
      }
      return Fail("connection closed in the response head");
    default:
      return Fail("connection closed in the response body (truncated)");
  }
}

}  // namespace transport
