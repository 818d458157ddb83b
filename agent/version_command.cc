#include "agent/version_command.h"

#include <cstdio>
#include <string_view>

#include "agent/build_info.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: skiff version [--json]\n"
    "\n"
    "Prints skiff's version, commit, build options, the optional parts compiled in and the\n"
    "versions of the libraries it runs with.\n"
    "\n"
    "  --json   one JSON object instead of text\n";

}  // namespace

int VersionCommand(const std::vector<std::string>& args) {
  bool json = false;
  for (const std::string& arg : args) {
    if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(std::string(kUsage).c_str(), stdout);
      return kExitOk;
    } else {
      std::fprintf(stderr, "skiff version: unknown argument '%s'\n\n%s", arg.c_str(),
                   std::string(kUsage).c_str());
      return kExitUsage;
    }
  }
  BuildInfo info = CurrentBuildInfo();
  std::string text = json ? FormatBuildInfoJson(info) : FormatBuildInfoText(info);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace agent
