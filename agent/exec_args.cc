#include "agent/exec_args.h"

#include <sys/random.h>

#include <array>
#include <cerrno>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::size_t kMaxRunIdBytes = 128;

// "--name VALUE" or "--name=VALUE": sets `value` and advances `i` past what was used.
bool TakeValue(std::span<const std::string> args, std::size_t& i, std::string_view name,
               std::string* value, std::string* error) {
  std::string_view a = args[i];
  if (a == name) {
    if (i + 1 >= args.size() || args[i + 1] == "--") {
      *error = base::StrCat(name, " needs a value");
      return true;
    }
    *value = args[++i];
    return true;
  }
  if (a.size() > name.size() && a.starts_with(name) && a[name.size()] == '=') {
    *value = std::string(a.substr(name.size() + 1));
    return true;
  }
  return false;
}

std::string BaseName(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

const char kExecUsage[] =
    "usage: skiff [-c FILE] exec [--task NAME] [--run-id ID] [--field KEY=VALUE ...] [--quiet]\n"
    "                            -- CMD ARGS...\n"
    "\n"
    "Runs CMD, ships every line of its stdout and stderr and a started and a finished event\n"
    "to Elasticsearch, forwards SIGTERM, SIGINT, SIGHUP and SIGQUIT to it and exits with its\n"
    "status (128+N when signal N killed it). Needs the configuration file "
    "([output.elasticsearch],\n"
    "data_dir; [exec] drain_timeout, index, max_line_bytes).\n"
    "\n"
    "options:\n"
    "  --task NAME        task.name (default: the command's base name)\n"
    "  --run-id ID        task.run_id, part of every document id (default: a random id)\n"
    "  --field KEY=VALUE  add a field to every event (repeatable)\n"
    "  --quiet            do not copy the command's output to skiff's stdout and stderr\n";

std::string_view RunIdProblem(std::string_view run_id) {
  if (run_id.empty()) return "must not be empty";
  if (run_id.size() > kMaxRunIdBytes) return "must be at most 128 characters";
  if (run_id == "." || run_id == "..") return "must not be \".\" or \"..\"";
  for (char c : run_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return "may contain only letters, digits, '_', '-' and '.'";
  }
  return {};
}

base::Result<ExecArgs> ParseExecArgs(std::span<const std::string> args) {
  ExecArgs out;
  std::string error;
  bool saw_separator = false;
  for (std::size_t i = 0; i < args.size() && error.empty(); ++i) {
    std::string_view a = args[i];
    std::string value;
    if (a == "--") {
      out.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      saw_separator = true;
      break;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      return out;
    }
    if (a == "--quiet" || a == "-q") {
      out.quiet = true;
    } else if (TakeValue(args, i, "--task", &value, &error)) {
      if (error.empty() && value.empty()) error = "--task must not be empty";
      out.task = std::move(value);
    } else if (TakeValue(args, i, "--run-id", &value, &error)) {
      if (std::string_view problem = RunIdProblem(value); error.empty() && !problem.empty()) {
        error = base::StrCat("--run-id ", problem);
      }
      out.run_id = std::move(value);
    } else if (TakeValue(args, i, "--field", &value, &error)) {
      std::size_t eq = value.find('=');
      if (!error.empty()) break;
      if (eq == std::string::npos || eq == 0) {
        error =
            base::StrCat("--field takes KEY=VALUE, like --field team=data (got \"", value, "\")");
        break;
      }
      config::Field field;
      field.key = value.substr(0, eq);
      base::AppendJsonString(field.json_value, value.substr(eq + 1));
      for (config::Field& f : out.fields) {
        if (f.key == field.key) error = base::StrCat("--field ", field.key, " given twice");
      }
      out.fields.push_back(std::move(field));
    } else if (a.starts_with("-")) {
      error = base::StrCat("unknown exec option ", a);
    } else {
      error = base::StrCat("put -- before the command, like: skiff exec --task ", a, " -- ", a);
    }
  }
  if (!error.empty()) return base::InvalidArgument(error);
  if (!saw_separator || out.command.empty()) {
    return base::InvalidArgument("no command given; write it after --, like: skiff exec -- make");
  }
  if (out.task.empty()) out.task = BaseName(out.command.front());
  return out;
}

base::Result<std::string> NewRunId() {
  std::array<unsigned char, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::ErrnoStatus(errno, "getrandom");
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

}  // namespace agent
