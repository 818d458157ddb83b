// HostPool: the Elasticsearch hosts of the output, picked round-robin, with passive health.
//
// A host that fails at the transport level (refused, reset, timeout) or answers 502, 503 or
// 504 is benched: skipped for an exponentially growing time (per host: kMinBench doubling
// up to `max_bench`, not per request). When its bench ends, exactly one request is let
// through as a probe; other requests keep to the healthy hosts or, when there are none,
// wait (Acquire returns nothing). The probe's success puts the host back in rotation; its
// failure benches it again for twice as long. So while every host is down, the output
// makes one connection attempt per host per bench period, however many requests wait.
//
// Membership: the hosts given at construction are the configured ones and stay for good.
// Hosts added later are discovered (node_sniffer.h); one that leaves the cluster is retired:
// never picked again, but its index stays valid (requests in flight on it still report
// their outcome) and it is reinstated, under the same index, if it comes back.
//
// Loop thread only. Times come from the caller (a test clock or the real one).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace transport {

class HostPool {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // A first failure benches a host this long; each further failure doubles it.
  static constexpr std::chrono::milliseconds kMinBench{500};

  struct Pick {
    std::size_t host;
    bool probe;  // the one request let through to a host whose bench ended
  };

  HostPool(std::size_t hosts, std::chrono::milliseconds max_bench);

  // The host for the next request, or nullopt when every host is benched or being probed.
  // Retired hosts are never picked.
  std::optional<Pick> Acquire(TimePoint now);
  // Any host that is not retired, round-robin, ignoring health (the start-up GET /).
  std::size_t AnyHost();
  // A host discovered later (node_sniffer.h), up; returns its index.
  std::size_t AddHost();
  // A discovered host left the cluster: no new request goes to it. False (and nothing
  // changes) for a configured host, which is never retired.
  bool Retire(std::size_t host);
  // A retired host is back in the cluster: in rotation again, up, its failures forgotten
  // (the sniff answer just named it; a failure benches it as usual).
  void Reinstate(std::size_t host);

  // The host answered (any HTTP status but 502/503/504): it is up, whatever request it was.
  void OnAnswer(std::size_t host, bool probe);
  // The host failed (transport error, 502/503/504). A failure of a request sent before the
  // host was benched does not bench it longer.
  void OnFailure(std::size_t host, bool probe, TimePoint now);
  // A probe that ended without telling anything (abandoned): let another one through.
  void OnProbeAbandoned(std::size_t host);

  bool up(std::size_t host) const { return hosts_[host].up; }
  bool retired(std::size_t host) const { return hosts_[host].retired; }
  bool discovered(std::size_t host) const { return host >= configured_; }
  // Whether a host that is not retired is up.
  bool AnyUp() const;
  // When every host is benched: when the next probe may go (TimePoint::max() while every
  // benched host is being probed: the probes' outcomes come first). nullopt when a host is up.
  // Retired hosts are left out.
  std::optional<TimePoint> NextProbe() const;
  std::size_t size() const { return hosts_.size(); }
  uint64_t benchings() const { return benchings_; }

 private:
  struct State {
    bool up = true;
    bool probing = false;
    bool retired = false;
    int failures = 0;
    TimePoint bench_until{};
  };

  const std::chrono::milliseconds max_bench_;
  const std::size_t configured_;  // hosts_[0, configured_) are configured, never retired
  std::vector<State> hosts_;
  std::size_t next_ = 0;
  uint64_t benchings_ = 0;
};

}  // namespace transport
