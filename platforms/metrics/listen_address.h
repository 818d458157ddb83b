// ListenAddress: the `[metrics] listen` value, "host:port", split for binding.
//
//   "127.0.0.1:9464"  one IPv4 address
//   "[::1]:9464"      one IPv6 address (in brackets)
//   "localhost:9464"  a name, resolved once when the server starts listening
//   ":9464"           every interface (IPv6 and IPv4 where the host has both)
// Port 0 asks the kernel for a free port (tests).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace metrics {

struct ListenAddress {
  std::string host;  // without brackets; empty: every interface
  uint16_t port = 0;
};

base::Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace metrics
