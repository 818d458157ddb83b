// Loading of one [[inputs.exec]] table (config.h ExecInputConfig) besides `id` and
// `index`, which the loader checks with every other input's (config_loader.cc).
// Internal to config/: used by config_loader.cc, sees toml++ through table_reader.h.
#pragma once

#include "config/config.h"
#include "config/config_error.h"
#include "config/table_reader.h"
#include "config/toml_include.h"

namespace config {

// Reads `command`, `task`, `restart`, `restart_backoff`, `restart_backoff_max`,
// `interval`, `timeout`, `stop_grace`, `env`, `working_directory`, `format`,
// `max_line_bytes`, the parsing keys (multiline, json, timestamp), `fields`, `dataset`
// and `processors`, then reports unknown keys. Every problem goes to `errors`. `table` is
// the table `reader` reads (`command` may be an array or a string).
void LoadExecInput(const toml::table& table, TableReader& reader, ErrorList& errors,
                   ExecInputConfig* input);

// Reads `format` (text | json | auto) and the parsing keys (multiline, json, timestamp)
// of a command's output: [[inputs.exec]] and `skiff exec`'s [exec].
void LoadCommandOutputFormat(TableReader& reader, ErrorList& errors, uint64_t max_line_bytes,
                             Format* format, FileParsingConfig* parsing);

}  // namespace config
