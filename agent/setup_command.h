// `skiff setup --print [-c FILE] [--json] [--role-name NAME] [--api-key-name NAME]
// [--api-key-expiration 90d]`: prints, from the config, the index template, the minimal
// role and the API-key request (agent/setup_plan.h) for an Elasticsearch administrator to
// apply: as a shell script of curl commands, or with --json as one JSON object. skiff
// sends none of them itself; it never needs those privileges (DESIGN promise 4).
// Exit codes: 0 printed, 2 bad usage or bad config.
#pragma once

#include <string>
#include <vector>

namespace agent {

int SetupCommand(const std::string& config_path, const std::vector<std::string>& args);

}  // namespace agent
