// `skiff version [--json]`: prints version, commit, build options, the optional parts
// compiled in and the library versions (agent/build_info.h). Exit codes: 0 printed,
// 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace agent {

int VersionCommand(const std::vector<std::string>& args);

}  // namespace agent
