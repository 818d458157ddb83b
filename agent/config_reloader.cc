#include "agent/config_reloader.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "config/config_loader.h"
#include "platforms/base/clock.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

void AppendList(std::string& out, std::string_view name, const std::vector<std::string>& items) {
  out += ",\"";
  out += name;
  out += "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    base::AppendJsonString(out, items[i]);
  }
  out += ']';
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// The file is re-read at each reload: name it independently of the working directory,
// and show operators which file that is.
std::string AbsolutePath(std::string path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view ReloadOutcome::ResultName() const {
  switch (result) {
    case Result::kApplied:
      return "applied";
    case Result::kRejected:
      return "rejected";
    case Result::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string ReloadOutcome::Summary() const {
  std::string out(ResultName());
  if (result == Result::kRejected) {
    return base::StrCat(out, ": ", errors.size(),
                        " error(s) in the configuration; still running "
                        "the previous one");
  }
  std::string parts;
  auto add = [&parts](std::string_view verb, const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    parts += parts.empty() ? "" : "; ";
    parts += base::StrCat(verb, " ", Joined(ids));
  };
  add("added", plan.added);
  add("removed", plan.removed);
  add("restarted", plan.changed);
  if (parts.empty()) parts = "no input changed";
  parts += base::StrCat("; ", plan.unchanged.size(), " unchanged");
  if (!plan.restart_keys.empty()) {
    parts += base::StrCat("; needs a restart: ", Joined(plan.restart_keys));
  }
  out += ": ";
  out += parts;
  for (const std::string& e : errors) out += base::StrCat("; ", e);
  return out;
}

std::string ReloadOutcome::ToJson() const {
  std::string out = "{\"result\":";
  base::AppendJsonString(out, ResultName());
  out += ",\"trigger\":";
  base::AppendJsonString(out, trigger);
  out += ",\"at\":";
  base::AppendJsonTimestamp(out, unix_nanos);
  AppendList(out, "added", plan.added);
  AppendList(out, "removed", plan.removed);
  AppendList(out, "changed", plan.changed);
  AppendList(out, "unchanged", plan.unchanged);
  AppendList(out, "restart_keys", plan.restart_keys);
  AppendList(out, "errors", errors);
  out += '}';
  return out;
}

ConfigReloader::ConfigReloader(std::string config_path, config::Config running, Pipeline& pipeline,
                               const systemd::ServiceNotifier& notifier, bool log_level_from_cli)
    : config_path_(AbsolutePath(std::move(config_path))),
      running_(std::move(running)),
      pipeline_(pipeline),
      notifier_(notifier),
      log_level_from_cli_(log_level_from_cli) {}

ReloadOutcome ConfigReloader::Reload(std::string_view trigger) {
  if (base::Status s = notifier_.Reloading(); !s.ok()) {
    base::LogWarn("agent", s.WithContext("telling systemd we reload").message());
  }
  base::LogInfo("agent", base::StrCat(trigger, ": reloading ", config_path_));
  ReloadOutcome outcome;
  outcome.trigger = std::string(trigger);
  outcome.unix_nanos = NowUnixNanos();

  config::LoadResult loaded = config::LoadConfigFile(config_path_);
  if (!loaded.config) {
    outcome.result = ReloadOutcome::Result::kRejected;
    for (const config::ConfigError& e : loaded.errors) {
      outcome.errors.push_back(e.ToString());
      base::LogError("agent", base::StrCat("reload: ", outcome.errors.back()));
    }
  } else {
    outcome = Apply(std::move(*loaded.config), std::move(outcome));
  }
  (outcome.result == ReloadOutcome::Result::kApplied ? base::LogInfo : base::LogError)(
      "agent", base::StrCat("reload ", outcome.Summary()));
  if (base::Status s = notifier_.Ready("running"); !s.ok()) {
    base::LogWarn("agent", s.WithContext("telling systemd we are ready").message());
  }
  last_ = outcome;
  return outcome;
}

ReloadOutcome ConfigReloader::Apply(config::Config next, ReloadOutcome outcome) {
  outcome.plan = PlanReload(running_, next);
  for (const std::string& key : outcome.plan.restart_keys) {
    base::LogWarn("agent", base::StrCat("reload: needs a restart: ", key,
                                        " (the running value stays until skiff restarts)"));
  }
  if (outcome.plan.log_level_changed && !log_level_from_cli_) {
    base::LogLevel level;
    if (base::ParseLogLevel(next.log_level, &level)) base::SetLogLevel(level);
  }
  running_.log_level = next.log_level;
  base::SetLogFormat(next.log_format == "json" ? base::LogFormat::kJson : base::LogFormat::kText);
  running_.log_format = next.log_format;
  if (outcome.plan.InputsUnchanged()) return outcome;
  auto failed = pipeline_.ReloadInputs(next, outcome.plan);
  if (!failed.has_value()) {
    outcome.result = ReloadOutcome::Result::kFailed;
    outcome.errors.emplace_back(failed.error().message());
    return outcome;
  }
  // Only what runs becomes the running config: the restart-only settings keep the values
  // the pipeline was built with (so the next reload reports them again), and an input
  // that failed to start is left out (so the next reload starts it).
  running_.processors = next.processors;
  config::ForEachInputList(
      [&failed, &outcome](auto& running_inputs, const auto& next_inputs) {
        running_inputs.clear();
        for (const auto& input : next_inputs) {
          if (std::find(failed->begin(), failed->end(), input.id) != failed->end()) {
            outcome.result = ReloadOutcome::Result::kFailed;
            outcome.errors.push_back(
                base::StrCat("input ", input.id, " failed to start (see the log)"));
            continue;
          }
          running_inputs.push_back(input);
        }
      },
      running_, next);
  return outcome;
}

}  // namespace agent
