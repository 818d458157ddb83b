// Faults: the failures esim injects on command (PUT /_esim/faults), with a seeded random
// source so a run is reproducible. A plan replaces the previous one entirely; absent fields
// are off. Fields (JSON):
//   item_429_ratio, item_400_ratio, item_503_ratio   per bulk item, 0..1, sum <= 1
//   request_status, request_count                    next N bulk requests get this status
//   request_error                                    429 body: "es_rejected_execution_exception"
//                                                    (default) or "circuit_breaking_exception"
//   retry_after_s                                    adds Retry-After to those responses
//   delay_ms                                         each bulk response waits this long
//   drop_ratio, drop_next                            close bulk connections mid-response
//   max_request_bytes                                bodies above this get 413
//   require: {basic: "user:pass", api_key, bearer}   401 unless one of them is presented
// Items and requests rejected by a fault are not stored. Delays and drops happen after the
// request was applied (like a response lost on the way back), so a retry meets 409s.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "platforms/base/status.h"
#include "tests/esim/auth_policy.h"

namespace esim {

struct FaultPlan {
  double item_429_ratio = 0;
  double item_400_ratio = 0;
  double item_503_ratio = 0;
  int request_status = 0;
  int64_t request_count = 0;
  std::string request_error;
  int64_t retry_after_s = -1;
  int64_t delay_ms = 0;
  double drop_ratio = 0;
  int64_t drop_next = 0;
  int64_t max_request_bytes = -1;
  RequiredCredentials require;

  bool HasItemFaults() const {
    return item_429_ratio > 0 || item_400_ratio > 0 || item_503_ratio > 0;
  }
};

// Which fault, if any, hits one bulk item.
enum class ItemFault { kNone, kRejected429, kMapping400, kUnavailable503 };

// Draws item faults for one request without the Faults lock (seeded from it per request).
class ItemFaultSampler {
 public:
  ItemFaultSampler(const FaultPlan& plan, uint64_t seed);
  ItemFault Draw();

 private:
  bool active_;
  double r429_, r400_, r503_;
  std::mt19937_64 rng_;
};

struct RequestFault {
  int status = 0;
  std::string error_type;
  int64_t retry_after_s = -1;
};

struct ResponseFault {
  std::chrono::milliseconds delay{0};
  bool drop = false;
};

class Faults {
 public:
  explicit Faults(uint64_t seed);

  // Replaces the plan with the one in `json`. Unknown fields and bad values are errors.
  base::Status Set(std::string_view json);
  void Clear();
  std::string ToJson() const;

  // Per bulk request, in order: a whole-request fault (consumes one of request_count)...
  std::optional<RequestFault> TakeRequestFault();
  // ...the sampler for its items...
  ItemFaultSampler StartItems();
  // ...and what happens to its response (consumes one of drop_next).
  ResponseFault TakeResponseFault();

  // The max_request_bytes fault, or -1.
  int64_t max_request_bytes() const;
  RequiredCredentials required_credentials() const;

 private:
  mutable std::mutex mu_;
  FaultPlan plan_;       // guarded by mu_
  std::mt19937_64 rng_;  // guarded by mu_
};

}  // namespace esim
