#include "transport/http_endpoint.h"

#include "platforms/base/log.h"

namespace transport {

base::Result<HttpEndpoint> HttpEndpoint::Parse(std::string_view url) {
  HttpEndpoint ep;
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    ep.tls = true;
    rest.remove_prefix(8);
  } else if (rest.find("://") != std::string_view::npos) {
    return base::InvalidArgument(base::StrCat("host \"", url, "\": scheme must be http or https"));
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.find_first_of("?# ") != std::string_view::npos) {
      return base::InvalidArgument(base::StrCat("host \"", url, "\": path must be a plain prefix"));
    }
    ep.path_prefix = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    // Credentials in URLs end up in logs; they belong in [auth].
    return base::InvalidArgument(base::StrCat("host \"", url.substr(0, url.find("://") + 3),
                                              "...\": put credentials in [auth], not in the URL"));
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument(base::StrCat("host \"", url, "\": unclosed '['"));
    }
    ep.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return base::InvalidArgument(base::StrCat("host \"", url, "\": bad port"));
      port_text = after.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    ep.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (ep.host.empty())
    return base::InvalidArgument(base::StrCat("host \"", url, "\": no host name"));
  if (!port_text.empty() || authority.ends_with(':')) {
    uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        return base::InvalidArgument(base::StrCat("host \"", url, "\": bad port"));
      }
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) {
      return base::InvalidArgument(base::StrCat("host \"", url, "\": bad port"));
    }
    ep.port = static_cast<uint16_t>(port);
  }
  return ep;
}

std::string HttpEndpoint::HostHeader() const {
  bool v6 = host.find(':') != std::string::npos;
  return base::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
}

std::string HttpEndpoint::ToString() const {
  return base::StrCat(tls ? "https://" : "http://", HostHeader(), path_prefix);
}

}  // namespace transport
