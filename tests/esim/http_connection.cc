#include "tests/esim/http_connection.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace esim {
namespace {

// Reads are at least this large, so a 5 MiB body arrives in few system calls.
constexpr std::size_t kMinReadBytes = 256 * 1024;
constexpr std::size_t kInitialBufferBytes = kMinReadBytes + kBodyPaddingBytes;
// A dropped response stops after this many bytes of its head: mid status line/headers.
constexpr std::size_t kDroppedHeadBytes = 20;
// Buffers larger than this are given back after the request, so one huge request does not
// pin its memory for the life of the connection.
constexpr std::size_t kRetainedBufferBytes = 16 * 1024 * 1024;

void AppendNumber(std::string& out, std::size_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

}  // namespace

HttpConnection::HttpConnection(int fd, RequestHandler& handler, const Interrupter& interrupter)
    : fd_(fd), handler_(handler), interrupter_(interrupter), buffer_(kInitialBufferBytes) {}

HttpConnection::~HttpConnection() {
  if (zstream_ready_) inflateEnd(&zstream_);
}

void HttpConnection::Run() {
  while (!interrupter_.interrupted() && ServeOne()) {
  }
  ::shutdown(fd_, SHUT_RDWR);
}

bool HttpConnection::Fill() {
  if (buffer_.size() - end_ < kMinReadBytes + kBodyPaddingBytes) {
    Reserve(end_ - begin_ + kMinReadBytes);
  }
  while (true) {
    std::size_t space = buffer_.size() - end_ - kBodyPaddingBytes;
    ssize_t n = ::recv(fd_, buffer_.data() + end_, space, 0);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

void HttpConnection::Reserve(std::size_t count) {
  std::size_t buffered = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, buffered);
    begin_ = 0;
    end_ = buffered;
  }
  std::size_t needed = count + kBodyPaddingBytes;
  if (buffer_.size() < needed) buffer_.resize(std::max(needed, buffer_.size() * 2));
}

bool HttpConnection::EnsureBuffered(std::size_t count) {
  if (end_ - begin_ >= count) return true;
  Reserve(std::max(count, kMinReadBytes));
  while (end_ - begin_ < count) {
    if (!Fill()) return false;
  }
  return true;
}

bool HttpConnection::ReadLine(std::string& line) {
  std::size_t scanned = 0;
  while (true) {
    std::string_view window(buffer_.data() + begin_, end_ - begin_);
    std::size_t crlf = window.find("\r\n", scanned);
    if (crlf != std::string_view::npos) {
      line.assign(window.substr(0, crlf));
      begin_ += crlf + 2;
      return true;
    }
    if (window.size() > HttpRequestParser::kMaxHeadBytes) return false;
    scanned = window.empty() ? 0 : window.size() - 1;
    if (!Fill()) return false;
  }
}

bool HttpConnection::Discard(std::size_t count) {
  while (count > 0) {
    if (begin_ == end_ && !Fill()) return false;
    std::size_t take = std::min(count, end_ - begin_);
    begin_ += take;
    count -= take;
  }
  return true;
}

HttpConnection::BodyOutcome HttpConnection::ReadChunkedBody(std::size_t max_bytes) {
  chunked_body_.clear();
  bool too_large = false;
  while (true) {
    if (!ReadLine(line_)) return BodyOutcome::kClosed;
    std::optional<std::size_t> size = HttpRequestParser::ParseChunkSize(line_);
    if (!size) return BodyOutcome::kProtocolError;
    if (*size == 0) break;
    if (chunked_body_.size() + *size > max_bytes) too_large = true;
    if (too_large) {
      if (!Discard(*size)) return BodyOutcome::kClosed;
    } else {
      if (!EnsureBuffered(*size)) return BodyOutcome::kClosed;
      chunked_body_.append(buffer_.data() + begin_, *size);
      begin_ += *size;
    }
    if (!EnsureBuffered(2)) return BodyOutcome::kClosed;
    if (buffer_[begin_] != '\r' || buffer_[begin_ + 1] != '\n') {
      return BodyOutcome::kProtocolError;
    }
    begin_ += 2;
  }
  // Trailer fields, ignored, up to the blank line.
  do {
    if (!ReadLine(line_)) return BodyOutcome::kClosed;
  } while (!line_.empty());
  if (too_large) return BodyOutcome::kTooLarge;
  chunked_body_.reserve(chunked_body_.size() + kBodyPaddingBytes);
  return BodyOutcome::kOk;
}

bool HttpConnection::Inflate(std::string_view compressed, std::size_t max_bytes, bool* too_large) {
  *too_large = false;
  if (!zstream_ready_) {
    // 15 + 32: a zlib or gzip stream, detected from its header.
    if (inflateInit2(&zstream_, 15 + 32) != Z_OK) return false;
    zstream_ready_ = true;
  } else if (inflateReset(&zstream_) != Z_OK) {
    return false;
  }
  inflated_.clear();
  zstream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zstream_.avail_in = static_cast<uInt>(compressed.size());
  std::size_t produced = 0;
  while (true) {
    if (inflated_.size() - produced < 64 * 1024) {
      inflated_.resize(std::max<std::size_t>(inflated_.size() * 2, produced + 256 * 1024));
    }
    zstream_.next_out = reinterpret_cast<Bytef*>(inflated_.data() + produced);
    zstream_.avail_out = static_cast<uInt>(inflated_.size() - produced);
    int rc = inflate(&zstream_, Z_NO_FLUSH);
    produced = inflated_.size() - zstream_.avail_out;
    if (produced > max_bytes) {
      *too_large = true;
      return false;
    }
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK) return false;
    if (zstream_.avail_in == 0 && zstream_.avail_out != 0) return false;  // truncated
  }
  inflated_.resize(produced);
  inflated_.reserve(produced + kBodyPaddingBytes);
  return true;
}

