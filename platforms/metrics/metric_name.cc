#include "platforms/metrics/metric_name.h"

#include "platforms/base/log.h"

namespace metrics {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

base::Status CheckMetricName(std::string_view name) {
  if (!name.starts_with(kMetricNamePrefix)) {
    return base::InvalidArgument(
        base::StrCat("metric name \"", name, "\" must start with \"", kMetricNamePrefix, "\""));
  }
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_' && c != ':') {
      return base::InvalidArgument(
          base::StrCat("metric name \"", name, "\" may contain only letters, digits, '_' and ':'"));
    }
  }
  return base::Status::Ok();
}

base::Status CheckLabelName(std::string_view name) {
  if (name.empty() || IsAsciiDigit(name.front())) {
    return base::InvalidArgument(
        base::StrCat("label name \"", name, "\" must start with a letter or '_'"));
  }
  if (name.starts_with("__")) {
    return base::InvalidArgument(
        base::StrCat("label name \"", name, "\" starts with \"__\", which Prometheus reserves"));
  }
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_') {
      return base::InvalidArgument(
          base::StrCat("label name \"", name, "\" may contain only letters, digits and '_'"));
    }
  }
  return base::Status::Ok();
}

}  // namespace metrics
