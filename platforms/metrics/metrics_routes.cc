#include "platforms/metrics/metrics_routes.h"

#include <utility>

#include "platforms/base/log.h"

namespace metrics {
namespace {

constexpr int kServiceUnavailable = 503;

}  // namespace

void AddMetricsRoutes(HttpServer& server, Registry& registry, ReadinessCheck readiness) {
  server.AddRoute("GET", "/metrics", [&registry](const HttpRequest&) {
    HttpResponse response;
    response.content_type = kTextFormatContentType;
    response.body = registry.Render();
    return response;
  });
  server.AddRoute("GET", "/healthz", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "ok\n";
    return response;
  });
  server.AddRoute("GET", "/readyz", [readiness = std::move(readiness)](const HttpRequest&) {
    HttpResponse response;
    base::Status status = readiness ? readiness() : base::Status::Ok();
    if (status.ok()) {
      response.body = "ready\n";
    } else {
      response.status = kServiceUnavailable;
      response.body = base::StrCat("not ready: ", status.message(), "\n");
    }
    return response;
  });
}

}  // namespace metrics
