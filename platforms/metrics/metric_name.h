// The naming rules for metric and label names (Prometheus data model, plus skiff's prefix).
//
// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]* and, in skiff, start with "skiff_" so they
// never collide with other exporters' metrics in a shared Prometheus. Label names match
// [a-zA-Z_][a-zA-Z0-9_]* and must not start with "__" (reserved for Prometheus itself).
#pragma once

#include <string_view>

#include "platforms/base/status.h"

namespace metrics {

inline constexpr std::string_view kMetricNamePrefix = "skiff_";

// OK, or kInvalidArgument saying which rule `name` breaks.
base::Status CheckMetricName(std::string_view name);
base::Status CheckLabelName(std::string_view name);

}  // namespace metrics
