// HttpEndpoint: one configured Elasticsearch host ("http://es-1:9200"), parsed once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace transport {

// Elasticsearch's HTTP port: what a host without a port means (as in Beats and Logstash).
constexpr uint16_t kDefaultElasticsearchPort = 9200;

struct HttpEndpoint {
  bool tls = false;
  std::string host;  // name or address, without IPv6 brackets
  uint16_t port = kDefaultElasticsearchPort;
  // Path prefix for clusters behind a proxy ("/es"), without a trailing '/'; usually empty.
  std::string path_prefix;

  // Accepts "http://host[:port][/prefix]", "https://..." and a bare "host[:port]" (http).
  // IPv6 addresses go in brackets: "http://[::1]:9200".
  static base::Result<HttpEndpoint> Parse(std::string_view url);

  // "http://host:port": the pool key and the name used in log lines.
  std::string ToString() const;
  // The Host header value.
  std::string HostHeader() const;
};

}  // namespace transport
