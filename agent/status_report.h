// StatusReport: the JSON document `GET /status` serves on the control socket and on
// `[metrics] listen`, read by `skiff status` and `skiff top` (status_snapshot.h parses it).
// The schema is in docs/operations.md; fields are only ever added.
//
// It reads the same stats structs as the metrics collectors (agent_metrics.h): the
// inputs' InputStats, the ring's RingStats and the output's OutputStats, so /status and
// /metrics cannot disagree. Rendering runs on the loop thread, once per request.
#pragma once

#include <chrono>
#include <string>

#include "agent/config_reloader.h"
#include "agent/pipeline.h"

namespace agent {

// `pipeline` and `reloader` are borrowed and must outlive the report.
class StatusReport {
 public:
  StatusReport(const Pipeline& pipeline, const ConfigReloader& reloader, std::string data_dir,
               std::string agent_id);
  StatusReport(const StatusReport&) = delete;
  StatusReport& operator=(const StatusReport&) = delete;

  std::string RenderJson() const;

 private:
  void AppendInputs(std::string& out) const;
  void AppendBuffer(std::string& out) const;
  void AppendOutput(std::string& out) const;

  const Pipeline& pipeline_;
  const ConfigReloader& reloader_;
  std::string data_dir_;
  std::string agent_id_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace agent
