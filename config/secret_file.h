// Secret files: `password = "file:/run/secrets/es_password"` reads the secret from a file
// (Docker and Kubernetes secrets, systemd credentials), so it never sits in skiff.toml.
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace config {

// The prefix that marks a secret value as a file reference.
constexpr std::string_view kSecretFilePrefix = "file:";

// Secrets are short; a larger file is a wrong path, not a key.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// Reads the secret at `path` (absolute) and strips one trailing newline ("\n" or "\r\n"),
// which editors and `echo` add. Refuses a file that group or others may read (the fix,
// `chmod 600`, is in the message), a non-regular file, an empty one and one larger than
// kMaxSecretFileBytes. Messages name the path, never the content.
base::Result<std::string> ReadSecretFile(std::string_view path);

}  // namespace config
