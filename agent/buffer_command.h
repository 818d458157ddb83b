// `skiff buffer verify|inspect`: the fsck and the dump of the on-disk ring
// (`data_dir`/ring), for a stopped agent. Both only read: they refuse to run while an agent
// holds `data_dir`/skiff.lock, and they never create, change or delete a file, so they are
// safe on a ring kept for a post-mortem. The output formats are documented in
// docs/buffer-tools.md.
//
//   skiff buffer verify  [-c FILE | --data-dir DIR] [--json]
//   skiff buffer inspect [-c FILE | --data-dir DIR] [--events]
//
// Exit codes: 0 the ring is sound, 1 damage found or the ring could not be read, 2 bad
// usage, bad config, or the agent is running.
#pragma once

#include <span>
#include <string>

namespace agent {

// Runs `skiff buffer ARGS...`. `config_path` is the -c value (or the default); it is read
// only when ARGS hold no --data-dir. Writes the report to stdout and problems to stderr;
// returns the process exit code.
int BufferCommand(const std::string& config_path, std::span<const std::string> args);

}  // namespace agent
