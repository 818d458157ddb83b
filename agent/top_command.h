// `skiff top [-c FILE] [--interval 1s] [--data-dir DIR]`: a live view of the running
// agent (like `vector top` or htop): inputs with their rates, the buffer's fill, the
// output's rate, retries, errors and readiness, sampled from /status on
// data_dir/skiff.sock every interval and drawn by top_view.h.
//
// On a terminal it takes the alternate screen and hides the cursor, redraws in place, and
// follows the terminal's width (TIOCGWINSZ, SIGWINCH); `q`, SIGINT and SIGTERM quit, and
// every way out restores the screen, the cursor and the terminal mode. When the agent goes
// away it restores the screen, says so and exits 1. Not on a terminal, it prints one
// frame per interval, separated by blank lines.
// Exit codes: 0 quit, 1 no agent (or it went away), 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace agent {

int TopCommand(const std::string& config_path, const std::vector<std::string>& args);

}  // namespace agent
