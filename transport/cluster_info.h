// ClusterInfo: what a cluster's `GET /` answer says about it (product, version, build
// flavour) and what skiff does with that: the media types its requests carry and whether
// the answer lacks the `X-Elastic-Product` header a genuine Elasticsearch >= 7.14 sends.
//
// Media types (elasticsearch-bulk.md §3): Elasticsearch 8 and 9 get the REST-compatibility
// types pinned to 8 (`application/vnd.elasticsearch+x-ndjson; compatible-with=8`), as the
// official 8.x clients send them: skiff reads `_bulk` answers in the 8 shape, and a 9.x
// cluster then answers in that shape too. Elasticsearch 7, OpenSearch (which refuses the
// vnd types with 406), any other or unknown server (403 on GET /, no answer yet) get the
// plain `application/x-ndjson` / `application/json`, which every version accepts. A 406 to
// the compatible types sends the output back to the plain ones for good.
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "transport/http_response.h"

namespace transport {

enum class Product { kElasticsearch, kOpenSearch, kOther };

struct MediaTypes {
  std::string_view content_type;
  std::string_view accept;
  bool compatible = false;  // the REST-compatibility (vnd) types
};

inline constexpr MediaTypes kPlainMediaTypes{"application/x-ndjson", "application/json", false};
inline constexpr MediaTypes kCompatible8MediaTypes{
    "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
    "application/vnd.elasticsearch+json; compatible-with=8", true};

struct ClusterInfo {
  Product product = Product::kOther;
  std::string number;  // "8.15.0"; empty when the answer has none
  int major = 0;       // 0 when `number` does not parse
  int minor = 0;
  std::string build_flavor;     // "default", "serverless", "oss", or empty
  bool product_header = false;  // X-Elastic-Product: Elasticsearch was present

  // From a 200 answer to GET /; an error when the body is not the info JSON.
  static base::Result<ClusterInfo> Parse(const HttpResponse& response);

  // "Elasticsearch 8.15.0 (flavour default)", "OpenSearch 2.13.0".
  std::string Describe() const;
  // An Elasticsearch >= 7.14 answer without X-Elastic-Product: a proxy in between, or not
  // a genuine Elasticsearch. Worth a warning, never a failure.
  bool MissingProductHeader() const;
  // The media types for requests to this cluster.
  MediaTypes ChooseMediaTypes() const;
};

}  // namespace transport
