#include "transport/host_pool.h"

#include <algorithm>

namespace transport {

HostPool::HostPool(std::size_t hosts, std::chrono::milliseconds max_bench)
    : max_bench_(std::max(max_bench, kMinBench)),
      configured_(std::max<std::size_t>(1, hosts)),
      hosts_(configured_) {}

std::optional<HostPool::Pick> HostPool::Acquire(TimePoint now) {
  const std::size_t n = hosts_.size();
  // A benched host whose bench ended gets one request as its probe, whether or not another
  // host is up: otherwise a host that failed once would stay out of rotation for as long as
  // another one is healthy.
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = (next_ + i) % n;
    State& s = hosts_[h];
    if (!s.up && !s.retired && !s.probing && s.bench_until <= now) {
      s.probing = true;
      next_ = h + 1;
      return Pick{h, true};
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = (next_ + i) % n;
    if (hosts_[h].up && !hosts_[h].retired) {
      next_ = h + 1;
      return Pick{h, false};
    }
  }
  return std::nullopt;
}

std::size_t HostPool::AddHost() {
  hosts_.emplace_back();
  return hosts_.size() - 1;
}

bool HostPool::Retire(std::size_t host) {
  if (!discovered(host)) return false;
  hosts_[host].retired = true;
  return true;
}

void HostPool::Reinstate(std::size_t host) {
  State& s = hosts_[host];
  s.retired = false;
  s.up = true;
  s.failures = 0;
  s.bench_until = {};
  // `probing` stays: a probe still in flight reports its outcome as usual.
}

std::size_t HostPool::AnyHost() {
  // Configured hosts are never retired, so this ends within one turn.
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    std::size_t h = (next_ + i) % hosts_.size();
    if (!hosts_[h].retired) {
      next_ = h + 1;
      return h;
    }
  }
  return 0;
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
  return std::any_of(hosts_.begin(), hosts_.end(),
                     [](const State& s) { return s.up && !s.retired; });
}

std::optional<HostPool::TimePoint> HostPool::NextProbe() const {
  if (AnyUp()) return std::nullopt;
  TimePoint next = TimePoint::max();
  for (const State& s : hosts_) {
    if (!s.probing && !s.retired) next = std::min(next, s.bench_until);
  }
  return next;
}

}  // namespace transport
