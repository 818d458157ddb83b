// EndpointClient: one-shot HTTP requests to token and metadata endpoints given as URLs
// ("http://169.254.169.254/latest/api/token"), over transport's HttpClient. The short
// timeouts fit link-local metadata servers (spec auth.md §4.2: a dropped IMDS answer must
// fail fast with a clear message, not stall start-up).
//
// https URLs are verified against the system trust store (kSystemCaBundle), or the file
// named by SSL_CERT_FILE, the conventional override (tests point it at their own CA).
// Proxies come from the environment as for curl: https_proxy / HTTPS_PROXY,
// http_proxy / HTTP_PROXY, and no_proxy / NO_PROXY (transport/proxy_resolver.h); list
// link-local metadata addresses (169.254.169.254) in NO_PROXY when a proxy is set.
// Loop thread only; `loop` outlives the client. Destroying the client drops the callbacks
// of unfinished requests.
#pragma once

#include <uv.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"
#include "transport/http_client.h"
#include "transport/http_endpoint.h"
#include "transport/proxy_resolver.h"

namespace auth {

struct SplitUrl {
  transport::HttpEndpoint endpoint;  // scheme, host and port
  std::string target;                // path and query, "/" when empty

  // Accepts "http[s]://host[:port][/path][?query]"; the port defaults to 80 or 443.
  static base::Result<SplitUrl> Parse(std::string_view url);
};

class EndpointClient {
 public:
  using Callback = transport::HttpClient::Callback;

  struct Options {
    std::chrono::milliseconds connect_timeout{2'000};
    std::chrono::milliseconds request_timeout{5'000};
  };

  // `env` supplies SSL_CERT_FILE and the proxy variables.
  EndpointClient(uv_loop_t* loop, Options options,
                 const transport::EnvLookup& env = transport::ProcessEnvLookup());

  // Sends and calls `done` once with the response (any status) or the transport error.
  // `done` may run before Send returns when the URL is unusable.
  void Send(std::string_view url, std::string_view method,
            std::vector<transport::HttpHeader> headers, std::string body, Callback done);

 private:
  transport::HttpClient client_;
};

// The start of an error body for a Status message (at most `max_bytes`, control
// characters blanked). Only for error answers, which carry descriptions, never tokens.
std::string ErrorBodyExcerpt(std::string_view body, std::size_t max_bytes = 200);

}  // namespace auth
