// Checks for the network addresses in skiff.toml: Elasticsearch URLs and the metrics
// listen address. Messages never echo the input: a URL may carry credentials.
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace config {

// An Elasticsearch endpoint: "http://" or "https://", a host (name, IPv4, or IPv6 in
// brackets) and an optional port 1..65535. Returns it with the scheme lower-cased and
// without a trailing '/', so the transport can append "/_bulk". Credentials in the URL,
// paths, queries and fragments are rejected.
base::Result<std::string> NormalizeHostUrl(std::string_view url);

// "host:port" with a host (name, IPv4, or IPv6 in brackets) and a port 0..65535; 0 asks
// the kernel for a free port (tests). ":port" (no host) means every interface.
base::Status CheckListenAddress(std::string_view address);

// localhost, names under .localhost, 127.0.0.0/8 and ::1: hosts on this machine, where
// plain http:// carries credentials without crossing a network.
bool IsLoopbackHost(std::string_view host);

}  // namespace config