void HttpConnection::ProtocolError(int status, std::string_view reason) {
  response_.Reset();
  handler_.HandleProtocolError(status, reason, response_);
  WriteResponse(false, false);
}

bool HttpConnection::ServeOne() {
  // Tolerate empty lines between pipelined requests (RFC 9112 2.2).
  std::size_t head_end = std::string_view::npos;
  std::size_t scanned = 0;
  while (true) {
    while (end_ - begin_ >= 2 && buffer_[begin_] == '\r' && buffer_[begin_ + 1] == '\n') {
      begin_ += 2;
    }
    std::string_view window(buffer_.data() + begin_, end_ - begin_);
    head_end = window.find("\r\n\r\n", scanned);
    if (head_end != std::string_view::npos) break;
    if (window.size() > HttpRequestParser::kMaxHeadBytes) {
      ProtocolError(431, "request head too large");
      return false;
    }
    scanned = window.size() >= 3 ? window.size() - 3 : 0;
    if (!Fill()) return false;
  }
  head_.assign(buffer_.data() + begin_, head_end + 4);
  begin_ += head_end + 4;

  request_.path_segments.clear();
  request_.query.clear();
  request_.headers.clear();
  request_.body = {};
  request_.wire_body_bytes = 0;
  request_.wire_body = {};
  request_.body_too_large = false;
  RequestFraming framing;
  if (std::optional<std::string> error = HttpRequestParser::ParseHead(head_, request_, framing)) {
    ProtocolError(400, *error);
    return false;
  }

  const std::size_t max_bytes = handler_.MaxBodyBytes(request_);
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  std::size_t body_in_buffer = 0;  // bytes to consume from the buffer after handling
  if (framing.chunked) {
    if (framing.expect_continue && !WriteAll(kContinue, {})) return false;
    BodyOutcome outcome = ReadChunkedBody(max_bytes);
    if (outcome == BodyOutcome::kClosed) return false;
    if (outcome == BodyOutcome::kProtocolError) {
      ProtocolError(400, "malformed chunked body");
      return false;
    }
    request_.body_too_large = outcome == BodyOutcome::kTooLarge;
    request_.wire_body_bytes = chunked_body_.size();
    if (!request_.body_too_large) request_.body = chunked_body_;
  } else if (framing.content_length && *framing.content_length > 0) {
    const std::size_t length = *framing.content_length;
    request_.wire_body_bytes = length;
    if (length > max_bytes) {
      // With Expect: 100-continue the client waits and never sends the body; otherwise
      // read and drop it so the connection stays usable, as ES does.
      if (framing.expect_continue && end_ == begin_) {
        framing.keep_alive = false;
      } else if (!Discard(length)) {
        return false;
      }
      request_.body_too_large = true;
    } else {
      if (framing.expect_continue && end_ - begin_ < length && !WriteAll(kContinue, {})) {
        return false;
      }
      if (!EnsureBuffered(length)) return false;
      request_.body = std::string_view(buffer_.data() + begin_, length);
      body_in_buffer = length;
    }
  }

  request_.wire_body = request_.body;
  if ((framing.gzip || framing.deflate) && !request_.body.empty()) {
    bool too_large = false;
    if (Inflate(request_.body, max_bytes, &too_large)) {
      request_.body = inflated_;
    } else if (too_large) {
      request_.body = {};
      request_.body_too_large = true;
    } else {
      ProtocolError(400, "request body is not a valid gzip/deflate stream");
      return false;
    }
  }

  response_.Reset();
  handler_.Handle(request_, response_);
  begin_ += body_in_buffer;
  if (begin_ == end_) {
    begin_ = end_ = 0;
    if (buffer_.size() > kRetainedBufferBytes) {
      buffer_.resize(kInitialBufferBytes);
      buffer_.shrink_to_fit();
    }
  }
  if (chunked_body_.capacity() > kRetainedBufferBytes) std::string().swap(chunked_body_);
  if (inflated_.capacity() > kRetainedBufferBytes) std::string().swap(inflated_);

  const bool keep_alive = framing.keep_alive && !response_.close_connection;
  return WriteResponse(request_.method == "HEAD", keep_alive) && keep_alive;
}

