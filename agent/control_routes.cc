#include "agent/control_routes.h"

namespace agent {
namespace {

constexpr int kForbidden = 403;
constexpr int kUnprocessable = 422;
constexpr int kInternalError = 500;
constexpr std::string_view kJson = "application/json";

}  // namespace

void AddControlRoutes(metrics::HttpServer& server, const StatusReport& status,
                      ConfigReloader& reloader) {
  server.AddRoute("GET", "/status", [&status](const metrics::HttpRequest&) {
    metrics::HttpResponse response;
    response.content_type = kJson;
    response.body = status.RenderJson();
    return response;
  });
  server.AddRoute("POST", "/reload", [&reloader](const metrics::HttpRequest& request) {
    metrics::HttpResponse response;
    if (!request.over_unix_socket) {
      response.status = kForbidden;
      response.body = "reload is served on the control socket (data_dir/skiff.sock) only\n";
      return response;
    }
    const ReloadOutcome outcome = reloader.Reload("skiff reload");
    switch (outcome.result) {
      case ReloadOutcome::Result::kApplied:
        break;
      case ReloadOutcome::Result::kRejected:
        response.status = kUnprocessable;
        break;
      case ReloadOutcome::Result::kFailed:
        response.status = kInternalError;
        break;
    }
    response.content_type = kJson;
    response.body = outcome.ToJson() + "\n";
    return response;
  });
}

}  // namespace agent
