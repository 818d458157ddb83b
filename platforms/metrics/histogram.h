// Histogram: counts of observations in fixed buckets, plus their sum (request latency).
//
// The bucket upper bounds are fixed when the histogram is made, so Observe() is a short
// search and an increment, with no allocation. Buckets are stored per bucket, not
// cumulatively; the exposition makes them cumulative (`le` = "less than or equal"), and the
// last bucket is the implicit +Inf one. Loop thread only, like the other instruments.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace metrics {

// A read-only view of a histogram, for collectors that keep their own buckets. Borrowed
// for the duration of the call it is passed to.
struct HistogramData {
  std::span<const double> upper_bounds;     // finite, strictly increasing
  std::span<const uint64_t> bucket_counts;  // per bucket; size() == upper_bounds.size() + 1
  double sum = 0;
};

// Request latencies from a loopback hop (5 ms) to a struggling cluster (60 s, beyond the
// default request timeout), in seconds.
inline constexpr std::array<double, 14> kLatencyBucketsSeconds = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

class Histogram {
 public:
  // `upper_bounds` must be finite and strictly increasing (Registry checks before making one).
  explicit Histogram(std::span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is >= value (or in +Inf); NaN is ignored.
  void Observe(double value);

  HistogramData data() const { return {upper_bounds_, bucket_counts_, sum_}; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> bucket_counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace metrics
