// ExecArgs: the command line of `skiff exec` after the global options (-c, --log-level):
//
//   skiff exec [--task NAME] [--run-id ID] [--field KEY=VALUE ...] [--quiet] -- CMD ARGS...
//
// `--` is required before the command so that the command's own options are never taken
// for skiff's. The task name defaults to the command's base name; the run id to a fresh
// random id (NewRunId()). A run id names a directory under data_dir/exec/ and goes into
// document ids, so it is limited to letters, digits, '_', '-' and '.'.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "platforms/base/result.h"

namespace agent {

struct ExecArgs {
  std::string task;
  std::string run_id;
  std::vector<config::Field> fields;  // values rendered as JSON strings
  bool quiet = false;
  bool help = false;
  std::vector<std::string> command;  // CMD ARGS...
};

// kInvalidArgument with a message fit for "skiff exec: <message>" on bad usage.
base::Result<ExecArgs> ParseExecArgs(std::span<const std::string> args);

// 32 lower-case hex digits from getrandom(2).
base::Result<std::string> NewRunId();

// Why `run_id` cannot be used, or empty.
std::string_view RunIdProblem(std::string_view run_id);

extern const char kExecUsage[];

}  // namespace agent
