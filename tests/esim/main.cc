// esim: an Elasticsearch 8 test server (the `_bulk` API, a few read APIs, and faults on
// command) for skiff's integration tests, benchmarks and demo. See README.md.
//
//   esim [--host 127.0.0.1] [--port 0] [--port-file FILE] [--seed N]
//        [--require-basic USER:PASS] [--require-api-key ENCODED] [--require-bearer TOKEN]
//        [--max-request-bytes N] [--no-source] [--clock-offset-s N]
//        [--auth basic|api-key|bearer-jwt|sigv4 ...] [--role-privileges LIST ...]
//   (PrintUsage lists every flag; README.md explains them.)
//
// Prints "esim listening on HOST:PORT" once listening; exits 0 on SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/log.h"
#include "tests/esim/authenticator.h"
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
  esim::AuthenticatorOptions auth;
  bool role = false;
  esim::RoleOptions role_options;
};

// "a,b,c" to {"a","b","c"}, empty items dropped.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    if (comma != 0) out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

void PrintUsage(std::FILE* to) {
  std::fputs(
      "usage: esim [--host 127.0.0.1] [--port 0] [--port-file FILE] [--seed N]\n"
      "            [--require-basic USER:PASS] [--require-api-key ENCODED]\n"
      "            [--require-bearer TOKEN] [--max-request-bytes N] [--no-source]\n"
      "            [--clock-offset-s N] [--flavour es7|es8|es9|opensearch2]\n"
      "            [--nodes self,HOST:PORT,...]\n"
      "            [--auth basic --basic USER:PASS] [--auth api-key --api-key ID:KEY]\n"
      "            [--auth bearer-jwt --jwks FILE --audience AUD [--issuer ISS]\n"
      "                               [--allowed-clock-skew-s 60]]\n"
      "            [--auth sigv4 --aws-access-key-id ID --aws-secret-access-key KEY\n"
      "                          [--aws-session-token T] [--region R] [--service es]]\n"
      "            [--role-privileges create_doc,auto_configure [--role-indices 'logs-*']\n"
      "                               [--role-cluster monitor] [--role-name NAME]]\n",
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
    } else if (arg == "--clock-offset-s") {
      ok = take_value() && ParseNumber(value, &flags.cluster.clock_offset_s);
    } else if (arg == "--auth") {
      std::optional<esim::AuthMode> mode;
      ok = take_value() && (mode = esim::Authenticator::ParseMode(value)).has_value();
      if (ok) flags.auth.mode = *mode;
    } else if (arg == "--basic") {
      ok = take_value();
      flags.auth.basic = std::string(value);
    } else if (arg == "--api-key") {
      ok = take_value();
      flags.auth.api_key = std::string(value);
    } else if (arg == "--jwks") {
      ok = take_value();
      flags.auth.jwt.jwks_path = std::string(value);
    } else if (arg == "--audience") {
      ok = take_value();
      flags.auth.jwt.audience = std::string(value);
    } else if (arg == "--issuer") {
      ok = take_value();
      flags.auth.jwt.issuer = std::string(value);
    } else if (arg == "--allowed-clock-skew-s") {
      int64_t seconds = 0;
      ok = take_value() && ParseNumber(value, &seconds) && seconds >= 0;
      flags.auth.jwt.allowed_clock_skew = std::chrono::seconds(seconds);
    } else if (arg == "--aws-access-key-id") {
      ok = take_value();
      flags.auth.sigv4.access_key_id = std::string(value);
    } else if (arg == "--aws-secret-access-key") {
      ok = take_value();
      flags.auth.sigv4.secret_access_key = std::string(value);
    } else if (arg == "--aws-session-token") {
      ok = take_value();
      flags.auth.sigv4.session_token = std::string(value);
    } else if (arg == "--region") {
      ok = take_value() && !value.empty();
      flags.auth.sigv4.region = std::string(value);
    } else if (arg == "--service") {
      ok = take_value() && !value.empty();
      flags.auth.sigv4.service = std::string(value);
    } else if (arg == "--role-privileges") {
      ok = take_value();
      flags.role = true;
      flags.role_options.index_privileges = SplitList(value);
    } else if (arg == "--role-indices") {
      ok = take_value();
      flags.role = true;
      flags.role_options.index_patterns = SplitList(value);
    } else if (arg == "--role-cluster") {
      ok = take_value();
      flags.role = true;
      flags.role_options.cluster_privileges = SplitList(value);
    } else if (arg == "--role-name") {
      ok = take_value() && !value.empty();
      flags.role_options.name = std::string(value);
    } else if (arg == "--flavour" || arg == "--flavor") {
      std::optional<esim::Flavour> flavour;
      ok = take_value() && (flavour = esim::ParseFlavour(value)).has_value();
      if (ok) flags.cluster.flavour = *flavour;
    } else if (arg == "--nodes") {
      ok = take_value();
      flags.cluster.nodes = SplitList(value);
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
  if (flags.auth.mode != esim::AuthMode::kNone) {
    auto authenticator = esim::Authenticator::Create(flags.auth);
    if (!authenticator.has_value()) {
      std::fprintf(stderr, "esim: %s\n", authenticator.error().ToString().c_str());
      return false;
    }
    flags.cluster.authenticator = std::move(authenticator.value());
  }
  if (flags.role) {
    auto role = esim::RolePolicy::Create(flags.role_options);
    if (!role.has_value()) {
      std::fprintf(stderr, "esim: %s\n", role.error().ToString().c_str());
      return false;
    }
    flags.cluster.role = std::move(role.value());
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
