#include "platforms/metrics/listen_address.h"

#include <charconv>

#include "platforms/base/log.h"

namespace metrics {
namespace {

constexpr std::string_view kExample = R"(write host:port, like "127.0.0.1:9464" or ":9464")";

}  // namespace

base::Result<ListenAddress> ParseListenAddress(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return base::InvalidArgument(base::StrCat("missing the port; ", kExample));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || host.size() < 3) {
      return base::InvalidArgument(base::StrCat("malformed IPv6 address; ", kExample));
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of(":[]") != std::string_view::npos) {
    return base::InvalidArgument(
        base::StrCat("an IPv6 address needs brackets, like \"[::1]:9464\"; ", kExample));
  }
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return base::InvalidArgument(base::StrCat("the port must be a number up to 65535; ", kExample));
  }
  return ListenAddress{std::string(host), port};
}

}  // namespace metrics
