#include "config/cloud_id.h"

#include <cstdint>
#include <optional>

#include "platforms/base/log.h"

namespace config {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 §4, standard alphabet; trailing '=' padding accepted but not required.
std::optional<std::string> DecodeBase64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// Elastic Cloud serves HTTPS on 443 unless the id says otherwise.
constexpr std::string_view kDefaultPort = "443";

bool IsPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port > 0 && port <= 65535;
}

// Splits "name[:port]" into its parts; `port` keeps `fallback` when there is none.
bool SplitPort(std::string_view text, std::string_view* name, std::string_view* port) {
  std::size_t colon = text.rfind(':');
  *name = text.substr(0, colon);
  if (colon != std::string_view::npos) {
    *port = text.substr(colon + 1);
    if (!IsPort(*port)) return false;
  }
  return !name->empty();
}

}  // namespace

base::Result<CloudId> CloudId::Parse(std::string_view cloud_id) {
  CloudId out;
  std::string_view encoded = cloud_id;
  if (std::size_t colon = cloud_id.find(':'); colon != std::string_view::npos) {
    out.label = std::string(cloud_id.substr(0, colon));
    encoded = cloud_id.substr(colon + 1);
  }
  std::optional<std::string> decoded = DecodeBase64(encoded);
  if (!decoded) return base::InvalidArgument("cloud_id: the part after ':' is not base64");
  std::string_view text = *decoded;
  std::size_t first = text.find('$');
  if (first == std::string_view::npos) {
    return base::InvalidArgument("cloud_id: decodes to fewer than two '$'-separated parts");
  }
  std::size_t second = text.find('$', first + 1);
  std::string_view host_part = text.substr(0, first);
  std::string_view es_part = text.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  std::string_view kibana_part =
      second == std::string_view::npos ? std::string_view() : text.substr(second + 1);

  std::string_view host;
  std::string_view port = kDefaultPort;
  if (!SplitPort(host_part, &host, &port)) {
    return base::InvalidArgument("cloud_id: bad host or port in the decoded id");
  }
  auto url = [&](std::string_view part, std::string* result) {
    std::string_view uuid;
    std::string_view part_port = port;
    if (!SplitPort(part, &uuid, &part_port)) return false;
    *result = base::StrCat("https://", uuid, ".", host, ":", part_port);
    return true;
  };
  if (!url(es_part, &out.elasticsearch)) {
    return base::InvalidArgument("cloud_id: bad Elasticsearch id in the decoded id");
  }
  if (!kibana_part.empty() && !url(kibana_part, &out.kibana)) {
    return base::InvalidArgument("cloud_id: bad Kibana id in the decoded id");
  }
  return out;
}

}  // namespace config
