#include "transport/proxy_resolver.h"

#include <arpa/inet.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "platforms/base/log.h"
#include "transport/base64.h"

namespace transport {
namespace {

// What a proxy URL without a port means (URL semantics for http://).
constexpr uint16_t kDefaultProxyPort = 80;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding of URL userinfo; false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// An IP address as bytes (4 or 16), or size 0.
struct IpBytes {
  std::array<unsigned char, 16> bytes{};
  std::size_t size = 0;
};

IpBytes ParseIp(std::string_view text) {
  IpBytes ip;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 16;
  }
  return ip;
}

bool ParsePort(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

// Whether `host` lies in the CIDR block `network`/`prefix_bits`.
bool InBlock(const IpBytes& host, const IpBytes& network, int prefix_bits) {
  if (host.size != network.size || prefix_bits < 0 ||
      prefix_bits > static_cast<int>(host.size * 8)) {
    return false;
  }
  std::size_t full = static_cast<std::size_t>(prefix_bits / 8);
  if (std::memcmp(host.bytes.data(), network.bytes.data(), full) != 0) return false;
  int rest = prefix_bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (host.bytes[full] & mask) == (network.bytes[full] & mask);
}

// One NO_PROXY entry against a host already lower-cased, without brackets or a final dot.
bool EntryMatches(std::string_view entry, std::string_view host, const IpBytes& host_ip,
                  uint16_t port) {
  // Split off a port: "[v6]:port", "name:port", "v4:port"; a bare IPv6 has several colons.
  std::string_view name = entry;
  if (name.starts_with('[')) {
    std::size_t close = name.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = name.substr(close + 1);
    name = name.substr(1, close - 1);
    if (!after.empty()) {
      uint16_t entry_port = 0;
      if (!after.starts_with(':') || !ParsePort(after.substr(1), &entry_port)) return false;
      if (entry_port != port) return false;
    }
  } else if (std::size_t colon = name.find(':');
             colon != std::string_view::npos &&
             name.find(':', colon + 1) == std::string_view::npos) {
    uint16_t entry_port = 0;
    if (!ParsePort(name.substr(colon + 1), &entry_port)) return false;
    if (entry_port != port) return false;
    name = name.substr(0, colon);
  }
  if (name.empty()) return false;
  if (std::size_t slash = name.find('/'); slash != std::string_view::npos) {
    IpBytes network = ParseIp(name.substr(0, slash));
    std::string_view bits_text = name.substr(slash + 1);
    if (network.size == 0 || host_ip.size == 0 || bits_text.empty() || bits_text.size() > 3) {
      return false;
    }
    int bits = 0;
    for (char c : bits_text) {
      if (c < '0' || c > '9') return false;
      bits = bits * 10 + (c - '0');
    }
    return InBlock(host_ip, network, bits);
  }
  IpBytes entry_ip = ParseIp(name);
  if (entry_ip.size != 0) {
    return host_ip.size == entry_ip.size &&
           std::memcmp(host_ip.bytes.data(), entry_ip.bytes.data(), host_ip.size) == 0;
  }
  if (host_ip.size != 0) return false;  // an address matches address entries only
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  } else if (name.starts_with('.')) {
    name.remove_prefix(1);
  }
  while (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty()) return false;
  if (host == name) return true;
  return host.size() > name.size() && host.ends_with(name) &&
         host[host.size() - name.size() - 1] == '.';
}

std::optional<std::string> FirstOf(const EnvLookup& env, std::string_view lower,
                                   std::string_view upper, std::string* which) {
  if (!env) return std::nullopt;
  if (auto v = env(lower)) {
    *which = std::string(lower);
    return v;
  }
  if (auto v = env(upper)) {
    *which = std::string(upper);
    return v;
  }
  return std::nullopt;
}

}  // namespace

EnvLookup ProcessEnvLookup() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

