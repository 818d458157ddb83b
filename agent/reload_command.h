// `skiff reload [-c FILE] [--data-dir DIR]`: asks the running agent to reload its
// configuration (POST /reload on data_dir/skiff.sock, config_reloader.h) and prints the
// outcome. The agent reads the file it was started with; -c here only locates data_dir.
// Exit codes: 0 applied (settings that need a restart are listed as warnings), 2 rejected
// (each file:line:col error on stderr; the agent keeps its previous configuration) or bad
// usage, 1 no agent runs or the reload failed.
#pragma once

#include <string>
#include <vector>

namespace agent {

int ReloadCommand(const std::string& config_path, const std::vector<std::string>& args);

}  // namespace agent
