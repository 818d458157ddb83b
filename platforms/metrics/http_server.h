// HttpServer: a small HTTP/1.1 server on the loop, for the metrics endpoint
// (`[metrics] listen`) and the control socket (`data_dir/skiff.sock`).
//
// It serves a route table, method + path -> handler, where a handler turns a request into
// a response synchronously on the loop thread. Unknown paths get 404; a known path with
// another method gets 405 and an Allow header. A GET route also answers HEAD.
//
// Robust against the clients a local endpoint meets (scrapers, curl, port scanners):
//  - bounded input: a request head over `max_head_bytes` gets 431, a body over
//    `max_body_bytes` gets 413, then the connection closes;
//  - one slow client never blocks another: every socket is non-blocking, and a
//    connection that sends a request too slowly (`request_timeout`), stays idle between
//    requests (`idle_timeout`) or does not read its response closes;
//  - at most `max_connections` at once; more are accepted and closed at once;
//  - keep-alive and pipelining, one request at a time per connection: reading pauses
//    while a response is being written, so an unread response cannot grow memory;
//  - an error response is followed by a half-close and a short linger that drains what
//    the client still sends, so it sees the status instead of a connection reset.
//
// Unix socket listeners are made with mode 0600 (chmod between bind and listen, so there
// is no moment at which another user could connect); a stale file from a crashed run is
// replaced, a live listener is not (unix_socket_path.h). The file is removed on Close().
//
// Lifetimes: `loop` is borrowed and must outlive the server. Handlers are called on the
// loop thread and must not destroy the server. Destroying the server closes every
// listener and connection; run the loop afterwards to let libuv finish the closes.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platforms/base/status.h"
#include "platforms/metrics/http_message.h"

namespace metrics {

struct HttpServerOptions {
  // Prometheus and curl send a few hundred bytes; 8 KiB is what common servers allow.
  std::size_t max_head_bytes = 8 * 1024;
  // Only control requests carry a body, and they are small.
  std::size_t max_body_bytes = 64 * 1024;
  // Longer than Prometheus's default 15 s scrape interval, so its keep-alive survives.
  std::chrono::milliseconds idle_timeout{30'000};
  // From the first byte of a request to its last, and for the client to take a response.
  std::chrono::milliseconds request_timeout{10'000};
  // After an error response, how long to drain the client's input before closing.
  std::chrono::milliseconds linger_timeout{1'000};
  // A local endpoint has a handful of clients; the bound caps memory and descriptors.
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  // Called on the loop thread; the request's views are valid only during the call.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit HttpServer(uv_loop_t* loop, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `method` (e.g. "GET", "POST") on `path` (exact match, query ignored). Adding a
  // route for a (method, path) that exists replaces its handler.
  void AddRoute(std::string_view method, std::string_view path, Handler handler);

  // Listens on a TCP address in ListenAddress syntax ("127.0.0.1:9464", "[::1]:9464",
  // ":9464" for every interface). May be called more than once.
  base::Status ListenTcp(std::string_view address);
  // Listens on a Unix socket at `path`, mode 0600, replacing a stale socket file.
  base::Status ListenUnix(std::string_view path);

  // The port of the first TCP listener (the kernel's choice when asked for port 0); 0
  // when there is none.
  uint16_t tcp_port() const;
  std::size_t connection_count() const { return connections_.size(); }

  // Stops listening, closes every connection and removes the Unix socket files.
  void Close();

 private:
  struct Listener;
  struct Connection;
  struct WriteOp;
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };

  base::Status BindTcp(const sockaddr* addr, std::string_view address);
  void OnConnection(Listener& listener);
  // uv_read_start with this server's callbacks (uv_read_stop forgets them); a libuv error.
  int StartReading(Connection& c);
  void OnRead(Connection& c, ssize_t nread);
  void OnWritten(Connection& c, int status, bool close_after);
  void OnTimer(Connection& c);
  // Serves every complete request in c's input, one at a time.
  void Process(Connection& c);
  HttpResponse Dispatch(const HttpRequest& request) const;
  // These may remove `c` (when the write cannot start): callers return right after.
  void Respond(Connection& c, const HttpResponse& response, bool close_after, bool head_only);
  void RespondError(Connection& c, int status, std::string_view reason);
  void StartLinger(Connection& c);
  void ArmTimer(Connection& c, std::chrono::milliseconds timeout);
  void Remove(Connection& c);

  uv_loop_t* loop_;
  HttpServerOptions options_;
  std::vector<Route> routes_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_connection_id_ = 1;
  // Shared by every connection: a read is copied into the connection's input at once.
  std::array<char, 64 * 1024> read_buffer_{};
};

}  // namespace metrics
