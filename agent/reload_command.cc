#include "agent/reload_command.h"

#include <simdjson.h>

#include <cstdio>

#include "agent/control_client.h"
#include "agent/control_command_args.h"
#include "agent/run_command.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// A reload stops and starts inputs and flushes the ring: a few fsyncs.
constexpr std::chrono::milliseconds kReloadTimeout{60'000};

constexpr std::string_view kUsage =
    "usage: skiff [-c FILE] reload [--data-dir DIR]\n"
    "\n"
    "Asks the running agent (data_dir/skiff.sock) to reload its configuration file, as\n"
    "SIGHUP does. Exit 0 applied, 2 rejected (errors printed; the agent keeps running\n"
    "the previous configuration), 1 no agent or the reload failed.\n";

std::vector<std::string> Strings(simdjson::dom::object& o, std::string_view key) {
  std::vector<std::string> out;
  simdjson::dom::element e;
  simdjson::dom::array items;
  if (o.at_key(key).get(e) != simdjson::SUCCESS || e.get_array().get(items) != simdjson::SUCCESS) {
    return out;
  }
  for (simdjson::dom::element item : items) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Prints the agent's answer (control_routes.h) and returns the exit code.
int Report(int http_status, const std::string& body) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  simdjson::dom::object outcome;
  std::string_view result;
  simdjson::dom::element result_element;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(outcome) != simdjson::SUCCESS ||
      outcome.at_key("result").get(result_element) != simdjson::SUCCESS ||
      result_element.get_string().get(result) != simdjson::SUCCESS) {
    std::fprintf(stderr, "skiff reload: the agent answered %d: %s\n", http_status, body.c_str());
    return kExitFailure;
  }
  const std::vector<std::string> errors = Strings(outcome, "errors");
  if (result == "rejected") {
    std::fprintf(stderr,
                 "skiff reload: rejected; the agent keeps running its previous configuration:\n");
    for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return kExitUsage;
  }
  std::string summary;
  for (std::string_view key : {"added", "removed", "changed"}) {
    const std::vector<std::string> ids = Strings(outcome, key);
    if (ids.empty()) continue;
    summary += base::StrCat(summary.empty() ? "" : "; ",
                            key == "changed" ? "restarted" : std::string(key), " ", Joined(ids));
  }
  if (summary.empty()) summary = "no input changed";
  std::printf("reload %.*s: %s\n", static_cast<int>(result.size()), result.data(), summary.c_str());
  for (const std::string& key : Strings(outcome, "restart_keys")) {
    std::fprintf(stderr, "skiff reload: warning: needs a restart: %s (not applied)\n", key.c_str());
  }
  for (const std::string& e : errors) std::fprintf(stderr, "skiff reload: %s\n", e.c_str());
  return result == "applied" ? kExitOk : kExitFailure;
}

}  // namespace

int ReloadCommand(const std::string& config_path, const std::vector<std::string>& args) {
  ControlCommandArgs options;
  if (std::optional<int> exit_code =
          ParseControlCommandArgsOrExit("reload", args, {"--data-dir"}, kUsage, options)) {
    return *exit_code;
  }
  auto data_dir = ResolveDataDir(config_path, options.data_dir);
  if (!data_dir.has_value()) {
    // Not even TOML: the agent would reject it, and its data_dir is unknown. Say why.
    if (!LoadConfigOrReport(config_path)) {
      std::fprintf(stderr, "skiff reload: not asking the agent: the configuration is invalid\n");
      return kExitUsage;
    }
    std::fprintf(stderr, "skiff reload: %s\n", std::string(data_dir.error().message()).c_str());
    return kExitUsage;
  }
  const ControlClient client(data_dir.value());
  auto response = client.Request("POST", "/reload", kReloadTimeout);
  if (!response.has_value()) {
    std::fprintf(stderr, "skiff reload: %s\n", std::string(response.error().message()).c_str());
    return kExitFailure;
  }
  return Report(response->status, response->body);
}

}  // namespace agent
