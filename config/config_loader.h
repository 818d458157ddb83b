// Loading skiff.toml: parse (toml++), expand `${ENV}` and `file:` references, fill the
// typed Config of config.h over its defaults, and validate, reporting every error of the
// file at once with its place, its key path and how to fix it:
//   /etc/skiff/skiff.toml:7:12: inputs.file[0].start_at: got "middle", expected "beginning" or
//   "end"
// `skiff check-config` prints ConfigError::ToString() one per line and exits 2 if any.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_error.h"

namespace config {

struct LoadResult {
  std::optional<Config> config;     // set only when `errors` is empty
  std::vector<ConfigError> errors;  // in file order
};

// Reads and loads the file at `path`. A missing, unreadable or empty file is one error
// without a position ("cannot read /etc/skiff/skiff.toml: No such file or directory").
LoadResult LoadConfigFile(std::string_view path);

// Loads TOML text; `source_name` stands for the file in errors and in Config::source_path
// (tests, embedded defaults).
LoadResult LoadConfigString(std::string_view toml, std::string_view source_name);

}  // namespace config
