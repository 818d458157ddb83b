// Registry: every metric skiff exposes, rendered on demand as Prometheus text.
//
// Two kinds of sources:
//  - Owned instruments, for values nothing else counts yet. The registry owns them; the
//    returned reference stays valid for the registry's lifetime:
//      metrics::Counter& ok = registry.AddCounter("skiff_x_total", "Help.", {{"outcome", "ok"}});
//      ok.Increment();
//  - Collectors, for stats a component already keeps (transport::OutputStats,
//    buffer::RingStats): a callback run at scrape time that reads the struct and writes
//    samples to a SampleWriter. Nothing is copied or updated between scrapes.
//      metrics::CollectorHandle h = registry.AddCollector([&output](metrics::SampleWriter& w) {
//        w.Counter("skiff_output_bytes_total", "Request body bytes sent.",
//                  output.stats().bytes_sent);
//      });
//    The handle unregisters the collector when destroyed, so a component that owns its
//    handle can never be read after it is gone.
//
// Everything runs on the loop thread: instruments are plain integers and doubles, and
// Render() runs there too. Names follow metric_name.h. Adding an owned instrument with an
// invalid name, or re-adding a name with another type or other buckets, is a programming
// error (names are constants in the code) and aborts with a message; a collector's bad
// sample is left out of the scrape and logged once (see SampleWriter).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platforms/metrics/counter.h"
#include "platforms/metrics/gauge.h"
#include "platforms/metrics/histogram.h"
#include "platforms/metrics/labels.h"
#include "platforms/metrics/sample_writer.h"

namespace metrics {

class Registry;

// Keeps a collector registered; unregisters it when destroyed or reset. Borrows the
// registry, which must outlive the handle.
class [[nodiscard]] CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;
  CollectorHandle(CollectorHandle&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  ~CollectorHandle() { Reset(); }

  void Reset();

 private:
  friend class Registry;
  CollectorHandle(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}

  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  // Runs at scrape time on the loop thread; writes the current values to the writer.
  using Collector = std::function<void(SampleWriter&)>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the instrument for (name, labels), made on first use. Labels are copied.
  Counter& AddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  // `upper_bounds`: finite and strictly increasing, e.g. kLatencyBucketsSeconds. All label
  // sets of one histogram name share its buckets.
  Histogram& AddHistogram(std::string_view name, std::string_view help,
                          std::span<const double> upper_bounds, Labels labels = {});

  CollectorHandle AddCollector(Collector collector);

  // Owned instruments in the order added, then each collector's samples in the order the
  // collectors were added; samples of one name are grouped (see SampleWriter).
  std::string Render();

 private:
  friend class CollectorHandle;

  struct Child {
    std::vector<std::pair<std::string, std::string>> labels;
    std::vector<Label> label_views;  // views into `labels`, which never change
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::kCounter;
    std::vector<double> upper_bounds;  // histograms only
    std::vector<std::unique_ptr<Child>> children;
  };
  struct Registered {
    uint64_t id = 0;
    Collector collector;
  };

  Child& ChildFor(std::string_view name, std::string_view help, MetricType type,
                  std::span<const double> upper_bounds, Labels labels);
  void RemoveCollector(uint64_t id);

  std::vector<std::unique_ptr<Family>> families_;
  std::vector<Registered> collectors_;
  uint64_t next_collector_id_ = 1;
  SampleWriter writer_;
  bool logged_rejection_ = false;
};

}  // namespace metrics
