// HttpConnection: serves one accepted TCP connection on its own thread with blocking
// sockets: reads requests (Content-Length or chunked bodies, Expect: 100-continue, gzip),
// hands each to the RequestHandler and writes the responses in request order, so
// pipelined requests are answered in order. Keep-alive until the peer closes, a
// "Connection: close", a protocol error or the server stops.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tests/esim/http_message.h"
#include "tests/esim/http_request_parser.h"
#include "tests/esim/interrupter.h"
#include "tests/esim/request_handler.h"

namespace esim {

class HttpConnection {
 public:
  // Borrows `fd` (the server closes it after Run returns), `handler` and `interrupter`,
  // all of which must outlive Run().
  HttpConnection(int fd, RequestHandler& handler, const Interrupter& interrupter);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Serves requests until the connection ends; shuts the socket down on return.
  void Run();

 private:
  enum class BodyOutcome { kOk, kTooLarge, kClosed, kProtocolError };

  bool ServeOne();
  // Reads more bytes into the buffer. False on EOF or error.
  bool Fill();
  // Makes at least `count` bytes available from begin_. False on EOF or error.
  bool EnsureBuffered(std::size_t count);
  void Reserve(std::size_t count);
  // Reads a CRLF-terminated line at begin_ (without the CRLF) and consumes it.
  bool ReadLine(std::string& line);
  BodyOutcome ReadChunkedBody(std::size_t max_bytes);
  bool Discard(std::size_t count);
  // Inflates `compressed` into inflated_. False on a corrupt stream or past `max_bytes`
  // (then *too_large says which).
  bool Inflate(std::string_view compressed, std::size_t max_bytes, bool* too_large);
  bool WriteAll(std::string_view first, std::string_view second);
  // Writes response_; false when the connection must end.
  bool WriteResponse(bool head_only, bool keep_alive);
  void ProtocolError(int status, std::string_view reason);

  int fd_;
  RequestHandler& handler_;
  const Interrupter& interrupter_;

  // Received bytes live in buffer_[begin_, end_); the vector's size is its capacity and
  // always leaves kBodyPaddingBytes readable after end_.
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;

  std::string head_;          // copy of the current head; the request's views point here
  std::string chunked_body_;  // de-chunked body of the current request
  std::string inflated_;      // gunzipped body of the current request
  std::string out_head_;      // response head being written
  std::string line_;
  HttpRequest request_;
  HttpResponse response_;
  z_stream zstream_{};
  bool zstream_ready_ = false;
};

}  // namespace esim
