#include "config/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>

#include "platforms/base/log.h"

namespace config {
namespace {

constexpr std::string_view kUrlExample = "write a URL like \"https://es-1:9200\"";

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool IsHexOrColon(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

constexpr int kMaxPort = 65535;
constexpr std::size_t kMaxPortDigits = 5;

base::Status ParsePort(std::string_view text, int* port) {
  const base::Status bad_port = base::InvalidArgument("the port must be a number up to 65535");
  if (text.empty() || text.size() > kMaxPortDigits) return bad_port;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad_port;
    value = value * 10 + (c - '0');
  }
  if (value > kMaxPort) return bad_port;
  *port = value;
  return base::Status::Ok();
}

// "[v6]" at the front of `authority`; `*rest` is what follows the ']'.
base::Status ParseBracketedHost(std::string_view authority, std::string_view* host,
                                std::string_view* rest) {
  std::size_t close = authority.find(']');
  if (close == std::string_view::npos) {
    return base::InvalidArgument("missing ']' after an IPv6 address");
  }
  *host = authority.substr(1, close - 1);
  if (host->empty()) return base::InvalidArgument("empty host");
  for (char c : *host) {
    if (!IsHexOrColon(c)) return base::InvalidArgument("invalid IPv6 address");
  }
  *rest = authority.substr(close + 1);
  return base::Status::Ok();
}

// A host name or IPv4 address at the front of `authority`; `*rest` starts at the ':'.
base::Status ParseNamedHost(std::string_view authority, std::string_view* host,
                            std::string_view* rest) {
  std::size_t colon = std::min(authority.find(':'), authority.size());
  *host = authority.substr(0, colon);
  *rest = authority.substr(colon);
  if (host->empty()) return base::InvalidArgument("empty host");
  for (char c : *host) {
    if (!IsHostChar(c)) {
      return base::InvalidArgument(
          "invalid character in the host name; use letters, digits, '-', '.', or an IPv6 "
          "address in brackets");
    }
  }
  return base::Status::Ok();
}

// Parses "host", "host:port", "[v6]" or "[v6]:port". `port` is -1 when absent.
base::Status SplitHostPort(std::string_view authority, std::string_view* host, int* port) {
  std::string_view rest;
  base::Status status = authority.starts_with('[') ? ParseBracketedHost(authority, host, &rest)
                                                   : ParseNamedHost(authority, host, &rest);
  if (!status.ok()) return status;
  *port = -1;
  if (rest.empty()) return base::Status::Ok();
  if (rest.front() != ':') return base::InvalidArgument("unexpected text after ']'");
  return ParsePort(rest.substr(1), port);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

base::Result<std::string> NormalizeHostUrl(std::string_view url) {
  std::string_view scheme;
  if (StartsWithNoCase(url, "https://")) {
    scheme = "https://";
  } else if (StartsWithNoCase(url, "http://")) {
    scheme = "http://";
  } else {
    return base::InvalidArgument(
        base::StrCat("expected a URL starting with http:// or https://; ", kUrlExample));
  }
  std::string_view rest = url.substr(scheme.size());
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return base::InvalidArgument(
        "credentials in the URL are not supported; set them in [auth] instead");
  }
  std::string_view host;
  int port = -1;
  if (base::Status s = SplitHostPort(authority, &host, &port); !s.ok()) {
    return base::InvalidArgument(base::StrCat(s.message(), "; ", kUrlExample));
  }
  if (port == 0) {
    return base::InvalidArgument(
        base::StrCat("the port must be a number from 1 to 65535; ", kUrlExample));
  }
  if (!tail.empty() && tail != "/") {
    return base::InvalidArgument(
        "a path, query or fragment is not supported; write only the scheme, host and port, like "
        "\"https://es-1:9200\"");
  }
  return base::StrCat(scheme, authority);
}

base::Status CheckListenAddress(std::string_view address) {
  constexpr std::string_view kListenExample = "like \"127.0.0.1:9464\"";
  std::string_view host;
  int port = -1;
  if (address.starts_with(':')) {  // ":9464": every interface
    if (base::Status s = ParsePort(address.substr(1), &port); !s.ok()) {
      return base::InvalidArgument(
          base::StrCat(s.message(), "; write host:port, ", kListenExample));
    }
    return base::Status::Ok();
  }
  if (base::Status s = SplitHostPort(address, &host, &port); !s.ok()) {
    return base::InvalidArgument(base::StrCat(s.message(), "; write host:port, ", kListenExample));
  }
  if (port < 0) {
    return base::InvalidArgument(
        base::StrCat("missing the port; write host:port, ", kListenExample));
  }
  return base::Status::Ok();
}

bool IsLoopbackHost(std::string_view host) {
  std::string name(host);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!name.empty() && name.back() == '.') name.pop_back();
  if (name == "localhost" || name.ends_with(".localhost")) return true;
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, name.c_str(), bytes.data()) == 1) return bytes[0] == 127;
  if (inet_pton(AF_INET6, name.c_str(), bytes.data()) == 1) {
    constexpr std::array<unsigned char, 16> kLoopback6 = {0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kLoopback6;
  }
  return false;
}

}  // namespace config
