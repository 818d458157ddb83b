// HttpClient: HTTP/1.1 requests over libuv TCP with a keep-alive connection pool per
// endpoint (transport stage 2 of "Life of a log line", after bulk_request).
//
// A request is sent on an idle pooled connection for its endpoint, or on a new one; there
// is no cap on connections here (the output bounds its requests in flight). After the
// response the connection returns to the pool if both sides allow keep-alive, up to
// `max_idle_per_endpoint`. Errors come back as Status: kUnavailable (name lookup, connect,
// reset, closed early, TLS handshake failures, proxy refusals), kDeadlineExceeded (connect
// or request timeout), kCorruption (malformed response).
//
// https endpoints use one TlsContext for the client (tls_context.h: the random generator,
// the trust and client-certificate material watched for rotation, sessions kept per
// endpoint for resumption), made from Options::tls on first use. Proxies come from
// Options::proxy or the environment (proxy_resolver.h), resolved per endpoint.
//
// Everything runs on the loop thread. Callbacks run from the loop, never inside Send().
// Destroying the client closes every connection; callbacks of unfinished requests are then
// never called. Do not destroy the client inside one of its callbacks.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "platforms/base/status.h"
#include "transport/http_connection.h"
#include "transport/http_endpoint.h"
#include "transport/http_request.h"
#include "transport/http_response.h"
#include "transport/proxy_resolver.h"
#include "transport/tls_context.h"
#include "transport/tls_options.h"

namespace transport {

class HttpClient {
 public:
  using Callback = HttpConnection::Completion;

  struct Options {
    HttpConnectionOptions connection;
    // Idle keep-alive connections kept per endpoint; more are closed after their response.
    std::size_t max_idle_per_endpoint = 8;
    // What https connections trust and present.
    TlsOptions tls;
    // The proxy for every endpoint ("http://[user:password@]host:port"); empty: from
    // `proxy_env` (https_proxy, http_proxy, no_proxy ...), or none when that is empty too.
    std::string proxy;
    EnvLookup proxy_env;
  };

  // `loop` must outlive the client.
  HttpClient(uv_loop_t* loop, Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` to `endpoint`; `done` runs once, later, from the loop. Returns an error
  // (and never calls `done`) only when the request cannot be attempted at all.
  base::Status Send(const HttpEndpoint& endpoint, HttpRequest request, Callback done);

  // Checks now what Send() would otherwise find on first use: the proxy settings, and
  // for https endpoints the TLS files. Logs which proxy each endpoint goes through.
  base::Status Prepare(std::span<const HttpEndpoint> endpoints);

  // Closes every connection now. Callbacks of unfinished requests are dropped.
  void CloseAll();
  // Closes the idle pooled connections to `endpoint` (a host no longer used); connections
  // with a request under way are left to finish.
  void CloseIdle(const HttpEndpoint& endpoint);

  std::size_t open_connections() const { return connections_.size(); }
  std::size_t idle_connections() const;
  // Connections opened since the client was made: lets tests see keep-alive reuse.
  uint64_t connections_opened() const { return connections_opened_; }
  // The TLS state, once an https endpoint was used or prepared; else nullptr.
  const TlsContext* tls_context() const { return tls_.get(); }

 private:
  void Remove(HttpConnection* connection);
  void OnDone(HttpConnection* connection, base::Result<HttpResponse> result, Callback done);
  base::Status EnsureProxies();
  base::Status EnsureTls();

  uv_loop_t* const loop_;
  const Options options_;
  // Declared before connections_: connections borrow both, so they must die first.
  std::unique_ptr<TlsContext> tls_;
  std::optional<ProxyResolver> proxies_;
  std::vector<std::unique_ptr<HttpConnection>> connections_;
  uint64_t connections_opened_ = 0;
};

}  // namespace transport
