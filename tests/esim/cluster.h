// Cluster: the state all of esim's connections share: the document store, the fault plan,
// the counters and the start-up options, plus the small identities a real cluster has
// (cluster UUID, node name, auto-generated document ids). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/esim/auth_policy.h"
#include "tests/esim/authenticator.h"
#include "tests/esim/doc_store.h"
#include "tests/esim/faults.h"
#include "tests/esim/flavour.h"
#include "tests/esim/role_policy.h"
#include "tests/esim/stats.h"

namespace esim {

struct ClusterOptions {
  bool keep_source = true;
  uint64_t seed = 1;
  RequiredCredentials required;  // from the command line; the `require` fault adds to it
  // --auth MODE: one realm verified for real (JWT signatures, SigV4); null: none.
  std::shared_ptr<const Authenticator> authenticator;
  // --role-*: every request authorized against this role; nullopt: everything allowed.
  std::optional<RolePolicy> role;
  // --clock-offset-s: esim's clock runs this far ahead of the host's (negative: behind), for
  // credential checks and the Date header, to test a client's clock-skew handling.
  int64_t clock_offset_s = 0;
  // ES's http.max_content_length default, 100mb.
  int64_t max_request_bytes = 100 * 1024 * 1024;
  // --flavour: the server esim pretends to be (flavour.h).
  Flavour flavour = Flavour::kEs8;
  // --nodes: the HTTP publish addresses ("127.0.0.1:9201") GET /_nodes/http lists, for
  // clients that discover nodes (sniffing); "self" (and an empty list) stands for the
  // address the client connected to (its Host header).
  std::vector<std::string> nodes;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  DocStore& store() { return store_; }
  Faults& faults() { return faults_; }
  Stats& stats() { return stats_; }
  const ClusterOptions& options() const { return options_; }
  const std::string& cluster_uuid() const { return cluster_uuid_; }

  // Seconds since the epoch on esim's clock (the host's plus clock_offset_s).
  int64_t NowUnixSeconds() const;
  // Appends a new 20-character document id, shaped like ES's time-based ids.
  void AppendAutoId(std::string& out);
  // The credentials demanded now: the command line's, with the fault plan's on top.
  RequiredCredentials RequiredNow() const;
  // Largest body accepted now: the smaller of the option and the fault.
  std::size_t MaxBodyBytes() const;
  // Drops all documents, faults and counters (POST /_esim/reset).
  void Reset();

 private:
  const ClusterOptions options_;
  DocStore store_;
  Faults faults_;
  Stats stats_;
  std::string cluster_uuid_;
  std::atomic<uint64_t> id_sequence_{0};
  uint64_t id_node_bits_;
};

}  // namespace esim
