#include "config/exec_input_loader.h"

#include <array>
#include <string>

#include "config/file_parsing_config.h"
#include "config/processors_config.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

constexpr uint64_t kMinLineBytes = 16;    // as [[inputs.file]]
constexpr uint64_t kMaxLineBytes = kGiB;  // as [[inputs.file]]
// Shorter waits would restart a crashing command in a tight loop.
constexpr milliseconds kMinBackoff{10};
// A shorter period would keep a core busy forking.
constexpr milliseconds kMinInterval{100};

constexpr std::array<EnumName<RestartPolicy>, 3> kRestartNames = {{
    {"never", RestartPolicy::kNever},
    {"on-failure", RestartPolicy::kOnFailure},
    {"always", RestartPolicy::kAlways},
}};
// A command's output has no container wrapper: cri and docker do not apply.
constexpr std::array<EnumName<Format>, 3> kFormatNames = {{
    {"text", Format::kText},
    {"json", Format::kJson},
    {"auto", Format::kAuto},
}};

void LoadCommand(const toml::table& table, TableReader& reader, std::vector<std::string>* command) {
  const toml::node* node = table.get("command");
  if (node == nullptr) {
    reader.Error("command",
                 "missing; give the program and its arguments, like command = "
                 "[\"/usr/local/bin/backup\", \"--all\"], or a shell line, like command = "
                 "\"df -h | tail -n +2\"");
    reader.Skip("command");
    return;
  }
  if (node->is_string()) {
    std::string line;
    if (reader.String("command", &line) != Outcome::kSet) return;
    if (line.find_first_not_of(" \t") == std::string::npos) {
      reader.Error("command", "must not be empty; write the shell line to run");
      return;
    }
    *command = {"/bin/sh", "-c", line};
    return;
  }
  if (reader.StringArray("command", command) != Outcome::kSet) return;
  if (command->empty()) {
    reader.Error("command", "must not be empty; give the program first, like [\"/bin/date\"]");
  } else if (command->front().empty()) {
    reader.ElementError("command", 0, "the program must not be empty");
  }
}

void LoadEnv(TableReader& parent, ErrorList& errors, std::vector<EnvVar>* env) {
  const toml::table* table = parent.Table("env");
  if (table == nullptr) return;
  TableReader reader(*table, parent.PathOf("env"), errors, parent.PositionOf("env"));
  for (const auto& [name, value] : *table) {
    // Views into `table`, which outlives `reader`.
    const std::string_view key = name.str();
    EnvVar var{std::string(key), {}};
    if (key.empty() || key.find('=') != std::string_view::npos) {
      reader.Error(key, "an environment variable name must not be empty nor contain '='");
      reader.Skip(key);
      continue;
    }
    if (reader.String(key, &var.value) == Outcome::kSet) env->push_back(std::move(var));
  }
  reader.ReportUnknownKeys();
}

void LoadSchedule(TableReader& reader, ExecInputConfig* input) {
  Outcome restart = reader.Enum("restart", kRestartNames, &input->restart);
  reader.Duration("restart_backoff", kMinBackoff, &input->restart_backoff);
  reader.Duration("restart_backoff_max", kMinBackoff, &input->restart_backoff_max);
  if (input->restart_backoff_max < input->restart_backoff) {
    reader.Error("restart_backoff_max",
                 "must not be shorter than restart_backoff; raise it or lower restart_backoff");
  }
  Outcome interval = reader.Duration("interval", kMinInterval, &input->interval);
  if (interval == Outcome::kSet && restart == Outcome::kSet &&
      input->restart != RestartPolicy::kNever) {
    reader.Error("interval",
                 "a periodic command is not restarted: remove `restart`, or remove `interval` "
                 "to supervise a long-running command");
  }
  // A timeout longer than the interval is allowed: the runs due meanwhile are skipped.
  reader.Duration("timeout", milliseconds{1}, &input->timeout);
  reader.Duration("stop_grace", milliseconds{0}, &input->stop_grace);
}

}  // namespace

void LoadCommandOutputFormat(TableReader& reader, ErrorList& errors, uint64_t max_line_bytes,
                             Format* format, FileParsingConfig* parsing) {
  reader.Enum("format", kFormatNames, format);
  LoadFileParsing(reader, max_line_bytes, errors, parsing);
}

void LoadExecInput(const toml::table& table, TableReader& reader, ErrorList& errors,
                   ExecInputConfig* input) {
  LoadCommand(table, reader, &input->command);
  reader.String("task", &input->task);
  LoadSchedule(reader, input);
  LoadEnv(reader, errors, &input->env);
  if (reader.String("working_directory", &input->working_directory) == Outcome::kSet &&
      !input->working_directory.starts_with('/')) {
    reader.Error("working_directory", "must be an absolute path, like \"/srv/app\"");
  }
  reader.Size("max_line_bytes", kMinLineBytes, kMaxLineBytes, &input->max_line_bytes);
  LoadCommandOutputFormat(reader, errors, input->max_line_bytes, &input->format, &input->parsing);
  reader.Fields("fields", &input->fields);
  reader.String("dataset", &input->dataset);
  LoadProcessors(reader, "processors", errors, &input->processors);
  reader.ReportUnknownKeys();
}

}  // namespace config
