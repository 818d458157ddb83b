#include "agent/setup_command.h"

#include <cstdio>
#include <optional>
#include <string_view>

#include "agent/run_command.h"
#include "agent/setup_plan.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: skiff setup --print [-c FILE] [--json] [--role-name NAME] [--api-key-name NAME]\n"
    "                   [--api-key-expiration DURATION]\n"
    "\n"
    "Prints what an Elasticsearch administrator applies once for this configuration: an\n"
    "index template for the indices and data streams it ships to, the minimal role\n"
    "(create_doc and auto_configure on them, no cluster privilege) and a request for an API\n"
    "key limited to the same privileges. skiff never sends these itself.\n"
    "\n"
    "  --print                     print the requests as a shell script of curl commands\n"
    "  --json                      print them as one JSON object instead\n"
    "  --role-name NAME            the role's name (default skiff_writer)\n"
    "  --api-key-name NAME         the API key's name (default skiff-shipper)\n"
    "  --api-key-expiration D      the API key's lifetime, Elasticsearch units (default 90d)\n";

int UsageError(std::string_view error) {
  std::fprintf(stderr, "skiff setup: %.*s\n\n%s", static_cast<int>(error.size()), error.data(),
               std::string(kUsage).c_str());
  return kExitUsage;
}

// `text` as one single-quoted shell word.
std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string Joined(const std::vector<std::string>& values) {
  if (values.empty()) return "(none)";
  std::string out;
  for (const std::string& v : values) out += base::StrCat(out.empty() ? "" : ", ", v);
  return out;
}

std::string RenderScript(const config::Config& config, const SetupPlan& plan) {
  const std::string url =
      config.elasticsearch.hosts.empty() ? "http://127.0.0.1:9200" : config.elasticsearch.hosts[0];
  std::string out = base::StrCat(
      "#!/bin/sh\n"
      "# skiff setup --print -c ",
      config.source_path,
      "\n"
      "# What an Elasticsearch administrator applies once for this configuration. skiff\n"
      "# itself never needs these privileges and never sends these requests.\n"
      "# Review them, then run this script with an administrator's credentials:\n"
      "#   ES_ADMIN=elastic sh skiff-setup.sh     (curl asks for the password)\n"
      "#   ES=https://other:9200 ...              (another URL than the config's first host)\n"
      "# Data streams: ",
      Joined(plan.data_stream_patterns), "\n# Indices: ", Joined(plan.index_patterns),
      "\nset -e\nES=${ES:-", ShellQuote(url), "}\n");
  std::string tls;
  if (!config.elasticsearch.tls.ca_file.empty()) {
    tls = base::StrCat(" --cacert ", ShellQuote(config.elasticsearch.tls.ca_file));
  }
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    const SetupRequest& r = plan.requests[i];
    out += base::StrCat("\n# ", i + 1, ". ", r.purpose, "\ncurl -fsS", tls,
                        " -u \"${ES_ADMIN:-elastic}\" -X ", r.method, " \"$ES", r.path,
                        "\" \\\n  -H 'Content-Type: application/json' -d ", ShellQuote(r.body),
                        "\necho\n");
  }
  return out;
}

std::string RenderJson(const config::Config& config, const SetupPlan& plan) {
  std::string out = "{\"config\":";
  base::AppendJsonString(out, config.source_path);
  out.append(",\"data_stream_patterns\":[");
  for (size_t i = 0; i < plan.data_stream_patterns.size(); ++i) {
    if (i > 0) out.push_back(',');
    base::AppendJsonString(out, plan.data_stream_patterns[i]);
  }
  out.append("],\"index_patterns\":[");
  for (size_t i = 0; i < plan.index_patterns.size(); ++i) {
    if (i > 0) out.push_back(',');
    base::AppendJsonString(out, plan.index_patterns[i]);
  }
  out.append("],\"requests\":[");
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    const SetupRequest& r = plan.requests[i];
    if (i > 0) out.push_back(',');
    out.append("{\"purpose\":");
    base::AppendJsonString(out, r.purpose);
    out.append(",\"method\":");
    base::AppendJsonString(out, r.method);
    out.append(",\"path\":");
    base::AppendJsonString(out, r.path);
    out += base::StrCat(",\"body\":", r.body, "}");  // the body is JSON already
  }
  out.append("]}\n");
  return out;
}

}  // namespace

int SetupCommand(const std::string& config_path, const std::vector<std::string>& args) {
  bool print = false;
  bool json = false;
  SetupOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(std::string(kUsage).c_str(), stdout);
      return kExitOk;
    }
    if (a == "--print") {
      print = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--role-name" || a == "--api-key-name" || a == "--api-key-expiration") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return UsageError(base::StrCat(a, " needs a value"));
      }
      std::string& target = a == "--role-name"      ? options.role_name
                            : a == "--api-key-name" ? options.api_key_name
                                                    : options.api_key_expiration;
      target = args[++i];
    } else {
      return UsageError(base::StrCat("unknown argument '", a, "'"));
    }
  }
  if (!print && !json) {
    return UsageError(
        "skiff applies nothing to the cluster itself: add --print (or --json) to print the "
        "requests for an administrator");
  }
  std::optional<config::Config> config = LoadConfigOrReport(config_path);
  if (!config) return kExitUsage;
  SetupPlan plan = BuildSetupPlan(*config, options);
  std::string text = json ? RenderJson(*config, plan) : RenderScript(*config, plan);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace agent
