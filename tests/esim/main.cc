// esim: an Elasticsearch 8 test server (the `_bulk` API, a few read APIs, and faults on
// command) for skiff's integration tests, benchmarks and demo. See README.md.
//
//   esim [--host 127.0.0.1] [--port 0] [--port-file FILE] [--seed N]
//        [--require-basic USER:PASS] [--require-api-key ENCODED] [--require-bearer TOKEN]
//        [--max-request-bytes N] [--no-source]
//
// Prints "esim listening on HOST:PORT" once listening; exits 0 on SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "platforms/base/log.h"
#include "tests/esim/cluster.h"
#include "tests/esim/http_server.h"
#include "tests/esim/router.h"

namespace {

constexpr int kExitUsage = 2;

struct Flags {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  esim::ClusterOptions cluster;
};

void PrintUsage(std::FILE* to) {
  std::fputs(
      "usage: esim [--host 127.0.0.1] [--port 0] [--port-file FILE] [--seed N]\n"
      "            [--require-basic USER:PASS] [--require-api-key ENCODED]\n"
      "            [--require-bearer TOKEN] [--max-request-bytes N] [--no-source]\n",
      to);
}

template <class T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// Returns false (after printing why) on bad usage.
bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    std::size_t eq = arg.find('=');
    const bool inline_value = arg.starts_with("--") && eq != std::string_view::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto take_value = [&]() -> bool {
      if (inline_value) return true;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "esim: %.*s needs a value\n", static_cast<int>(arg.size()),
                     arg.data());
        return false;
      }
      value = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      PrintUsage(stdout);
      std::exit(0);
    } else if (arg == "--no-source") {
      flags.cluster.keep_source = false;
    } else if (arg == "--host") {
      ok = take_value();
      flags.host = std::string(value);
    } else if (arg == "--port") {
      ok = take_value() && ParseNumber(value, &flags.port);
    } else if (arg == "--port-file") {
      ok = take_value();
      flags.port_file = std::string(value);
    } else if (arg == "--seed") {
      ok = take_value() && ParseNumber(value, &flags.cluster.seed);
    } else if (arg == "--require-basic") {
      ok = take_value() && value.find(':') != std::string_view::npos;
      flags.cluster.required.basic = std::string(value);
    } else if (arg == "--require-api-key") {
      ok = take_value() && !value.empty();
      flags.cluster.required.api_key = std::string(value);
    } else if (arg == "--require-bearer") {
      ok = take_value() && !value.empty();
      flags.cluster.required.bearer = std::string(value);
    } else if (arg == "--max-request-bytes") {
      ok = take_value() && ParseNumber(value, &flags.cluster.max_request_bytes) &&
           flags.cluster.max_request_bytes > 0;
    } else {
      std::fprintf(stderr, "esim: unknown argument %s\n", argv[i]);
      PrintUsage(stderr);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "esim: bad value for %.*s\n", static_cast<int>(arg.size()), arg.data());
      return false;
    }
  }
  return true;
}

bool WritePortFile(const std::string& path, uint16_t port) {
  // Write then rename, so a watcher never reads a half-written file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) return kExitUsage;

  // Block the stop signals in every thread (threads inherit the mask) and wait for them on
  // this one; ignore SIGPIPE, writes use MSG_NOSIGNAL anyway.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  esim::Cluster cluster(flags.cluster);
  esim::HttpServer server([&cluster] { return std::make_unique<esim::Router>(cluster); });
  base::Result<uint16_t> port = server.Listen(flags.host, flags.port);
  if (!port.has_value()) {
    base::LogError("esim", port.error().ToString());
    return 1;
  }
  server.Start();
  if (!flags.port_file.empty() && !WritePortFile(flags.port_file, *port)) {
    base::LogError("esim", base::StrCat("cannot write port file ", flags.port_file));
    return 1;
  }
  std::printf("esim listening on %s:%u\n", flags.host.c_str(), static_cast<unsigned>(*port));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  return 0;
}
