#include "tests/esim/stats.h"

#include "platforms/base/json_writer.h"
#include "tests/esim/json_text.h"

namespace esim {

void Stats::CountResponse(int status) {
  if (status >= 0 && status < kMaxHttpStatus) {
    responses_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  }
}

void Stats::CountBulk(uint64_t wire_bytes, uint64_t decoded_bytes) {
  bulk_requests_.fetch_add(1, std::memory_order_relaxed);
  bulk_bytes_received_.fetch_add(wire_bytes, std::memory_order_relaxed);
  bulk_bytes_decoded_.fetch_add(decoded_bytes, std::memory_order_relaxed);
}

void Stats::AddItems(const ItemCounts& counts) {
  for (std::size_t i = 0; i < counts.by_status.size(); ++i) {
    if (counts.by_status[i] != 0) {
      items_[i].fetch_add(counts.by_status[i], std::memory_order_relaxed);
    }
  }
}

void Stats::CountAuthFailure(AuthFailure failure) {
  auth_failures_[static_cast<std::size_t>(failure)].fetch_add(1, std::memory_order_relaxed);
}

void Stats::CountAuthorizationFailure(std::string_view action) {
  std::lock_guard lock(authorization_mutex_);
  auto it = authorization_failures_.find(action);
  if (it == authorization_failures_.end()) {
    it = authorization_failures_.emplace(std::string(action), 0).first;
  }
  ++it->second;
}

uint64_t Stats::responses(int status) const {
  if (status < 0 || status >= kMaxHttpStatus) return 0;
  return responses_[static_cast<std::size_t>(status)].load(std::memory_order_relaxed);
}

void Stats::Reset() {
  for (auto& c : responses_) c.store(0, std::memory_order_relaxed);
  for (auto& c : items_) c.store(0, std::memory_order_relaxed);
  bulk_requests_.store(0, std::memory_order_relaxed);
  bulk_bytes_received_.store(0, std::memory_order_relaxed);
  bulk_bytes_decoded_.store(0, std::memory_order_relaxed);
  connections_dropped_.store(0, std::memory_order_relaxed);
  for (auto& c : auth_failures_) c.store(0, std::memory_order_relaxed);
  {
    std::lock_guard lock(authorization_mutex_);
    authorization_failures_.clear();
  }
  // connections_accepted_ counts the process's lifetime; a reset does not close sockets.
}

void Stats::AppendByStatus(std::string& out, const Counters& counters) {
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < counters.size(); ++i) {
    uint64_t n = counters[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    AppendJsonInt(out, static_cast<int64_t>(i));
    out += "\":";
    AppendJsonInt(out, static_cast<int64_t>(n));
  }
  out += '}';
}

void Stats::AppendJsonFields(std::string& out) const {
  auto field = [&out](std::string_view name, uint64_t value) {
    AppendJsonKey(out, name);
    AppendJsonInt(out, static_cast<int64_t>(value));
    out += ',';
  };
  AppendJsonKey(out, "requests_by_status");
  AppendByStatus(out, responses_);
  out += ',';
  field("bulk_requests", bulk_requests_.load(std::memory_order_relaxed));
  field("bulk_bytes_received", bulk_bytes_received_.load(std::memory_order_relaxed));
  field("bulk_bytes_decoded", bulk_bytes_decoded_.load(std::memory_order_relaxed));
  AppendJsonKey(out, "items_by_status");
  AppendByStatus(out, items_);
  out += ',';
  field("connections_accepted", connections_accepted_.load(std::memory_order_relaxed));
  AppendJsonKey(out, "auth_failures");
  out += '{';
  for (int i = 1; i < kAuthFailureKinds; ++i) {  // every kind but kNone, zeros included
    if (i > 1) out += ',';
    AppendJsonKey(out, AuthFailureName(static_cast<AuthFailure>(i)));
    AppendJsonInt(out, static_cast<int64_t>(
                           auth_failures_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed)));
  }
  out += "},";
  AppendJsonKey(out, "authorization_failures");
  out += '{';
  {
    std::lock_guard lock(authorization_mutex_);
    bool first = true;
    for (const auto& [action, n] : authorization_failures_) {
      if (!first) out += ',';
      first = false;
      base::AppendJsonString(out, action);
      out += ':';
      AppendJsonInt(out, static_cast<int64_t>(n));
    }
  }
  out += "},";
  AppendJsonKey(out, "connections_dropped");
  AppendJsonInt(out, static_cast<int64_t>(connections_dropped_.load(std::memory_order_relaxed)));
}

}  // namespace esim
