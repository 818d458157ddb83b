// ReloadPlan: what a configuration reload changes, decided by comparing the running
// Config with a freshly loaded one. Pure (no I/O), so every rule is unit-tested.
//
// Inputs are matched by id:
//  - added:   an id only in the new file: built and started;
//  - removed: an id only in the running config: stopped, its checkpoints kept (a later
//             re-add resumes where it stopped) and its events already in the ring shipped;
//  - changed: the same id with any other setting different (paths, fields, processors,
//             ...), or every input when the global [[processors]] changed: stopped and
//             started again from its checkpoints.
// Settings the running pipeline cannot take over without a restart (`data_dir`,
// `host_name`, `shutdown_timeout`, [buffer], [output.elasticsearch], [auth],
// [metrics] listen, [self]) are listed in `restart_keys`; the reload applies the inputs part and
// warns "needs a restart: <key>" for each, as Vector does, so one such edit does not hold
// back the others.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace agent {

struct ReloadPlan {
  // Input ids, each list in the order of the file that has them.
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  std::vector<std::string> unchanged;
  // Config keys whose new value only takes effect after a restart ("buffer", "auth", ...).
  std::vector<std::string> restart_keys;
  // The log level to switch to, when it changed.
  bool log_level_changed = false;

  // No input starts or stops.
  bool InputsUnchanged() const { return added.empty() && removed.empty() && changed.empty(); }
};

ReloadPlan PlanReload(const config::Config& running, const config::Config& next);

}  // namespace agent
