// ExecInputOptionsFrom(): an [[inputs.exec]] table (config::ExecInputConfig) turned into
// the options of agent/inputs/exec_input.h: the command, its schedule, the fields every
// event of every run carries, the parsing stage. Used by input_registry.cc.
#pragma once

#include "agent/input_registry.h"
#include "agent/inputs/exec_input.h"
#include "config/config.h"

namespace agent {

ExecInputOptions ExecInputOptionsFrom(const InputContext& context,
                                      const config::ExecInputConfig& input);

}  // namespace agent
