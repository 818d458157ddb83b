#include "agent/reload_plan.h"

#include <algorithm>

namespace agent {
namespace {

template <typename InputConfig>
const InputConfig* FindInput(const std::vector<InputConfig>& inputs, const std::string& id) {
  auto it = std::find_if(inputs.begin(), inputs.end(),
                         [&id](const InputConfig& input) { return input.id == id; });
  return it == inputs.end() ? nullptr : &*it;
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

template <typename InputConfig>
bool SameInput(const InputConfig& a, const InputConfig& b) {
  if (!SameProcessors(a.processors, b.processors)) return false;
  InputConfig b_with_a_processors = b;
  b_with_a_processors.processors = a.processors;
  return a == b_with_a_processors;
}

}  // namespace

ReloadPlan PlanReload(const config::Config& running, const config::Config& next) {
  ReloadPlan plan;
  const bool processors_changed = !SameProcessors(running.processors, next.processors);
  // An id that moves to another kind counts as removed and added.
  config::ForEachInputList(
      [&plan, processors_changed](const auto& running_inputs, const auto& next_inputs) {
        for (const auto& input : next_inputs) {
          const auto* old = FindInput(running_inputs, input.id);
          if (old == nullptr) {
            plan.added.push_back(input.id);
          } else if (processors_changed || !SameInput(*old, input)) {
            plan.changed.push_back(input.id);
          } else {
            plan.unchanged.push_back(input.id);
          }
        }
        for (const auto& input : running_inputs) {
          if (FindInput(next_inputs, input.id) == nullptr) plan.removed.push_back(input.id);
        }
      },
      running, next);

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
  compare(running.self == next.self, "self");
  plan.log_level_changed = running.log_level != next.log_level;
  return plan;
}

}  // namespace agent
