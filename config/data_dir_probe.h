// ProbeDataDir: finds `data_dir` in a config file without validating the rest, so the
// commands that talk to a running agent (`skiff status`, `top`, `reload`) can reach its
// control socket even while the file holds mistakes: `skiff reload` must be able to ask
// the agent, which then rejects the file with its file:line:col errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace config {

// The top-level `data_dir` string of the TOML file at `path`, the default when it has
// none, or nothing when the file cannot be read or is not TOML. `${ENV}` references in the
// value are not expanded (data_dir does not take them).
std::optional<std::string> ProbeDataDir(std::string_view path);

}  // namespace config
