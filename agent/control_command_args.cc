#include "agent/control_command_args.h"

#include <algorithm>
#include <cstdio>

#include "config/units.h"
#include "platforms/base/log.h"

namespace agent {

bool ParseControlCommandArgs(const std::vector<std::string>& args,
                             const std::vector<std::string>& allowed, ControlCommandArgs& out,
                             std::string& error) {
  auto is_allowed = [&allowed](std::string_view name) {
    return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    std::string_view value;
    const bool takes_value = a == "--interval" || a == "--data-dir";
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (!is_allowed(a)) {
      error = base::StrCat("unknown option ", a);
      return false;
    }
    if (takes_value) {
      if (i + 1 >= args.size()) {
        error = base::StrCat(a, " needs a value");
        return false;
      }
      value = args[++i];
    }
    if (a == "--json") {
      out.json = true;
    } else if (a == "--data-dir") {
      out.data_dir = std::string(value);
    } else if (a == "--interval") {
      auto interval = config::ParseDuration(value);
      if (!interval.has_value() || interval.value().count() < 100) {
        error = base::StrCat(
            "--interval takes a duration of at least 100ms, like 1s or 500ms; got \"", value, "\"");
        return false;
      }
      out.interval = interval.value();
    }
  }
  return true;
}

std::optional<int> ParseControlCommandArgsOrExit(std::string_view command,
                                                 const std::vector<std::string>& args,
                                                 const std::vector<std::string>& allowed,
                                                 std::string_view usage, ControlCommandArgs& out) {
  constexpr int kExitOk = 0;
  constexpr int kExitUsage = 2;
  std::string error;
  if (!ParseControlCommandArgs(args, allowed, out, error)) {
    std::fprintf(stderr, "skiff %.*s: %s\n\n%.*s", static_cast<int>(command.size()), command.data(),
                 error.c_str(), static_cast<int>(usage.size()), usage.data());
    return kExitUsage;
  }
  if (out.help) {
    std::fwrite(usage.data(), 1, usage.size(), stdout);
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace agent
