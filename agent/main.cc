// skiff: the command line (DESIGN contracts: binary, commands, exit codes).
//
//   skiff [-c FILE] run                  foreground daemon
//   skiff [-c FILE] check-config         exit 0 ok, 2 invalid, one line per error
//   skiff [-c FILE] buffer verify|inspect  fsck and dump of the ring (agent/buffer_command.h)
//   skiff [-c FILE] exec [--task NAME] ... -- CMD ARGS...  run and ship a task (exec_command.h)
//   skiff [-c FILE] status [--json]     the running agent's status (agent/status_command.h)
//   skiff [-c FILE] top [--interval 1s]  live view of the running agent (agent/top_command.h)
//   skiff [-c FILE] reload               reload the running agent's config (reload_command.h)
//   skiff [-c FILE] setup --print [--json]  requests for an administrator (setup_command.h)
//   skiff version [--json]               version, commit, build options (version_command.h)
//
// Every command takes -c FILE (default /etc/skiff/skiff.toml), before or after the command.
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config.
#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/buffer_command.h"
#include "agent/exec_command.h"
#include "agent/reload_command.h"
#include "agent/run_command.h"
#include "agent/setup_command.h"
#include "agent/status_command.h"
#include "agent/test_output_command.h"
#include "agent/top_command.h"
#include "agent/version.h"
#include "agent/version_command.h"
#include "platforms/base/log.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr std::string_view kDefaultConfigPath = "/etc/skiff/skiff.toml";

constexpr std::string_view kUsage =
    "usage: skiff [-c FILE] COMMAND\n"
    "\n"
    "commands:\n"
    "  run            run the agent in the foreground (stops on SIGTERM/SIGINT)\n"
    "  check-config   validate the configuration; exit 0 if valid, 2 if not\n"
    "  buffer verify  check the on-disk buffer of a stopped agent; exit 0 if sound, 1 if not\n"
    "                 (--json; --data-dir DIR instead of -c; see skiff buffer --help)\n"
    "  buffer inspect list the buffer's frames, or with --events its events as NDJSON\n"
    "  exec [--task NAME] [--run-id ID] [--field K=V] [--quiet] -- CMD ARGS...\n"
    "                 run CMD and ship its output and outcome; exits with CMD's status\n"
    "                 (see skiff exec --help)\n"
    "  status         print the running agent's inputs, buffer and output (--json)\n"
    "  top            live view of the running agent (--interval 1s; q quits)\n"
    "  reload         make the running agent reload its configuration (as SIGHUP does);\n"
    "                 exit 0 applied, 2 rejected (errors printed), 1 no agent\n"
    "                 (status, top and reload find it through data_dir/skiff.sock;\n"
    "                 --data-dir DIR instead of -c)\n"
    "  setup --print  print the index template, minimal role and API-key request for an\n"
    "                 administrator to apply (--json; skiff never applies them itself)\n"
    "  test-output    connect to each Elasticsearch host, authenticate, read its version\n"
    "                 and check the credential's privileges; sends nothing; exit 0 ok,\n"
    "                 1 a host would refuse bulk requests, 2 bad configuration\n"
    "  version        print version, commit, build options and libraries (--json)\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   configuration file (default /etc/skiff/skiff.toml)\n"
    "  --log-level LEVEL   debug | info | warn | error (overrides log_level in the file)\n"
    "  -h, --help          this text\n";

// Commands that parse their own options (and --help) from Args::rest.
bool HasOwnOptions(std::string_view command) {
  return command == "buffer" || command == "exec" || command == "status" || command == "top" ||
         command == "reload" || command == "setup" || command == "version" ||
         command == "test-output";
}

struct Args {
  std::string config_path{kDefaultConfigPath};
  std::string command;
  std::string log_level;
  std::vector<std::string> rest;
};

int Usage(std::string_view error) {
  if (!error.empty())
    std::fprintf(stderr, "skiff: %.*s\n\n", static_cast<int>(error.size()), error.data());
  std::fputs(std::string(kUsage).c_str(), error.empty() ? stdout : stderr);
  return error.empty() ? kExitOk : kExitUsage;
}

