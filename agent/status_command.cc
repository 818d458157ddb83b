#include "agent/status_command.h"

#include <cstdio>

#include "agent/control_client.h"
#include "agent/control_command_args.h"
#include "agent/status_snapshot.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// The agent answers /status from its loop at once; a stuck loop should not hang the CLI.
constexpr std::chrono::milliseconds kStatusTimeout{5'000};

constexpr std::string_view kUsage =
    "usage: skiff [-c FILE] status [--json] [--data-dir DIR]\n"
    "\n"
    "Prints the running agent's inputs, buffer and output once, found through\n"
    "data_dir/skiff.sock (data_dir from the config file, or --data-dir).\n"
    "  --json   the /status document as the agent sends it (docs/operations.md)\n";

}  // namespace

int StatusCommand(const std::string& config_path, const std::vector<std::string>& args) {
  ControlCommandArgs options;
  if (std::optional<int> exit_code = ParseControlCommandArgsOrExit(
          "status", args, {"--json", "--data-dir"}, kUsage, options)) {
    return *exit_code;
  }
  auto data_dir = ResolveDataDir(config_path, options.data_dir);
  if (!data_dir.has_value()) {
    std::fprintf(stderr, "skiff status: %s\n", std::string(data_dir.error().message()).c_str());
    return kExitUsage;
  }
  const ControlClient client(data_dir.value());
  auto response = client.Request("GET", "/status", kStatusTimeout);
  if (!response.has_value()) {
    std::fprintf(stderr, "skiff status: %s\n", std::string(response.error().message()).c_str());
    return kExitFailure;
  }
  if (response->status != 200) {
    std::fprintf(stderr, "skiff status: the agent answered %d: %s\n", response->status,
                 response->body.c_str());
    return kExitFailure;
  }
  if (options.json) {
    std::fwrite(response->body.data(), 1, response->body.size(), stdout);
    return kExitOk;
  }
  auto snapshot = ParseStatusSnapshot(response->body);
  if (!snapshot.has_value()) {
    std::fprintf(stderr, "skiff status: %s\n", std::string(snapshot.error().message()).c_str());
    return kExitFailure;
  }
  const std::string text = FormatStatusText(snapshot.value());
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace agent
