// SetupPlan: the requests an Elasticsearch administrator applies once so that skiff can
// ship with least privilege (DESIGN promise 4, `skiff setup --print`): an index template
// for the indices and data streams the config writes to, the minimal role (create_doc and
// auto_configure on those indices, no cluster privilege) and an API-key request limited to
// the same privileges. skiff never sends these itself: it prints them
// (agent/setup_command.h), and an administrator reviews and applies them.
//
// Everything is derived from the config: the index patterns come from
// [output.elasticsearch] index and index_fallback, every input's index and [exec] index,
// with placeholders turned into wildcards (transport::IndexTemplate::WildcardPattern).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace agent {

struct SetupOptions {
  std::string role_name = "skiff_writer";
  std::string api_key_name = "skiff-shipper";
  std::string api_key_expiration = "90d";  // Elasticsearch's time-unit syntax
  // Composable templates do not merge: the one with the highest priority wins. The
  // built-in `logs` template (logs-*-*) has 100, so this one must be above it.
  int template_priority = 200;
};

// One HTTP request for the administrator: method, path (from the cluster root) and its
// JSON body, pretty-printed.
struct SetupRequest {
  std::string purpose;  // one line for a comment above the request
  std::string method;
  std::string path;
  std::string body;
};

struct SetupPlan {
  std::vector<std::string> data_stream_patterns;  // matched by a data stream template
  std::vector<std::string> index_patterns;        // plain indices
  std::vector<SetupRequest> requests;             // in the order to apply them
};

// The index patterns skiff writes to, deduplicated, in config order. An index is a data
// stream when `data_stream = true` or its name is `logs-<dataset>-<namespace>`, as
// transport/bulk_request.h decides when it renders documents.
SetupPlan BuildSetupPlan(const config::Config& config, const SetupOptions& options);

// `json` (compact, valid JSON) re-indented by two spaces per level.
std::string PrettyJson(std::string_view json);

}  // namespace agent
