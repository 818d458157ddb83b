// Stats: what esim counts, for GET /_esim/stats: responses by HTTP status, bulk requests
// and bytes, bulk items by status, connections accepted and dropped, credentials refused
// (by why) and requests or items refused by the role. Lock-free counters;
// a bulk request adds its item counts once (ItemCounts), not per item.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "tests/esim/auth_failure.h"

namespace esim {

constexpr int kMaxHttpStatus = 600;

// Per-request item tallies, added to Stats in one step.
struct ItemCounts {
  std::array<uint32_t, kMaxHttpStatus> by_status{};
  void Add(int status) {
    if (status >= 0 && status < kMaxHttpStatus) ++by_status[static_cast<std::size_t>(status)];
  }
};

class Stats {
 public:
  void CountResponse(int status);
  void CountBulk(uint64_t wire_bytes, uint64_t decoded_bytes);
  void AddItems(const ItemCounts& counts);
  void CountConnection() { connections_accepted_.fetch_add(1, std::memory_order_relaxed); }
  void CountDroppedConnection() { connections_dropped_.fetch_add(1, std::memory_order_relaxed); }
  // Credentials refused (401, or SigV4's 403 "Signature expired"), by why.
  void CountAuthFailure(AuthFailure failure);
  // A request or bulk item refused by the role (403 security_exception), by ES action
  // name ("cluster:monitor/main"), so tests can tell a GET / from a refused write.
  void CountAuthorizationFailure(std::string_view action);
  void Reset();

  uint64_t responses(int status) const;
  uint64_t bulk_requests() const { return bulk_requests_.load(std::memory_order_relaxed); }

  // Appends the stats fields (without braces) to `out`.
  void AppendJsonFields(std::string& out) const;

 private:
  using Counters = std::array<std::atomic<uint64_t>, kMaxHttpStatus>;
  static void AppendByStatus(std::string& out, const Counters& counters);

  Counters responses_{};
  Counters items_{};
  std::atomic<uint64_t> bulk_requests_{0};
  std::atomic<uint64_t> bulk_bytes_received_{0};
  std::atomic<uint64_t> bulk_bytes_decoded_{0};
  std::atomic<uint64_t> connections_accepted_{0};
  std::atomic<uint64_t> connections_dropped_{0};
  std::array<std::atomic<uint64_t>, kAuthFailureKinds> auth_failures_{};
  mutable std::mutex authorization_mutex_;
  std::map<std::string, uint64_t, std::less<>> authorization_failures_;  // by action
};

}  // namespace esim
