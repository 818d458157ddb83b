// Node discovery (`sniff = true`): reading `GET /_nodes/http` for the HTTP publish
// addresses of the cluster's nodes, which the output adds to its host pool with the scheme
// of the configured hosts. The output asks at start, every sniff_interval and soon after
// a host fails. Each answer is authoritative for the discovered hosts: one it no longer lists
// is retired (host_pool.h) and reused if it comes back; configured hosts are never dropped,
// and an empty or failed answer changes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"

namespace transport {

// filter_path keeps the answer to the addresses, however many nodes there are.
inline constexpr std::string_view kNodesHttpTarget =
    "/_nodes/http?filter_path=nodes.*.http.publish_address";

// The "host:port" publish addresses in a `GET /_nodes/http` answer. Elasticsearch writes
// "hostname/ip:port" when the node has a name (the name is kept: TLS certificates name
// it) and "ip:port" otherwise; IPv6 addresses come as "[::1]:9200". Nodes without an HTTP
// address (http disabled) and addresses not shaped "host:port" are skipped.
base::Result<std::vector<std::string>> ParseNodesHttp(std::string_view body);

// "https://" or "http://" + `address`.
std::string SniffedHostUrl(bool tls, std::string_view address);

}  // namespace transport
