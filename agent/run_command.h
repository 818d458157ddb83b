// `skiff run`: loads the config, opens the data directory, builds the pipeline and runs
// the event loop until SIGTERM/SIGINT (graceful) or a second signal (immediate, still
// lossless: checkpoints only ever cover what Elasticsearch or the buffer holds).
#pragma once

#include <string>

namespace agent {

// Returns the process exit code (0 ok, 1 runtime failure, 2 bad config).
int RunCommand(const std::string& config_path, bool log_level_from_cli);

}  // namespace agent
