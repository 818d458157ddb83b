#include "transport/host_pool.h"

#include <algorithm>

namespace transport {

HostPool::HostPool(std::size_t hosts, std::chrono::milliseconds max_bench)
    : max_bench_(std::max(max_bench, kMinBench)), hosts_(std::max<std::size_t>(1, hosts)) {}

std::optional<HostPool::Pick> HostPool::Acquire(TimePoint now) {
  const std::size_t n = hosts_.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = (next_ + i) % n;
    if (hosts_[h].up) {
      next_ = h + 1;
      return Pick{h, false};
    }
  }
  // Every host is benched: one probe to the first whose bench ended.
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = (next_ + i) % n;
    State& s = hosts_[h];
    if (!s.probing && s.bench_until <= now) {
      s.probing = true;
      next_ = h + 1;
      return Pick{h, true};
    }
  }
  return std::nullopt;
}

std::size_t HostPool::AddHost() {
  hosts_.emplace_back();
  return hosts_.size() - 1;
}

std::size_t HostPool::AnyHost() {
  std::size_t h = next_ % hosts_.size();
  next_ = h + 1;
  return h;
}

void HostPool::OnAnswer(std::size_t host, bool probe) {
  State& s = hosts_[host];
  if (probe) s.probing = false;
  s.up = true;
  s.failures = 0;
}

void HostPool::OnFailure(std::size_t host, bool probe, TimePoint now) {
  State& s = hosts_[host];
  if (probe) s.probing = false;
  if (!s.up && !probe) return;  // sent before the host was benched: nothing new
  s.up = false;
  ++s.failures;
  ++benchings_;
  // kMinBench * 2^(failures-1), capped; the shift is bounded so it cannot overflow.
  const int shift = std::min(s.failures - 1, 20);
  auto bench = std::min<std::chrono::milliseconds>(max_bench_, kMinBench * (int64_t{1} << shift));
  s.bench_until = now + bench;
}

void HostPool::OnProbeAbandoned(std::size_t host) { hosts_[host].probing = false; }

bool HostPool::AnyUp() const {
  return std::any_of(hosts_.begin(), hosts_.end(), [](const State& s) { return s.up; });
}

std::optional<HostPool::TimePoint> HostPool::NextProbe() const {
  if (AnyUp()) return std::nullopt;
  TimePoint next = TimePoint::max();
  for (const State& s : hosts_) {
    if (!s.probing) next = std::min(next, s.bench_until);
  }
  return next;
}

}  // namespace transport
