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
// which editors and `echo` add. Refuses a non-regular file, an empty one and one larger
// than kMaxSecretFileBytes. A file that group or others may read is refused too (the fix,
// `chmod 600`, is in the message) unless `readable_by_others` is given: it is then read
// and *readable_by_others set, for the caller to refuse or accept
// (`[auth] allow_insecure_permissions`). Messages name the path, never the content.
base::Result<std::string> ReadSecretFile(std::string_view path, bool* readable_by_others = nullptr);

// The message for a secret file that group or others may read.
std::string ReadableByOthersMessage(std::string_view path);

}  // namespace config
