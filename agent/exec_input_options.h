// ExecInputOptionsFrom(): an [[inputs.exec]] table (config::ExecInputConfig) turned into
// the options of agent/inputs/exec_input.h: the command, its schedule, the fields every
// event of every run carries, the parsing stage. Used by input_registry.cc.
// CommandOutputFormat(): the parsing stage alone, shared with `skiff exec`.
#pragma once

#include "agent/input_registry.h"
#include "agent/inputs/exec_input.h"
#include "config/config.h"

namespace agent {

// The parsing stage of a command's output: `format` (text | json | auto) and the parsing
// keys, for [[inputs.exec]] and `skiff exec` ([exec]).
EventFormatOptions CommandOutputFormat(config::Format format,
                                       const config::FileParsingConfig& parsing,
                                       uint64_t max_line_bytes);

ExecInputOptions ExecInputOptionsFrom(const InputContext& context,
                                      const config::ExecInputConfig& input);

}  // namespace agent
