// ProxyResolver: which HTTP proxy, if any, a connection to an endpoint goes through.
// The `proxy` setting applies to every endpoint; without it the conventional environment
// variables do: https_proxy / HTTPS_PROXY for https endpoints, http_proxy / HTTP_PROXY for
// http ones (lower case first, as curl reads them). NO_PROXY / no_proxy lists the hosts
// reached directly in both cases.
//
// NO_PROXY entries, comma- or space-separated, case-insensitive: `*` (everything), a
// domain ("example.com" or ".example.com": that name and every name under it), an IP
// address ("10.1.2.3", "::1", "[::1]"), a CIDR block ("10.0.0.0/8", "fd00::/8"), each
// optionally with a port ("localhost:9200", "[::1]:9200") that limits it to that port.
// Loopback is not bypassed implicitly (curl's rule): list it when the proxy must not see
// it.
//
// Proxy URLs are "http://[user[:password]@]host[:port]" (port 80 when absent); the user
// and password, percent-decoded, become a `Proxy-Authorization: Basic` header and never
// appear in messages (ProxyServer::display leaves them out). https:// proxy URLs are
// refused: the tunnel to an https endpoint is TLS end to end through a plain CONNECT.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "transport/http_endpoint.h"

namespace transport {

// The value of an environment variable, or nullopt when it is unset or empty. Same shape
// as auth::Environment, so providers pass theirs; tests inject a map.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup ProcessEnvLookup();

struct ProxyServer {
  std::string host;  // without IPv6 brackets
  uint16_t port = 80;
  // "Basic <base64(user:password)>", or empty. A secret: never logged.
  std::string authorization;
  // "http://proxy:3128" without credentials: the name in messages.
  std::string display;

  // Messages about a bad URL never quote its credentials.
  static base::Result<ProxyServer> Parse(std::string_view url);
};

// Whether NO_PROXY-style `list` says `host` (a name or address, IPv6 with or without
// brackets) on `port` is reached directly.
bool NoProxyMatches(std::string_view list, std::string_view host, uint16_t port);

class ProxyResolver {
 public:
  // No proxy at all.
  ProxyResolver() = default;

  // `proxy_url`: the configured proxy (empty: use the environment). `env` may be empty
  // (no environment). Fails on an unusable proxy URL, naming the setting or variable.
  static base::Result<ProxyResolver> Create(std::string_view proxy_url, const EnvLookup& env);

  // The proxy for `endpoint`, or nullptr for a direct connection. Points into the
  // resolver: valid while it lives and is not reassigned.
  const ProxyServer* For(const HttpEndpoint& endpoint) const;

 private:
  std::optional<ProxyServer> http_;
  std::optional<ProxyServer> https_;
  std::string no_proxy_;
};

}  // namespace transport