bool HttpConnection::WriteResponse(bool head_only, bool keep_alive) {
  out_head_.clear();
  out_head_ += "HTTP/1.1 ";
  AppendNumber(out_head_, static_cast<std::size_t>(response_.status));
  out_head_ += ' ';
  out_head_ += ReasonPhrase(response_.status);
  out_head_ += "\r\n";
  if (response_.product_header) out_head_ += "X-elastic-product: Elasticsearch\r\n";
  if (!response_.content_type.empty()) {
    out_head_ += "content-type: ";
    out_head_ += response_.content_type;
    out_head_ += "\r\n";
  }
  out_head_ += "content-length: ";
  AppendNumber(out_head_, response_.body.size());
  out_head_ += "\r\n";
  for (const auto& [name, value] : response_.headers) {
    out_head_ += name;
    out_head_ += ": ";
    out_head_ += value;
    out_head_ += "\r\n";
  }
  if (!keep_alive) out_head_ += "connection: close\r\n";
  out_head_ += "\r\n";

  if (response_.delay.count() > 0 && !interrupter_.SleepFor(response_.delay)) return false;
  if (response_.drop_mid_response) {
    WriteAll(std::string_view(out_head_).substr(0, kDroppedHeadBytes), {});
    return false;
  }
  std::string_view body = head_only ? std::string_view() : std::string_view(response_.body);
  return WriteAll(out_head_, body);
}

bool HttpConnection::WriteAll(std::string_view first, std::string_view second) {
  iovec iov[2] = {{const_cast<char*>(first.data()), first.size()},
                  {const_cast<char*>(second.data()), second.size()}};
  int count = second.empty() ? 1 : 2;
  iovec* next = iov;
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = next;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto written = static_cast<std::size_t>(n);
    while (count > 0 && written >= next->iov_len) {
      written -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + written;
      next->iov_len -= written;
    }
  }
  return true;
}

}  // namespace esim
