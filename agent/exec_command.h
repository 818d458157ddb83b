// `skiff exec`: runs a command, ships its output and outcome, and exits with its status
// (DESIGN contracts; README "Task output"). The command line is in exec_args.h.
//
// Life of a run:
//  1. Loads the configuration (required, as for every command: -c FILE, default
//     /etc/skiff/skiff.toml), opens data_dir without taking skiff.lock (a daemon may run
//     on it) and takes data_dir/exec/<run-id>/exec.lock, so two runs never share a ring
//     and a daemon adopts the ring only once this process is gone (exec_ring_adopter.h).
//  2. Opens its own ring in data_dir/exec/<run-id>/ring and starts shipping it (shipper.h).
//  3. Spawns the command (child_process.h), stdin inherited, stdout and stderr on pipes
//     read by PipeReaders; lines become events (task_output.h) and are copied to skiff's
//     own stdout/stderr unless --quiet. A Full() ring pauses the readers, so the command
//     blocks on its writes; nothing is dropped.
//  4. SIGTERM, SIGINT, SIGHUP and SIGQUIT are forwarded to the command. As PID 1 skiff
//     also reaps orphaned processes (orphan_reaper.h).
//  5. When the command has exited and its pipes are done, the finished event is appended
//     and skiff ships for up to [exec] drain_timeout (not at all while Elasticsearch is
//     unreachable); what is left stays on disk for a daemon to adopt. A SIGTERM or SIGINT
//     during that drain ends it at once.
//
// Exit status: the command's (128 + N for signal N); 127 / 126 when it cannot be found /
// executed; 2 for bad usage or configuration and 1 when skiff cannot start shipping (the
// command is not run then).
#pragma once

#include <string>
#include <vector>

namespace agent {

int ExecCommand(const std::string& config_path, const std::vector<std::string>& args,
                bool log_level_from_cli);

}  // namespace agent
