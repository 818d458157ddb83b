// Environment references in config strings: `${NAME}` and `${NAME:-default}`, whole value
// or embedded ("https://${ES_HOST}:9200"). Every string value of skiff.toml goes through
// ExpandEnvReferences before it is interpreted, so sizes, paths and secrets can all come
// from the environment (systemd EnvironmentFile=, container env).
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace config {

// Returns `text` with every reference replaced by the variable's value.
//   ${NAME}            the value of NAME; an error if NAME is not set
//   ${NAME:-default}   the value of NAME, or `default` when NAME is unset or empty
//   $${                a literal "${" (the escape)
//   $ anywhere else    itself
// NAME is letters, digits and '_', not starting with a digit. The default is taken
// literally up to the first '}' (no nested references). Error messages name the variable
// but never contain a value, since variables often hold secrets.
base::Result<std::string> ExpandEnvReferences(std::string_view text);

// True if `text` contains a reference (or the escape) that ExpandEnvReferences would change.
bool HasEnvReference(std::string_view text);

}  // namespace config
