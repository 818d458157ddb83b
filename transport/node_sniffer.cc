#include "transport/node_sniffer.h"

#include <simdjson.h>

#include <algorithm>

#include "platforms/base/log.h"

namespace transport {
namespace {

// "host:port" with a decimal port and nothing that cannot be in a host name or address:
// anything else is a garbled answer, not a node to send documents to.
bool IsHostPort(std::string_view address) {
  std::size_t colon = address.rfind(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == address.size()) return false;
  std::string_view port = address.substr(colon + 1);
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::none_of(address.begin(), address.begin() + static_cast<std::ptrdiff_t>(colon),
                      [](char c) { return c <= ' ' || c == '/' || c == '@' || c == '#'; });
}

}  // namespace

base::Result<std::vector<std::string>> ParseNodesHttp(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return base::InvalidArgument("_nodes/http answer is not JSON");
  }
  std::vector<std::string> out;
  simdjson::dom::object nodes;
  // A cluster whose nodes all have HTTP disabled answers {} under filter_path.
  if (root["nodes"].get_object().get(nodes) != simdjson::SUCCESS) return out;
  for (auto [id, node] : nodes) {
    std::string_view address;
    if (node["http"]["publish_address"].get_string().get(address) != simdjson::SUCCESS) continue;
    if (std::size_t slash = address.find('/'); slash != std::string_view::npos) {
      // "name/ip:port": keep the name, with the port after the last ':'.
      std::size_t colon = address.rfind(':');
      if (colon == std::string_view::npos || colon < slash) continue;
      std::string named = base::StrCat(address.substr(0, slash), address.substr(colon));
      if (IsHostPort(named)) out.push_back(std::move(named));
      continue;
    }
    if (IsHostPort(address)) out.emplace_back(address);
  }
  return out;
}

std::string SniffedHostUrl(bool tls, std::string_view address) {
  return base::StrCat(tls ? "https://" : "http://", address);
}

}  // namespace transport
