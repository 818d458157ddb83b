// SampleWriter: gathers samples into metric families and renders them as Prometheus text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Collectors receive one at scrape time and call Counter/Gauge/Histogram once per sample,
// in any order: samples of one family are grouped under a single "# HELP" and "# TYPE"
// whatever order they arrive in, and families are rendered in the order first seen, so
// the text is deterministic. A sample that breaks a rule (invalid or unprefixed metric
// name, invalid label name, a family re-declared with another type, a malformed
// histogram) is left out and counted; it is a bug in the caller, and a scrape must not
// fail because of it.
//
// Escaping, as the format requires: in HELP text '\' and newline become "\\" and "\n"; in
// label values '\', '"' and newline become "\\", "\"" and "\n".
//
// The writer keeps its buffers between scrapes (Clear() keeps capacity), so a steady
// scrape allocates little. Loop thread only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/metrics/histogram.h"
#include "platforms/metrics/labels.h"
#include "platforms/metrics/sample_value.h"

namespace metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

class SampleWriter {
 public:
  SampleWriter() = default;
  SampleWriter(const SampleWriter&) = delete;
  SampleWriter& operator=(const SampleWriter&) = delete;

  void Counter(std::string_view name, std::string_view help, SampleValue value, Labels labels = {});
  void Gauge(std::string_view name, std::string_view help, SampleValue value, Labels labels = {});
  // Renders `<name>_bucket{...,le="..."}` (cumulative, ending with le="+Inf"),
  // `<name>_sum` and `<name>_count`. `labels` must not contain "le".
  void Histogram(std::string_view name, std::string_view help, const HistogramData& data,
                 Labels labels = {});

  // Appends every family written since the last Clear() to `out`.
  void AppendText(std::string& out) const;
  // Forgets the samples (keeps the buffers) and the rejection count.
  void Clear();

  // Samples left out since the last Clear(), and why the first one was.
  std::size_t rejected() const { return rejected_; }
  const std::string& first_error() const { return first_error_; }

 private:
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::kCounter;
    std::string samples;  // rendered sample lines, each ending in '\n'
  };

  // The family named `name`, made if new; nullptr (and counted) when the sample is invalid.
  Family* FamilyFor(std::string_view name, std::string_view help, MetricType type, Labels labels);
  void Reject(std::string_view why);
  // Appends `name{labels[,le="bound"]} value\n` to `family.samples`.
  static void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                           Labels labels, const std::string* le, const SampleValue& value);

  std::vector<Family> families_;  // [0, used_) hold this scrape's families; the rest are spare
  std::size_t used_ = 0;
  std::size_t last_ = 0;  // the family written last: collectors write families in runs
  std::string le_;        // scratch for histogram bounds
  std::size_t rejected_ = 0;
  std::string first_error_;
};

}  // namespace metrics
