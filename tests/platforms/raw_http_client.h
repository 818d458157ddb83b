// RawHttpClient: a libuv client for the HTTP server tests that sends exact bytes (partial
// heads, oversized headers, pipelined requests) and records every byte it gets back, and
// whether the server closed the connection. Runs on the test's loop.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platforms/base/uv_handle.h"

namespace metrics::testing {

// Runs `loop` until `done()` holds or `timeout` passes; returns `done()`.
bool RunUntil(uv_loop_t* loop, const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct ParsedResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  // The value of header `name` (case-sensitive, as the server spells it), or "".
  std::string Header(std::string_view name) const;
};

// The complete responses at the front of `bytes` (Content-Length framing).
std::vector<ParsedResponse> ParseResponses(std::string_view bytes);

class RawHttpClient {
 public:
  static std::unique_ptr<RawHttpClient> ConnectTcp(uv_loop_t* loop, uint16_t port);
  static std::unique_ptr<RawHttpClient> ConnectUnix(uv_loop_t* loop, std::string_view path);
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;
  ~RawHttpClient() = default;

  // Sends `bytes` (queued until connected).
  void Send(std::string_view bytes);

  bool connected() const { return connected_; }
  int connect_error() const { return connect_error_; }  // a libuv error, 0 if none
  bool closed() const { return closed_; }               // EOF or error from the server
  const std::string& received() const { return received_; }
  std::vector<ParsedResponse> responses() const { return ParseResponses(received_); }

 private:
  RawHttpClient() = default;
  uv_stream_t* stream();
  void OnConnect(int status);
  void Write(std::string bytes);

  std::variant<base::UvHandle<uv_tcp_t>, base::UvHandle<uv_pipe_t>> handle_;
  bool connected_ = false;
  int connect_error_ = 0;
  bool closed_ = false;
  std::string pending_;
  std::string received_;
  char read_buffer_[16 * 1024] = {};
};

}  // namespace metrics::testing
