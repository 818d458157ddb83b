// The control routes of the agent's HTTP server (DESIGN contracts: the control socket
// data_dir/skiff.sock serves /metrics, /status and /reload):
//
//   GET  /status  200, StatusReport's JSON (also on `[metrics] listen`)
//   POST /reload  reloads the configuration (ConfigReloader) and answers the outcome's JSON:
//                 200 applied, 422 rejected (invalid file: "errors" holds each
//                 file:line:col line), 500 failed (an input did not start). Over the
//                 control socket only: on a TCP listener it answers 403, so reaching the
//                 metrics port is not enough to change what the agent does.
#pragma once

#include "agent/config_reloader.h"
#include "agent/status_report.h"
#include "platforms/metrics/http_server.h"

namespace agent {

// `status` and `reloader` are borrowed and must outlive the server's routes (close the
// server first).
void AddControlRoutes(metrics::HttpServer& server, const StatusReport& status,
                      ConfigReloader& reloader);

}  // namespace agent
