// ControlCommandArgs: the options shared by the commands that talk to a running agent
// through its control socket (`skiff status`, `skiff top`, `skiff reload`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent {

struct ControlCommandArgs {
  std::string data_dir;                      // --data-dir DIR: instead of the config's data_dir
  bool json = false;                         // --json (status)
  std::chrono::milliseconds interval{1000};  // --interval DURATION (top)
  bool help = false;                         // -h, --help
};

// Parses `args` (what follows the command), accepting only the options in `allowed`
// ("--json", "--interval", "--data-dir"). False with `error` set on anything else.
bool ParseControlCommandArgs(const std::vector<std::string>& args,
                             const std::vector<std::string>& allowed, ControlCommandArgs& out,
                             std::string& error);

// The start every control command shares: parses `args` as above. On a usage error it
// prints "skiff COMMAND: error" and `usage` to stderr and returns 2; on --help it prints
// `usage` to stdout and returns 0; otherwise nullopt: go on with `out`.
std::optional<int> ParseControlCommandArgsOrExit(std::string_view command,
                                                 const std::vector<std::string>& args,
                                                 const std::vector<std::string>& allowed,
                                                 std::string_view usage, ControlCommandArgs& out);

}  // namespace agent
