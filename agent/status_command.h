// `skiff status [-c FILE] [--json] [--data-dir DIR]`: asks the running agent for its
// /status over data_dir/skiff.sock and prints it once, as aligned text or the raw JSON.
// Exit codes: 0 printed, 1 no agent runs (or it did not answer), 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace agent {

int StatusCommand(const std::string& config_path, const std::vector<std::string>& args);

}  // namespace agent
