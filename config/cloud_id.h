// CloudId: the Elasticsearch and Kibana URLs encoded in an Elastic Cloud id (spec auth.md
// §1.6): "[label:]base64(host[:port]$es_uuid[$kibana_uuid])", where each uuid may carry
// its own ":port". As elastic-transport-python's parse_cloud_id decodes it.
//
// It lives in config/ because `[output.elasticsearch] cloud_id` is resolved to `hosts`
// while the file is loaded (so a bad id is a file:line:col error); auth/cloud_id.h
// re-exports it for the credential code.
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace config {

struct CloudId {
  std::string label;          // the deployment name before ':', maybe empty
  std::string elasticsearch;  // "https://<es_uuid>.<host>:<port>"
  std::string kibana;         // empty when the id has no Kibana part

  // kInvalidArgument names what is wrong; the id is not secret but is not quoted either
  // (it is long and the message reads better without it).
  static base::Result<CloudId> Parse(std::string_view cloud_id);
};

}  // namespace config
