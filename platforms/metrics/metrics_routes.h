// The observability routes of an HttpServer: /metrics, /healthz and /readyz.
//
//   GET /metrics  200, the registry in Prometheus text format 0.0.4
//   GET /healthz  200 "ok": the loop is running (it answers from the loop thread)
//   GET /readyz   200 "ready" when `readiness` returns OK; otherwise 503 with its message
//
// The agent adds these to both its `[metrics] listen` server and the control socket,
// which also carries /status and /reload (registered by the agent with AddRoute).
#pragma once

#include <functional>
#include <string_view>

#include "platforms/base/status.h"
#include "platforms/metrics/http_server.h"
#include "platforms/metrics/registry.h"

namespace metrics {

// The content type Prometheus expects for the text format.
inline constexpr std::string_view kTextFormatContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// OK when shipping; otherwise why not (e.g. "output: 403 from Elasticsearch, check the
// role"). Called on the loop thread at each /readyz request. The message is served to
// whoever can reach the endpoint, so it must not carry secrets.
using ReadinessCheck = std::function<base::Status()>;

// `registry` is borrowed and must outlive `server`. An empty `readiness` is always ready.
void AddMetricsRoutes(HttpServer& server, Registry& registry, ReadinessCheck readiness);

}  // namespace metrics
