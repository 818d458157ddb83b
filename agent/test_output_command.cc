#include "agent/test_output_command.h"

#include <simdjson.h>
#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agent/run_command.h"
#include "agent/shipper.h"
#include "agent/version.h"
#include "platforms/base/clock.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "transport/base64.h"
#include "transport/cluster_info.h"
#include "transport/http_client.h"
#include "transport/http_endpoint.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// A check is a few round trips; a host that takes longer than this is as good as down.
constexpr std::chrono::milliseconds kMaxRequestTimeout{15'000};

constexpr std::string_view kUsage =
    "usage: skiff [-c FILE] test-output\n"
    "\n"
    "Connects to every [output.elasticsearch] host, authenticates with [auth], reads the\n"
    "cluster's version and checks the credential's privileges on the index. Sends no\n"
    "documents. Exit code 0 when every host would accept bulk requests, 1 when one would\n"
    "not, 2 for a bad configuration.\n";

// The index whose privileges are checked: the configured one, or index_fallback when the
// configured one is a template (%{[field]}) that only events can complete.
std::string IndexToCheck(const config::ElasticsearchConfig& es, bool* templated) {
  *templated = es.index.find("%{") != std::string::npos;
  return *templated ? es.index_fallback : es.index;
}

std::string ErrorReason(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return std::string(body.substr(0, 200));
  }
  std::string_view text;
  if (root["error"]["reason"].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  if (root["error"].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  if (root["message"].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return std::string(body.substr(0, 200));
}

// Checks the hosts one after the other on `loop`, printing as it goes.
class OutputChecker {
 public:
  OutputChecker(const config::Config& config, transport::Credentials* credentials,
                transport::HttpClient& client, std::vector<transport::HttpEndpoint> endpoints)
      : config_(config),
        credentials_(credentials),
        client_(client),
        endpoints_(std::move(endpoints)),
        user_agent_(base::StrCat("skiff/", kVersion)) {
    bool templated = false;
    index_ = IndexToCheck(config.elasticsearch, &templated);
    index_templated_ = templated;
  }

  // `done` runs on the loop once every host is checked.
  void Start(std::function<void()> done) {
    done_ = std::move(done);
    CheckHost(0);
  }
  int hosts_ok() const { return hosts_ok_; }

 private:
  using Reply = std::function<void(base::Result<transport::HttpResponse>)>;

  void Line(std::string_view label, std::string_view text) {
    std::printf("  %-11s %.*s\n", std::string(label).c_str(), static_cast<int>(text.size()),
                text.data());
    std::fflush(stdout);
  }

  void CheckHost(std::size_t i) {
    if (i >= endpoints_.size()) {
      done_();
      return;
    }
    host_ = i;
    host_ok_ = true;
    std::printf("%s\n", endpoints_[i].ToString().c_str());
    if (credentials_ != nullptr) Line("credential", credentials_->Describe());
    Request("GET", "/", "", [this](base::Result<transport::HttpResponse> r) { OnInfo(r); });
  }

  void FinishHost(bool ok, std::string_view summary) {
    host_ok_ = host_ok_ && ok;
    Line("result", host_ok_ ? base::StrCat("ok: ", summary) : base::StrCat("FAILED: ", summary));
    if (host_ok_) ++hosts_ok_;
    CheckHost(host_ + 1);
  }

  // Sends with the credential's headers; `reply` gets the answer or why there is none.
  void Request(std::string_view method, std::string target, std::string body, Reply reply) {
    transport::HttpRequest request;
    request.method = std::string(method);
    request.target = std::move(target);
    request.headers = {{"Accept", "application/json"}, {"User-Agent", user_agent_}};
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::move(body);
    auto send = [this, reply](transport::HttpRequest r) {
      base::Status s = client_.Send(endpoints_[host_], std::move(r), reply);
      if (!s.ok()) reply(std::move(s));
    };
    if (credentials_ == nullptr) {
      send(std::move(request));
      return;
    }
    auto shared = std::make_shared<transport::HttpRequest>(std::move(request));
    const std::string endpoint = endpoints_[host_].ToString();
    transport::CredentialRequest cr{shared->method, endpoint, shared->target,
                                    transport::AsBytes(shared->body)};
    credentials_->GetHeaders(
        cr, [this, shared, send](base::Result<std::vector<transport::HttpHeader>> headers) {
          if (!headers.has_value()) {
            Line("credential", base::StrCat("FAILED: ", headers.error().ToString()));
            FinishHost(false, "no credential to authenticate with");
            return;
          }
          for (transport::HttpHeader& h : *headers) shared->headers.push_back(std::move(h));
          send(std::move(*shared));
        });
  }

  void OnInfo(const base::Result<transport::HttpResponse>& r) {
    const bool tls = endpoints_[host_].tls;
    if (!r.has_value()) {
      Line("connect", base::StrCat("FAILED: ", r.error().ToString()));
      FinishHost(false, "the host cannot be reached");
      return;
    }
    Line("connect", !tls                               ? "ok (plain HTTP)"
                    : config_.elasticsearch.tls.verify ? "ok (TLS, certificate verified)"
                                                       : "ok (TLS, certificate NOT verified)");
    const transport::HttpResponse& response = *r;
    if (response.status == 401) {
      Line("auth", base::StrCat("FAILED: 401 ", ErrorReason(response.body)));
      FinishHost(false, "the credential is refused");
      return;
    }
    if (response.status == 403) {
      Line("auth", "ok");
      Line("server",
           "unknown: GET / answered 403 (the credential lacks the cluster monitor "
           "privilege; not needed for shipping)");
      CheckPrivileges(/*opensearch=*/false);
      return;
    }
    if (response.status != 200) {
      Line("server", base::StrCat("FAILED: GET / answered ", response.status, " ",
                                  ErrorReason(response.body)));
      FinishHost(false, "the host does not answer like Elasticsearch");
      return;
    }
    Line("auth", credentials_ != nullptr ? "ok" : "none configured");
    base::Result<transport::ClusterInfo> info = transport::ClusterInfo::Parse(response);
    if (!info.has_value()) {
      Line("server", base::StrCat("FAILED: ", info.error().message()));
      FinishHost(false, "the host does not answer like Elasticsearch");
      return;
    }
    Line("server",
         base::StrCat(info->Describe(), "; requests as ", info->ChooseMediaTypes().content_type));
    if (info->MissingProductHeader()) {
      Line("warning",
           "no X-Elastic-Product header on an Elasticsearch >= 7.14 answer (a "
           "proxy that drops it, or not a genuine Elasticsearch)");
    }
    CheckPrivileges(info->product == transport::Product::kOpenSearch);
  }

  void CheckPrivileges(bool opensearch) {
    if (opensearch) {
      Line("privileges", "not checked (OpenSearch has no _has_privileges)");
      FinishHost(true, "bulk requests would be accepted");
      return;
    }
    std::string body = "{\"index\":[{\"names\":[";
    base::AppendJsonString(body, index_);
    body += "],\"privileges\":[\"create_doc\",\"auto_configure\"]}]}";
    Request("POST", "/_security/user/_has_privileges", std::move(body),
            [this](base::Result<transport::HttpResponse> r) { OnPrivileges(r); });
  }

  void OnPrivileges(const base::Result<transport::HttpResponse>& r) {
    std::string_view on = index_templated_ ? " (index_fallback; index is a template)" : "";
    if (!r.has_value()) {
      Line("privileges", base::StrCat("FAILED: ", r.error().ToString()));
      FinishHost(false, "the host stopped answering");
      return;
    }
    const transport::HttpResponse& response = *r;
    if (response.status == 401) {
      Line("privileges", base::StrCat("FAILED: 401 ", ErrorReason(response.body)));
      FinishHost(false, "the credential is refused");
      return;
    }
    if (response.status == 403) {
      Line("privileges",
           base::StrCat("unknown: not allowed to ask (403 ", ErrorReason(response.body), ")"));
      FinishHost(true, "reachable and authenticated; privileges unknown");
      return;
    }
    if (response.status != 200) {
      Line("privileges", base::StrCat("not checked: _has_privileges answered ", response.status,
                                      " (security disabled?)"));
      FinishHost(true, "bulk requests would be accepted");
      return;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::element index;
    if (parser.parse(response.body.data(), response.body.size(), true).get(root) !=
            simdjson::SUCCESS ||
        root["index"][index_].get(index) != simdjson::SUCCESS) {
      Line("privileges", "not checked: unexpected _has_privileges answer");
      FinishHost(true, "reachable and authenticated; privileges unknown");
      return;
    }
    bool create_doc = false;
    bool auto_configure = false;
    if (index["create_doc"].get_bool().get(create_doc) != simdjson::SUCCESS) create_doc = false;
    if (index["auto_configure"].get_bool().get(auto_configure) != simdjson::SUCCESS) {
      auto_configure = false;
    }
    if (!create_doc) {
      Line("privileges", base::StrCat("FAILED: no create_doc on ", index_, on,
                                      "; grant create_doc and auto_configure on it"));
      FinishHost(false, "bulk requests would be refused (403)");
      return;
    }
    if (!auto_configure) {
      Line("privileges", base::StrCat("create_doc on ", index_, on,
                                      "; no auto_configure: only existing data streams and "
                                      "indices can be written"));
      FinishHost(true, "bulk requests would be accepted if the index exists");
      return;
    }
    Line("privileges", base::StrCat("create_doc, auto_configure on ", index_, on));
    FinishHost(true, "bulk requests would be accepted");
  }

  const config::Config& config_;
  transport::Credentials* const credentials_;
  transport::HttpClient& client_;
  const std::vector<transport::HttpEndpoint> endpoints_;
  const std::string user_agent_;
  std::string index_;
  bool index_templated_ = false;
  std::size_t host_ = 0;
  bool host_ok_ = true;
  int hosts_ok_ = 0;
  std::function<void()> done_;
};

}  // namespace

int TestOutputCommand(const std::string& config_path, const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage.data(), stdout);
      return kExitOk;
    }
    std::fprintf(stderr, "skiff test-output: unexpected argument '%s'\n%s", arg.c_str(),
                 kUsage.data());
    return kExitUsage;
  }
  std::optional<config::Config> config = LoadConfigOrReport(config_path);
  if (!config) return kExitUsage;

  uv_loop_t loop;
  uv_loop_init(&loop);
  int exit_code = kExitUsage;
  {
    base::RealClock clock;
    transport::OutputOptions output = OutputOptionsFrom(*config, "test-output", "");
    transport::HttpClient::Options client_options;
    client_options.connection.connect_timeout = output.connect_timeout;
    client_options.connection.request_timeout =
        std::min(output.request_timeout, kMaxRequestTimeout);
    client_options.tls = output.tls;
    client_options.proxy = output.proxy;
    client_options.proxy_env = output.proxy_env;
    transport::HttpClient client(&loop, client_options);
    std::vector<transport::HttpEndpoint> endpoints;
    base::Status prepared = base::Status::Ok();
    for (const std::string& url : output.hosts) {
      base::Result<transport::HttpEndpoint> endpoint = transport::HttpEndpoint::Parse(url);
      if (!endpoint.has_value()) {
        prepared = std::move(endpoint).error();
        break;
      }
      endpoints.push_back(*endpoint);
    }
    if (prepared.ok()) prepared = client.Prepare(endpoints);
    auto credentials = MakeCredentials(&loop, clock, config->auth);
    if (!prepared.ok()) {
      std::fprintf(stderr, "skiff test-output: [output.elasticsearch]: %s\n",
                   prepared.ToString().c_str());
    } else if (!credentials.has_value()) {
      std::fprintf(stderr, "skiff test-output: [auth]: %s\n",
                   credentials.error().ToString().c_str());
    } else {
      OutputChecker checker(*config, credentials->get(), client, endpoints);
      // Stops the loop once done: idle keep-alive connections and credential refresh
      // timers would keep it running.
      checker.Start([&loop] { uv_stop(&loop); });
      uv_run(&loop, UV_RUN_DEFAULT);
      const int total = static_cast<int>(endpoints.size());
      std::printf("test-output: %d of %d hosts ok\n", checker.hosts_ok(), total);
      exit_code = checker.hosts_ok() == total ? kExitOk : kExitFailure;
    }
    client.CloseAll();
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // closes what the client and providers left
  uv_loop_close(&loop);
  return exit_code;
}

}  // namespace agent
