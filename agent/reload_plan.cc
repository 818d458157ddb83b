#include "agent/reload_plan.h"

#include <algorithm>

namespace agent {
namespace {

const config::FileInputConfig* FindInput(const config::Config& config, const std::string& id) {
  auto it = std::find_if(config.file_inputs.begin(), config.file_inputs.end(),
                         [&id](const config::FileInputConfig& input) { return input.id == id; });
  return it == config.file_inputs.end() ? nullptr : &*it;
}

// Processor names carry the input's position ("inputs.file[2].processors[0]"), which
// moves when an input is added or removed above; the name is only for logs and counters,
// so it must not make an input count as changed.
bool SameProcessors(const config::ProcessorConfigs& a, const config::ProcessorConfigs& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    config::ProcessorConfig renamed = b[i];
    renamed.name = a[i].name;
    if (!(a[i] == renamed)) return false;
  }
  return true;
}

bool SameInput(const config::FileInputConfig& a, const config::FileInputConfig& b) {
  if (!SameProcessors(a.processors, b.processors)) return false;
  config::FileInputConfig b_with_a_processors = b;
  b_with_a_processors.processors = a.processors;
  return a == b_with_a_processors;
}

}  // namespace

ReloadPlan PlanReload(const config::Config& running, const config::Config& next) {
  ReloadPlan plan;
  const bool processors_changed = !SameProcessors(running.processors, next.processors);
  for (const config::FileInputConfig& input : next.file_inputs) {
    const config::FileInputConfig* old = FindInput(running, input.id);
    if (old == nullptr) {
      plan.added.push_back(input.id);
    } else if (processors_changed || !SameInput(*old, input)) {
      plan.changed.push_back(input.id);
    } else {
      plan.unchanged.push_back(input.id);
    }
  }
  for (const config::FileInputConfig& input : running.file_inputs) {
    if (FindInput(next, input.id) == nullptr) plan.removed.push_back(input.id);
  }

  auto compare = [&plan](bool same, const char* key) {
    if (!same) plan.restart_keys.emplace_back(key);
  };
  compare(running.data_dir == next.data_dir, "data_dir");
  compare(running.host_name == next.host_name, "host_name");
  compare(running.shutdown_timeout == next.shutdown_timeout, "shutdown_timeout");
  compare(running.buffer == next.buffer, "buffer");
  compare(running.elasticsearch == next.elasticsearch, "output.elasticsearch");
  compare(running.auth == next.auth, "auth");
  compare(running.metrics == next.metrics, "metrics.listen");
  plan.log_level_changed = running.log_level != next.log_level;
  return plan;
}

}  // namespace agent
