#include "transport/cluster_info.h"

#include <simdjson.h>

#include <charconv>

#include "platforms/base/log.h"

namespace transport {
namespace {

// The first integer of `text` from `*pos`, advancing past it and one '.'.
int ReadVersionPart(std::string_view text, std::size_t* pos) {
  int value = 0;
  const char* begin = text.data() + *pos;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc()) return 0;
  *pos += static_cast<std::size_t>(end - begin);
  if (*pos < text.size() && text[*pos] == '.') ++*pos;
  return value;
}

}  // namespace

base::Result<ClusterInfo> ClusterInfo::Parse(const HttpResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response.body.data(), response.body.size(), true).get(root) !=
      simdjson::SUCCESS) {
    return base::InvalidArgument("GET / answer is not JSON");
  }
  simdjson::dom::element version;
  if (root["version"].get(version) != simdjson::SUCCESS) {
    return base::InvalidArgument("GET / answer has no version object");
  }
  auto read = [&version](const char* key) {
    std::string_view value;
    return version[key].get_string().get(value) == simdjson::SUCCESS ? std::string(value)
                                                                     : std::string();
  };
  ClusterInfo info;
  info.number = read("number");
  info.build_flavor = read("build_flavor");
  std::string distribution = read("distribution");
  std::string_view tagline;
  if (root["tagline"].get_string().get(tagline) != simdjson::SUCCESS) tagline = {};
  info.product_header = response.Header("X-Elastic-Product") == std::string_view("Elasticsearch");
  std::size_t pos = 0;
  info.major = ReadVersionPart(info.number, &pos);
  info.minor = info.major > 0 ? ReadVersionPart(info.number, &pos) : 0;
  if (distribution == "opensearch") {
    info.product = Product::kOpenSearch;
  } else if (info.product_header || !info.build_flavor.empty() ||
             tagline == "You Know, for Search") {
    info.product = Product::kElasticsearch;
  }
  return info;
}

std::string ClusterInfo::Describe() const {
  std::string_view number_or = number.empty() ? std::string_view("(no version)") : number;
  switch (product) {
    case Product::kElasticsearch:
      return base::StrCat("Elasticsearch ", number_or, " (flavour ",
                          build_flavor.empty() ? std::string_view("unknown") : build_flavor, ")");
    case Product::kOpenSearch:
      return base::StrCat("OpenSearch ", number_or);
    case Product::kOther:
      break;
  }
  return base::StrCat("Elasticsearch-compatible server ", number_or);
}

bool ClusterInfo::MissingProductHeader() const {
  return product == Product::kElasticsearch && !product_header &&
         (major > 7 || (major == 7 && minor >= 14));
}

MediaTypes ClusterInfo::ChooseMediaTypes() const {
  if (product == Product::kElasticsearch && (major == 8 || major == 9)) {
    return kCompatible8MediaTypes;
  }
  return kPlainMediaTypes;
}

}  // namespace transport
