// HttpResponseParser: an incremental HTTP/1.1 response parser (RFC 9112) for the client in
// http_client.h. Bytes arrive in whatever pieces the socket gives; feeding one byte at a
// time yields the same response as feeding the whole message at once.
//
// Handles the status line, headers, Content-Length, Transfer-Encoding: chunked (with
// trailers, which are discarded), bodies delimited by the connection closing, interim 1xx
// responses (skipped), and bodiless statuses (204, 304). The body is delivered whole once
// complete. Limits on the header block and the body size turn hostile or broken peers into
// a clear error instead of unbounded memory.
//
// Lines may end in CRLF or a bare LF (RFC 9112 §2.2 allows a recipient to accept LF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "transport/http_response.h"

namespace transport {

class HttpResponseParser {
 public:
  struct Limits {
    // Status line plus headers; Elasticsearch sends well under 1 KiB.
    std::size_t max_header_bytes = 64 * 1024;
    // A bulk response for 10,000 failed items with long reasons stays well below this.
    std::size_t max_body_bytes = 64 * 1024 * 1024;
  };

  explicit HttpResponseParser(Limits limits);
  HttpResponseParser() : HttpResponseParser(Limits{}) {}

  // Consumes bytes of the response. Returns how many bytes were used: fewer than
  // data.size() only once the response is complete (the rest belongs to no request and the
  // caller treats it as a protocol error). After an error the parser stays failed.
  base::Result<std::size_t> Feed(std::string_view data);

  // The peer closed the connection. Completes a body delimited by close; any other
  // incomplete message is an error ("truncated").
  base::Status FinishAtEof();

  bool done() const { return state_ == State::kDone; }
  // True once any byte of a response was received (a reused connection that closes before
  // that may be retried safely elsewhere).
  bool started() const { return started_; }
  // Whether the connection may carry another request after this response.
  bool keep_alive() const { return keep_alive_; }
  // Moves the finished response out. Only when done().
  HttpResponse TakeResponse();

  // Ready for the next response on the same connection (keeps buffer capacity).
  void Reset();

  // Whether the response to a HEAD request is expected (no body whatever the headers say).
  void set_expect_no_body(bool value) { expect_no_body_ = value; }

 private:
  enum class State {
    kHead,          // collecting the status line and headers in head_
    kFixedBody,     // remaining_ bytes of body left
    kChunkSize,     // collecting a chunk-size line in line_
    kChunkData,     // remaining_ bytes of the current chunk left
    kChunkDataEnd,  // the CRLF after chunk data, in line_
    kTrailers,      // trailer lines until an empty one, in line_
    kUntilClose,    // body ends when the peer closes
    kDone,
    kFailed,
  };

  base::Status Fail(std::string_view why);
  base::Status ParseHead();
  base::Status StartBody();
  base::Status AppendBody(std::string_view bytes);
  // Appends to line_ up to and including '\n'; returns bytes used and whether a line ended.
  base::Result<std::size_t> TakeLine(std::string_view data, std::size_t max_bytes, bool* ended);

  const Limits limits_;
  State state_ = State::kHead;
  bool started_ = false;
  bool keep_alive_ = true;
  bool expect_no_body_ = false;
  std::string head_;  // raw header block, kept until parsed
  std::string line_;  // chunk-size or trailer line in progress
  uint64_t remaining_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool chunked_ = false;
  bool has_length_ = false;
  uint64_t content_length_ = 0;
  HttpResponse response_;
};

}  // namespace transport
