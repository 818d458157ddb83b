// Crash-safe replacement of small state files (agent-id, checkpoints, cursors).
#pragma once

#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace base {

// Writes `contents` to `path`: a temporary file beside it, fsync, rename over the target,
// fsync the directory. After a crash readers see the old contents or the new, never a mix;
// a leftover "<path>.tmp" is garbage that the next write replaces.
Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode);

// Reads a whole file of at most `max_bytes` (larger: kInvalidArgument).
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

}  // namespace base
