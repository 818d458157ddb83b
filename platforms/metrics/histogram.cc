#include "platforms/metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace metrics {

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()),
      bucket_counts_(upper_bounds.size() + 1, 0) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  ++bucket_counts_[static_cast<std::size_t>(it - upper_bounds_.begin())];
  sum_ += value;
  ++count_;
}

}  // namespace metrics
