// Environment: how providers read environment variables (AWS_ROLE_ARN, AZURE_CLIENT_ID,
// GCE_METADATA_HOST ...), injected so tests set them without touching the process.
#pragma once

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// The value of a variable, or nullopt when it is unset or empty.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

inline Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

}  // namespace auth
