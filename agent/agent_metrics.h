// AgentMetrics: what the running agent shows about itself. It registers collectors that
// read the pipeline's stats at scrape time (inputs, ring, output: the names are in
// docs/metrics.md) and serves them with /healthz and /readyz on the control socket
// (data_dir/skiff.sock, always) and on `[metrics] listen` (TCP, when configured).
//
// Everything runs on the loop thread; a scrape costs one pass over the stats structs.
#pragma once

#include <uv.h>

#include <string>

#include "agent/pipeline.h"
#include "config/config.h"
#include "platforms/base/status.h"
#include "platforms/metrics/http_server.h"
#include "platforms/metrics/registry.h"

namespace agent {

class AgentMetrics {
 public:
  // `pipeline` must outlive this object (declare it after the pipeline).
  AgentMetrics(uv_loop_t* loop, const Pipeline& pipeline);
  AgentMetrics(const AgentMetrics&) = delete;
  AgentMetrics& operator=(const AgentMetrics&) = delete;

  // Listens on `control_socket` and, when set, on `config.listen`. A failure to listen is
  // an error: a port in use must not go unnoticed.
  base::Status Start(const config::MetricsConfig& config, const std::string& control_socket);
  // Stops listening and removes the control socket.
  void Close() { server_.Close(); }

  // For tests: the TCP port when `listen` asked for port 0.
  uint16_t tcp_port() const { return server_.tcp_port(); }
  std::string Render() { return registry_.Render(); }
  // Both listeners' server, for the control routes (/status, /reload: control_routes.h).
  metrics::HttpServer& server() { return server_; }

 private:
  void CollectInputs(metrics::SampleWriter& w) const;
  void CollectBuffer(metrics::SampleWriter& w) const;
  void CollectOutput(metrics::SampleWriter& w) const;
  static void CollectOutputTls(metrics::SampleWriter& w, const transport::TlsStats& tls);
  void CollectAuth(metrics::SampleWriter& w) const;

  const Pipeline& pipeline_;
  metrics::Registry registry_;
  metrics::HttpServer server_;
  metrics::CollectorHandle inputs_;
  metrics::CollectorHandle buffer_;
  metrics::CollectorHandle output_;
  metrics::CollectorHandle auth_;
};

}  // namespace agent