bool ParseArgs(int argc, char** argv, Args& args, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (args.command == "exec" && a == "--") {
      // The command and its arguments, untouched (agent/exec_args.h).
      for (; i < argc; ++i) args.rest.emplace_back(argv[i]);
      break;
    }
    if (a == "--") {
      for (++i; i < argc; ++i) args.rest.emplace_back(argv[i]);
      break;
    }
    if (a == "-c" || a == "--config" || a == "--log-level") {
      if (i + 1 >= argc) {
        error = base::StrCat(a, " needs a value");
        return false;
      }
      (a == "--log-level" ? args.log_level : args.config_path) = argv[++i];
    } else if (a.starts_with("--config=")) {
      args.config_path = a.substr(9);
    } else if (HasOwnOptions(args.command) && !a.empty() && a[0] == '-') {
      args.rest.emplace_back(a);  // its own options and --help (agent/buffer_command.h)
    } else if (a == "-h" || a == "--help") {
      args.command = "help";
    } else if (!a.empty() && a[0] == '-') {
      error = base::StrCat("unknown option ", a);
      return false;
    } else if (args.command.empty()) {
      args.command = a;
    } else {
      args.rest.emplace_back(a);
    }
  }
  return true;
}

int CheckConfig(const Args& args) {
  if (!agent::LoadConfigOrReport(args.config_path)) return kExitUsage;
  std::printf("%s: ok\n", args.config_path.c_str());
  return kExitOk;
}

// skiff's large buffers (bulk bodies of max_batch_bytes, read chunks, batches) are freed
// and allocated again for every request. glibc would serve each from a fresh mmap and give
// it back at once, so every request paid page faults on megabytes of new memory (a third
// of the CPU in profiles). Keeping them in the heap lets the memory be reused; the bound
// stays what the configuration allows in flight.
//
// How many arenas, and when to trim (docs/footprint.md has the measurements):
// - glibc gives every thread that allocates its own arena (up to 8 per core), and the
//   libuv pool threads that encode and decode ring frames each grew one, each holding
//   its own free memory. At most two arenas, shared by all threads, keep that to one
//   more than the loop thread's; the pool threads spend far longer in zstd than in malloc.
// - Free memory at the top of an arena goes back to the kernel only above 16 MiB: gzip's
//   per-body buffers otherwise trim and fault again on every request (4 MiB cost 40 %
//   more CPU per GiB shipped with gzip on), and the peak RSS was the same.
// An operator's own MALLOC_ARENA_MAX, MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_ or
// GLIBC_TUNABLES malloc settings win over these.
void TuneAllocator() {
  constexpr int kMmapThresholdBytes = 32 * 1024 * 1024;  // glibc's maximum
  constexpr int kTrimThresholdBytes = 16 * 1024 * 1024;
  constexpr int kArenas = 2;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr &&
      std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos) {
    return;
  }
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  }
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) {
    mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
  }
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kArenas);
}

// Each followed file holds a descriptor, and thousands of files are a normal day on a
// Kubernetes node, while the soft limit is often 1024. Raise it to the hard limit (as Go's
// runtime does); the administrator's hard limit stays the bound, and a file that cannot be
// opened beyond it is logged and counted by its input.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // best effort: failing leaves the old limit
}

}  // namespace

int main(int argc, char** argv) {
  TuneAllocator();
  RaiseFileLimit();
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, args, error)) return Usage(error);
  if (!args.log_level.empty()) {
    base::LogLevel level;
    if (!base::ParseLogLevel(args.log_level, &level)) {
      return Usage("--log-level takes debug, info, warn or error");
    }
    base::SetLogLevel(level);
  }
  if (args.command.empty()) return Usage("no command given");
  if (args.command == "help") return Usage("");
  if (args.command == "version") return agent::VersionCommand(args.rest);
  if (args.command == "check-config") return CheckConfig(args);
  if (args.command == "run") return agent::RunCommand(args.config_path, !args.log_level.empty());
  if (args.command == "buffer") return agent::BufferCommand(args.config_path, args.rest);
  if (args.command == "exec") {
    return agent::ExecCommand(args.config_path, args.rest, !args.log_level.empty());
  }
  if (args.command == "status") return agent::StatusCommand(args.config_path, args.rest);
  if (args.command == "top") return agent::TopCommand(args.config_path, args.rest);
  if (args.command == "reload") return agent::ReloadCommand(args.config_path, args.rest);
  if (args.command == "setup") return agent::SetupCommand(args.config_path, args.rest);
  if (args.command == "test-output") return agent::TestOutputCommand(args.config_path, args.rest);
  return Usage(base::StrCat("unknown command '", args.command, "'"));
}
