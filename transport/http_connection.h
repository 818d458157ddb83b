// HttpConnection: one HTTP/1.1 connection over libuv TCP, carrying one exchange at a time
// (no pipelining). Owned by HttpClient, which pools idle connections per endpoint.
//
// Life: Exchange() on a fresh connection resolves the name (uv_getaddrinfo), connects
// (uv_tcp_connect, trying each address), writes the request (uv_write) and reads the
// response (uv_read_start) into an HttpResponseParser. Between exchanges the connection
// keeps reading, so a server closing an idle keep-alive connection is noticed at once.
//
// TLS seam: the socket is used only through Connect/WriteRaw/OnBytes. A TLS stream
// (mbedTLS) will sit between those and the parser: the plaintext write goes through the
// TLS context and received records are decrypted before Feed().
//
// Callbacks (completion, idle close) are always the last thing a connection does, so the
// owner may destroy the connection inside them. Destroying it at any other time is also
// safe: pending libuv requests are detached (their callbacks only free their own memory)
// and the handles close through base::UvHandle.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platforms/base/result.h"
#include "platforms/base/uv_handle.h"
#include "transport/http_endpoint.h"
#include "transport/http_request.h"
#include "transport/http_response.h"
#include "transport/http_response_parser.h"

namespace transport {

struct HttpConnectionOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // name lookup and TCP connect
  std::chrono::milliseconds request_timeout{60'000};  // first byte written to last byte read
  HttpResponseParser::Limits limits;
};

class HttpConnection {
 public:
  using Completion = std::function<void(base::Result<HttpResponse>)>;

  // `loop` must outlive the connection.
  HttpConnection(uv_loop_t* loop, HttpEndpoint endpoint, HttpConnectionOptions options);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `request` and calls `done` once with the response or the failure. Only when
  // idle(). Connection failures are kUnavailable, timeouts kDeadlineExceeded, malformed
  // responses kCorruption.
  void Exchange(HttpRequest request, Completion done);

  // Runs when the peer closes (or breaks) the connection while no exchange is active.
  void set_on_idle_close(std::function<void()> on_idle_close) {
    on_idle_close_ = std::move(on_idle_close);
  }

  bool idle() const { return state_ == State::kIdle || state_ == State::kNew; }
  // Whether the connection can take another exchange (it is alive and was not closed).
  bool reusable() const { return state_ == State::kIdle; }
  const HttpEndpoint& endpoint() const { return endpoint_; }
  const std::string& key() const { return key_; }

 private:
  enum class State { kNew, kResolving, kConnecting, kBusy, kIdle, kClosed };
  struct ResolveOp;
  struct ConnectOp;
  struct WriteOp;

  void StartResolve();
  void OnResolved(int status, addrinfo* result);
  void ConnectNext();
  void OnConnected(int status);
  void SendRequest();
  void OnWritten(int status);
  void OnRead(ssize_t nread, const uv_buf_t* buf);
  void OnTimeout();
  void StartTimer(std::chrono::milliseconds timeout);
  // Ends the current exchange; the completion is the last call.
  void Finish(base::Result<HttpResponse> result);
  void Fail(base::Status status) { Finish(std::move(status)); }
  void CloseSocket();

  uv_loop_t* const loop_;
  const HttpEndpoint endpoint_;
  const std::string key_;
  const HttpConnectionOptions options_;
  State state_ = State::kNew;
  base::UvHandle<uv_tcp_t> tcp_;
  base::UvHandle<uv_timer_t> timer_;
  // In-flight libuv requests, detached (owner cleared) when this connection dies first.
  ResolveOp* resolve_op_ = nullptr;
  ConnectOp* connect_op_ = nullptr;
  WriteOp* write_op_ = nullptr;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_address_ = 0;
  base::Status last_connect_error_;
  HttpRequest request_;  // until written
  Completion done_;
  HttpResponseParser parser_;
  std::unique_ptr<char[]> read_buffer_;
  std::function<void()> on_idle_close_;
};

}  // namespace transport
