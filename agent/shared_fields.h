// SharedFields: renders the document fields every event of an input shares (host, agent,
// event.dataset, the user's `fields`) once, at start-up, as JSON object members without
// braces. Dotted names ("host.name") keep them from colliding with objects a JSON line
// brings; Elasticsearch expands the dots into objects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace agent {

struct AgentIdentity {
  std::string host_name;
  std::string agent_id;
  std::string version;
};

// The ECS version the documents follow.
inline constexpr std::string_view kEcsVersion = "8.11.0";

// host.name: the configured host_name, else gethostname(2), else "unknown".
std::string HostName(const config::Config& config);

std::string RenderSharedFields(const AgentIdentity& identity, std::string_view input_type,
                               std::string_view dataset, const std::vector<config::Field>& fields);

}  // namespace agent
