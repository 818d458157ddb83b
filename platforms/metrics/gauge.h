// Gauge: a registry-owned value that goes up and down (queue depth, seconds to expiry).
//
// A plain double updated on the loop thread, read at scrape time on the same thread.
// Obtain one from Registry::AddGauge; the registry owns it for its whole lifetime.
#pragma once

namespace metrics {

class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_ = value; }
  void Add(double delta) { value_ += delta; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

}  // namespace metrics
