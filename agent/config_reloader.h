// ConfigReloader: reloads the running agent's configuration, on SIGHUP and on
// `skiff reload` (POST /reload on the control socket), both on the loop thread.
//
// A reload re-reads the file the agent was started with. An invalid file is rejected:
// each `file:line:col` error is logged and returned to the caller, and the agent keeps
// running what it ran. A valid one is compared with the running config (reload_plan.h):
// inputs added, removed and changed are applied by Pipeline::ReloadInputs() without
// losing or re-reading data; settings that need a restart are logged as
// "needs a restart: <key>" and left as they are; the rest is applied. systemd hears
// RELOADING=1 (with MONOTONIC_USEC) before and READY=1 after, whatever the outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/pipeline.h"
#include "agent/reload_plan.h"
#include "config/config.h"
#include "platforms/systemd/service_notifier.h"

namespace agent {

struct ReloadOutcome {
  enum class Result {
    kApplied,   // the new config runs (restart_keys excepted)
    kRejected,  // the file is invalid: `errors`, one "file:line:col: ..." line each
    kFailed,    // valid, but an input could not start: `errors` says which
  };
  Result result = Result::kApplied;
  std::string trigger;  // "SIGHUP", "skiff reload"
  int64_t unix_nanos = 0;
  std::vector<std::string> errors;
  ReloadPlan plan;

  std::string_view ResultName() const;
  // One line for the log and the CLI: "applied: added a; removed b; 1 unchanged".
  std::string Summary() const;
  // {"result":"applied","trigger":...,"at":...,"added":[...],"removed":[...],"changed":[...],
  //  "unchanged":[...],"restart_keys":[...],"errors":[...]} (docs/operations.md).
  std::string ToJson() const;
};

class ConfigReloader {
 public:
  // `running` is the config the pipeline was built from. `pipeline` and `notifier` are
  // borrowed and must outlive the reloader. With `log_level_from_cli`, a log_level in the
  // file is ignored, as at start-up.
  ConfigReloader(std::string config_path, config::Config running, Pipeline& pipeline,
                 const systemd::ServiceNotifier& notifier, bool log_level_from_cli);
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  ReloadOutcome Reload(std::string_view trigger);

  const std::string& config_path() const { return config_path_; }
  // The outcome of the last reload, for /status; nothing before the first.
  const std::optional<ReloadOutcome>& last() const { return last_; }

 private:
  ReloadOutcome Apply(config::Config next, ReloadOutcome outcome);

  std::string config_path_;
  // What runs: the inputs and log level of the last applied reload; the settings that
  // need a restart keep their start-up values.
  config::Config running_;
  Pipeline& pipeline_;
  const systemd::ServiceNotifier& notifier_;
  bool log_level_from_cli_;
  std::optional<ReloadOutcome> last_;
};

}  // namespace agent
