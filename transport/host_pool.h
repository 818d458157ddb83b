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
  std::optional<Pick> Acquire(TimePoint now);
  // Any host, round-robin, ignoring health (the start-up GET /).
  std::size_t AnyHost();
  // A host discovered later (node_sniffer.h), up; returns its index.
  std::size_t AddHost();

  // The host answered (any HTTP status but 502/503/504): it is up, whatever request it was.
  void OnAnswer(std::size_t host, bool probe);
  // The host failed (transport error, 502/503/504). A failure of a request sent before the
  // host was benched does not bench it longer.
  void OnFailure(std::size_t host, bool probe, TimePoint now);
  // A probe that ended without telling anything (abandoned): let another one through.
  void OnProbeAbandoned(std::size_t host);

  bool up(std::size_t host) const { return hosts_[host].up; }
  bool AnyUp() const;
  // When every host is benched: when the next probe may go (TimePoint::max() while every
  // benched host is being probed: the probes' outcomes come first). nullopt when a host is up.
  std::optional<TimePoint> NextProbe() const;
  std::size_t size() const { return hosts_.size(); }
  uint64_t benchings() const { return benchings_; }

 private:
  struct State {
    bool up = true;
    bool probing = false;
    int failures = 0;
    TimePoint bench_until{};
  };

  const std::chrono::milliseconds max_bench_;
  std::vector<State> hosts_;
  std::size_t next_ = 0;
  uint64_t benchings_ = 0;
};

}  // namespace transport
