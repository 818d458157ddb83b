// RequestHandler: what a connection calls for each request it reads. The server creates
// one handler per connection, so a handler may keep per-connection scratch buffers
// (parsers, item vectors) without locks; shared state lives behind the handler.
#pragma once

#include <cstddef>
#include <string_view>

#include "tests/esim/http_message.h"

namespace esim {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  // Largest body (after gzip decoding) accepted for the request with this head (its body
  // is not read yet). Larger bodies are read and
  // discarded, then Handle() sees `body_too_large`.
  virtual std::size_t MaxBodyBytes(const HttpRequest& head) const = 0;

  // Fills `response` for `request`. `response` arrives Reset().
  virtual void Handle(const HttpRequest& request, HttpResponse& response) = 0;

  // The connection could not read a request (bad head, bad chunking, bad gzip). The
  // connection closes after writing `response`.
  virtual void HandleProtocolError(int status, std::string_view reason, HttpResponse& response) = 0;
};

}  // namespace esim
