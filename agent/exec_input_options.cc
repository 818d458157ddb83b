#include "agent/exec_input_options.h"

#include <algorithm>

#include "agent/event_format_options.h"
#include "agent/exec_args.h"
#include "agent/inputs/child_process.h"
#include "agent/shared_fields.h"
#include "platforms/base/json_writer.h"

namespace agent {
namespace {

// A batch is at most this much, as for `skiff exec`; the ring's own limit is far above.
constexpr std::size_t kBatchBytes = 1024 * 1024;

// The shared fields plus task.name and process.command_line, unless a user field of the
// same name is configured (it wins, as with `skiff exec --field`).
std::string RunFields(const InputContext& context, const config::ExecInputConfig& input,
                      std::string_view task) {
  std::string out = RenderSharedFields(
      context.identity, "exec", input.dataset.empty() ? input.id : input.dataset, input.fields);
  auto user_sets = [&](std::string_view key) {
    return std::any_of(input.fields.begin(), input.fields.end(),
                       [key](const config::Field& f) { return f.key == key; });
  };
  auto add = [&](std::string_view key, std::string_view value) {
    if (user_sets(key)) return;
    if (!out.empty()) out += ',';
    base::AppendJsonString(out, key);
    out += ':';
    base::AppendJsonString(out, value);
  };
  add("task.name", task);
  add("process.command_line", ChildProcess::CommandLine(input.command));
  return out;
}

}  // namespace

ExecInputOptions ExecInputOptionsFrom(const InputContext& context,
                                      const config::ExecInputConfig& input) {
  ExecInputOptions options;
  options.id = input.id;
  options.task = input.task.empty() ? input.id : input.task;
  options.schedule.restart = input.restart;
  options.schedule.backoff = input.restart_backoff;
  options.schedule.backoff_max = input.restart_backoff_max;
  options.schedule.interval = input.interval;
  CommandRunOptions& run = options.run;
  run.argv = input.command;
  for (const config::EnvVar& var : input.env) run.env.push_back(var.name + "=" + var.value);
  run.working_directory = input.working_directory;
  run.timeout = input.timeout;
  run.stop_grace = input.stop_grace;
  run.reader.max_line_bytes = static_cast<std::size_t>(input.max_line_bytes);
  run.output.index = input.index.empty() ? context.default_index : input.index;
  run.output.shared_fields_json = RunFields(context, input, options.task);
  run.output.batch_bytes = kBatchBytes;
  options.format = EventFormatOptionsFor(input.format, input.parsing, input.max_line_bytes);
  options.new_run_id = [] { return NewRunId(); };
  return options;
}

}  // namespace agent
