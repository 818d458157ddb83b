// HttpConnection: one HTTP/1.1 connection over libuv TCP, optionally through an HTTP proxy
// and optionally TLS (mbedTLS), carrying one exchange at a time (no pipelining). Owned by
// HttpClient, which pools idle connections per endpoint.
//
// Life: Exchange() on a fresh connection resolves the name (uv_getaddrinfo), connects
// (uv_tcp_connect, trying each address), and then, in order and only where they apply:
// asks the proxy for a tunnel (`CONNECT host:port`, for https endpoints), completes the TLS
// handshake (tls_stream.h), and writes the request (uv_write) and reads the response
// (uv_read_start) into an HttpResponseParser. Nothing of the request is sent before the
// handshake completes. Through a proxy, http requests go to the proxy with absolute-form
// targets ("http://es-1:9200/_bulk"). With TLS, request bytes are encrypted a chunk at a
// time (memory stays at one chunk of ciphertext besides the body) and received records are
// decrypted before the parser sees them. Between exchanges the connection keeps reading,
// so a server closing an idle keep-alive connection is noticed at once.
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
#include "transport/proxy_resolver.h"
#include "transport/tls_context.h"
#include "transport/tls_stream.h"

namespace transport {

struct HttpConnectionOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // name lookup and TCP connect
  std::chrono::milliseconds request_timeout{60'000};  // first byte written to last byte read
  HttpResponseParser::Limits limits;
};

class HttpConnection {
 public:
  using Completion = std::function<void(base::Result<HttpResponse>)>;

  // `loop` must outlive the connection; so must `tls` (required for https endpoints) and
  // `proxy` (nullptr: connect directly), which the owning HttpClient holds.
  HttpConnection(uv_loop_t* loop, HttpEndpoint endpoint, HttpConnectionOptions options,
                 TlsContext* tls = nullptr, const ProxyServer* proxy = nullptr);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `request` and calls `done` once with the response or the failure. Only when
  // idle(). Connection, proxy and TLS handshake failures are kUnavailable (a handshake
  // failure names its cause: tls_error.h), timeouts kDeadlineExceeded, malformed
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
  enum class State {
    kNew,
    kResolving,
    kConnecting,
    kTunneling,    // waiting for the proxy's answer to CONNECT
    kHandshaking,  // TLS handshake
    kBusy,         // the request is being written or its response read
    kIdle,
    kClosed,
  };
  struct ResolveOp;
  struct ConnectOp;
  struct WriteOp;

  void StartResolve();
  void OnResolved(int status, addrinfo* result);
  void ConnectNext();
  void OnConnected(int status);
  void SendConnect();
  void OnTunnelBytes(std::string_view bytes);
  // These return false when they ended the exchange: the completion ran and may have
  // destroyed this connection, so the caller must return without touching a member.
  bool StartHandshake();
  bool ContinueHandshake();
  void SendRequest();
  // Encrypts and writes the next chunk of the request (TLS only).
  void WriteNextTlsChunk();
  // Writes bytes as they are (CONNECT, TLS records). Returns the pending write, or nullptr
  // when it could not start (then the failure is reported from the timer).
  WriteOp* WriteRaw(std::string bytes);
  void WriteOutgoingTls();
  void OnWritten(WriteOp* op, int status);
  bool OnResponseBytes(std::string_view bytes);
  void OnRead(ssize_t nread, const uv_buf_t* buf);
  void OnTimeout();
  void StartTimer(std::chrono::milliseconds timeout);
  // Ends the current exchange; the completion is the last call.
  void Finish(base::Result<HttpResponse> result);
  void Fail(base::Status status) { Finish(std::move(status)); }
  void CloseSocket();

  // The host and port the socket connects to: the proxy's, or the endpoint's.
  const std::string& connect_host() const { return proxy_ ? proxy_->host : endpoint_.host; }
  uint16_t connect_port() const { return proxy_ ? proxy_->port : endpoint_.port; }

  uv_loop_t* const loop_;
  const HttpEndpoint endpoint_;
  const std::string key_;
  const HttpConnectionOptions options_;
  TlsContext* const tls_context_;
  const ProxyServer* const proxy_;
  State state_ = State::kNew;
  base::UvHandle<uv_tcp_t> tcp_;
  base::UvHandle<uv_timer_t> timer_;
  // In-flight libuv requests, detached (owner cleared) when this connection dies first.
  ResolveOp* resolve_op_ = nullptr;
  ConnectOp* connect_op_ = nullptr;
  std::vector<WriteOp*> write_ops_;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_address_ = 0;
  base::Status last_connect_error_;
  HttpRequest request_;  // until written
  // TLS: the request's head and body while they are encrypted chunk by chunk.
  std::string tls_head_;
  std::string tls_body_;
  std::size_t tls_written_ = 0;  // bytes of head then body already encrypted
  std::unique_ptr<TlsStream> tls_;
  // The handshake's success is reported (TlsContext::ReportHandshake) with the first
  // response that is not a TLS set-up complaint, so a server that completes handshakes
  // but answers 400 for a missing client certificate does not look like a recovery.
  bool handshake_reported_ = false;
  std::string plaintext_;        // decrypted bytes for the parser, reused
  std::string tunnel_response_;  // the proxy's answer to CONNECT, until its blank line
  Completion done_;
  HttpResponseParser parser_;
  std::unique_ptr<char[]> read_buffer_;
  std::function<void()> on_idle_close_;
};

}  // namespace transport
