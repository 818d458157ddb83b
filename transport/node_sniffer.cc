#include "transport/node_sniffer.h"

#include <simdjson.h>

#include "platforms/base/log.h"

namespace transport {

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
      out.push_back(base::StrCat(address.substr(0, slash), address.substr(colon)));
      continue;
    }
    if (!address.empty()) out.emplace_back(address);
  }
  return out;
}

std::string SniffedHostUrl(bool tls, std::string_view address) {
  return base::StrCat(tls ? "https://" : "http://", address);
}

}  // namespace transport