base::Result<ProxyServer> ProxyServer::Parse(std::string_view url) {
  std::string_view rest = url;
  std::size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme = LowerCopy(rest.substr(0, scheme_end));
    if (scheme == "https") {
      return base::InvalidArgument(
          "https:// proxies are not supported; use an http:// proxy URL (connections to https "
          "hosts stay TLS end to end through its CONNECT tunnel)");
    }
    if (scheme != "http") {
      return base::InvalidArgument(
          base::StrCat("proxy scheme \"", scheme, "\" is not supported; use http://host:port"));
    }
    rest.remove_prefix(scheme_end + 3);
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return base::InvalidArgument("a proxy URL has no path; use http://host:port");
  }
  ProxyServer proxy;
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    std::size_t colon = userinfo.find(':');
    std::string user;
    std::string password;
    if (!PercentDecode(userinfo.substr(0, colon), &user) ||
        (colon != std::string_view::npos &&
         !PercentDecode(userinfo.substr(colon + 1), &password))) {
      return base::InvalidArgument("the proxy URL's user or password has a bad %-escape");
    }
    std::string credentials = base::StrCat(user, ":", password);
    proxy.authorization = "Basic ";
    AppendBase64(proxy.authorization, AsBytes(credentials));
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("the proxy URL has an unclosed '['");
    }
    proxy.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return base::InvalidArgument("the proxy URL has a bad port");
      port_text = after.substr(1);
      if (port_text.empty()) return base::InvalidArgument("the proxy URL has a bad port");
    }
  } else {
    std::size_t colon = rest.rfind(':');
    proxy.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return base::InvalidArgument("the proxy URL has a bad port");
    }
  }
  if (proxy.host.empty()) return base::InvalidArgument("the proxy URL has no host");
  proxy.port = kDefaultProxyPort;
  if (!port_text.empty() && !ParsePort(port_text, &proxy.port)) {
    return base::InvalidArgument("the proxy URL has a bad port (1-65535)");
  }
  bool v6 = proxy.host.find(':') != std::string::npos;
  proxy.display =
      base::StrCat("http://", v6 ? "[" : "", proxy.host, v6 ? "]" : "", ":", proxy.port);
  return proxy;
}

bool NoProxyMatches(std::string_view list, std::string_view host, uint16_t port) {
  std::string name = LowerCopy(host);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  while (!name.empty() && name.back() == '.') name.pop_back();
  IpBytes host_ip = ParseIp(name);
  std::string lowered = LowerCopy(list);
  std::string_view rest = lowered;
  while (!rest.empty()) {
    std::size_t end = rest.find_first_of(", \t");
    std::string_view entry = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (EntryMatches(entry, name, host_ip, port)) return true;
  }
  return false;
}

base::Result<ProxyResolver> ProxyResolver::Create(std::string_view proxy_url,
                                                  const EnvLookup& env) {
  ProxyResolver resolver;
  std::string which;
  if (auto no_proxy = FirstOf(env, "no_proxy", "NO_PROXY", &which)) {
    resolver.no_proxy_ = std::move(*no_proxy);
  }
  if (!proxy_url.empty()) {
    base::Result<ProxyServer> proxy = ProxyServer::Parse(proxy_url);
    if (!proxy.has_value()) return std::move(proxy).error().WithContext("proxy");
    resolver.http_ = *proxy;
    resolver.https_ = std::move(proxy).value();
    return resolver;
  }
  if (auto url = FirstOf(env, "https_proxy", "HTTPS_PROXY", &which)) {
    base::Result<ProxyServer> proxy = ProxyServer::Parse(*url);
    if (!proxy.has_value()) return std::move(proxy).error().WithContext(which);
    resolver.https_ = std::move(proxy).value();
  }
  if (auto url = FirstOf(env, "http_proxy", "HTTP_PROXY", &which)) {
    base::Result<ProxyServer> proxy = ProxyServer::Parse(*url);
    if (!proxy.has_value()) return std::move(proxy).error().WithContext(which);
    resolver.http_ = std::move(proxy).value();
  }
  return resolver;
}

const ProxyServer* ProxyResolver::For(const HttpEndpoint& endpoint) const {
  const std::optional<ProxyServer>& proxy = endpoint.tls ? https_ : http_;
  if (!proxy.has_value()) return nullptr;
  if (!no_proxy_.empty() && NoProxyMatches(no_proxy_, endpoint.host, endpoint.port)) {
    return nullptr;
  }
  return &*proxy;
}

}  // namespace transport
