// Claiming the path of a Unix socket for listening, and letting it go.
//
// A run that crashed leaves its socket file behind, and bind() fails on an existing path.
// ClaimUnixSocketPath removes such a stale file, but only after checking that nobody
// answers on it: a live process listening there (another skiff on the same data_dir) is
// reported as kAlreadyExists and left alone. A path that exists and is not a socket is
// never removed. Two processes claiming the same path at the same instant could both see
// it stale; the agent rules that out with its data_dir lock.
#pragma once

#include <string_view>

#include "platforms/base/status.h"

namespace metrics {

// Makes `path` free to bind: absent, or a stale socket now removed.
base::Status ClaimUnixSocketPath(std::string_view path);

}  // namespace metrics
