// `skiff run`: loads the config, opens the data directory, builds the pipeline and runs
// the event loop until SIGTERM/SIGINT (graceful) or a second signal (immediate, still
// lossless: checkpoints only ever cover what Elasticsearch or the buffer holds).
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace agent {

// Loads the configuration at `path`; on errors prints each on its own line to stderr
// ("file:line:col: key: message") and returns nothing. Shared with `skiff check-config`.
std::optional<config::Config> LoadConfigOrReport(const std::string& path);

// Returns the process exit code (0 ok, 1 runtime failure, 2 bad config).
int RunCommand(const std::string& config_path, bool log_level_from_cli);

}  // namespace agent
