// Shipper: the delivery half of skiff's data path, for one ring directory: the on-disk
// ring (buffer/ring.h), the credentials and the Elasticsearch output that drains it
// (transport/elasticsearch_output.h).
//
// The daemon's pipeline (pipeline.h) builds its stages with the option helpers below;
// `skiff exec` (exec_command.h) and the daemon's adoption of orphaned exec rings
// (exec_ring_adopter.h) each use a whole Shipper on their own ring directory.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "config/config.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"
#include "platforms/base/uv_handle.h"
#include "transport/credentials.h"
#include "transport/elasticsearch_output.h"

namespace agent {

// The credential provider [auth] names, or null for none. `loop` and `clock` must outlive it.
base::Result<std::unique_ptr<transport::Credentials>> MakeCredentials(
    uv_loop_t* loop, const base::Clock& clock, const config::AuthConfig& auth);

// [output.elasticsearch] as output options, plus what [auth] adds (stamp_identity).
transport::OutputOptions OutputOptionsFrom(const config::Config& config, std::string_view agent_id,
                                           std::string dead_letter_dir);

buffer::RingOptions RingOptionsFrom(const config::BufferConfig& buffer, std::string ring_dir);

// Where a Shipper keeps its state.
struct ShipperPaths {
  std::string ring_dir;         // recovered if it holds a ring, created if missing
  std::string dead_letter_dir;  // data_dir/dead-letter
  std::string agent_id;         // the data_dir's agent id, part of every _id
};

class Shipper {
 public:
  // Opens (recovers) the ring and builds the output. `loop` and `config` must outlive the
  // shipper; run the loop until it is empty after destroying it (pool jobs, handles).
  static base::Result<std::unique_ptr<Shipper>> Open(uv_loop_t* loop, const config::Config& config,
                                                     ShipperPaths paths);
  // Only through Open() (the tag keeps the constructor out of reach).
  struct ConstructorTag {
    explicit ConstructorTag() = default;
  };
  Shipper(ConstructorTag, uv_loop_t* loop) : loop_(loop) {}
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;
  ~Shipper();

  // Starts the output: from now on it ships whatever the ring holds.
  base::Status Start();
  // Makes what was appended durable, ships for at most `deadline` (not at all while
  // Elasticsearch is unreachable), persists the ring cursor and calls `done` on the loop.
  // What is not shipped stays in the ring directory. A drain that starts right after
  // Start() first waits (within `deadline`) for the output to learn whether Elasticsearch
  // answers: a short task must not exit before its first request could go out.
  void Drain(std::chrono::milliseconds deadline, std::function<void()> done);
  // Makes what was appended durable and persists the cursor (a stop at once); logs errors.
  void Flush();

  buffer::Ring& ring() { return *ring_; }
  const buffer::Ring& ring() const { return *ring_; }
  const transport::OutputStats& output_stats() const { return output_->stats(); }
  base::Status Readiness() const { return output_->Readiness(); }

 private:
  static void OnDrainTimer(uv_timer_t* timer);
  // The output knows whether Elasticsearch answers: one host did, or every host failed.
  bool ReachabilityKnown() const;
  void ShutdownOutput();

  uv_loop_t* loop_;
  base::RealClock clock_;
  buffer::PosixFilesystem filesystem_;
  std::unique_ptr<buffer::Ring> ring_;
  std::unique_ptr<transport::Credentials> credentials_;
  std::unique_ptr<transport::ElasticsearchOutput> output_;
  bool draining_ = false;
  base::UvHandle<uv_timer_t> drain_timer_;  // polls ReachabilityKnown() before the drain
  std::chrono::steady_clock::time_point drain_deadline_;
  std::function<void()> drain_done_;
};

}  // namespace agent
