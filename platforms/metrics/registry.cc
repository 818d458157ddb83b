#include "platforms/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "platforms/base/log.h"
#include "platforms/metrics/metric_name.h"

namespace metrics {
namespace {

constexpr std::string_view kLogComponent = "metrics";

// Owned instruments are declared by constants in the code; a bad one is a bug to fix
// before shipping, not a condition to handle at run time.
[[noreturn]] void FailRegistration(std::string_view message) {
  base::LogError(kLogComponent, message);
  std::abort();
}

bool SameLabels(const std::vector<std::pair<std::string, std::string>>& have, Labels want) {
  if (have.size() != want.size()) return false;
  std::size_t i = 0;
  for (const Label& label : want) {
    if (have[i].first != label.name || have[i].second != label.value) return false;
    ++i;
  }
  return true;
}

}  // namespace

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void CollectorHandle::Reset() {
  if (registry_ != nullptr) std::exchange(registry_, nullptr)->RemoveCollector(id_);
}

Counter& Registry::AddCounter(std::string_view name, std::string_view help, Labels labels) {
  return *ChildFor(name, help, MetricType::kCounter, {}, labels).counter;
}

Gauge& Registry::AddGauge(std::string_view name, std::string_view help, Labels labels) {
  return *ChildFor(name, help, MetricType::kGauge, {}, labels).gauge;
}

Histogram& Registry::AddHistogram(std::string_view name, std::string_view help,
                                  std::span<const double> upper_bounds, Labels labels) {
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i]))) {
      FailRegistration(base::StrCat("histogram ", name,
                                    ": bucket bounds must be finite and strictly increasing"));
    }
  }
  return *ChildFor(name, help, MetricType::kHistogram, upper_bounds, labels).histogram;
}

Registry::Child& Registry::ChildFor(std::string_view name, std::string_view help, MetricType type,
                                    std::span<const double> upper_bounds, Labels labels) {
  if (base::Status s = CheckMetricName(name); !s.ok()) FailRegistration(s.message());
  for (const Label& label : labels) {
    if (base::Status s = CheckLabelName(label.name); !s.ok()) {
      FailRegistration(base::StrCat(name, ": ", s.message()));
    }
    if (type == MetricType::kHistogram && label.name == "le") {
      FailRegistration(base::StrCat(name, ": label \"le\" is reserved for histogram buckets"));
    }
  }
  auto it = std::find_if(families_.begin(), families_.end(),
                         [&](const auto& f) { return f->name == name; });
  Family* family = nullptr;
  if (it == families_.end()) {
    families_.push_back(std::make_unique<Family>());
    family = families_.back().get();
    family->name.assign(name);
    family->help.assign(help);
    family->type = type;
    family->upper_bounds.assign(upper_bounds.begin(), upper_bounds.end());
  } else {
    family = it->get();
    if (family->type != type) {
      FailRegistration(base::StrCat(name, ": already registered with another type"));
    }
    if (!std::equal(family->upper_bounds.begin(), family->upper_bounds.end(), upper_bounds.begin(),
                    upper_bounds.end())) {
      FailRegistration(base::StrCat(name, ": already registered with other buckets"));
    }
    for (const auto& child : family->children) {
      if (SameLabels(child->labels, labels)) return *child;
    }
  }
  auto child = std::make_unique<Child>();
  for (const Label& label : labels) child->labels.emplace_back(label.name, label.value);
  for (const auto& [label_name, value] : child->labels)
    child->label_views.push_back({label_name, value});
  switch (type) {
    case MetricType::kCounter:
      child->counter = std::make_unique<Counter>();
      break;
    case MetricType::kGauge:
      child->gauge = std::make_unique<Gauge>();
      break;
    case MetricType::kHistogram:
      child->histogram = std::make_unique<Histogram>(family->upper_bounds);
      break;
  }
  family->children.push_back(std::move(child));
  return *family->children.back();
}

CollectorHandle Registry::AddCollector(Collector collector) {
  uint64_t id = next_collector_id_++;
  collectors_.push_back({id, std::move(collector)});
  return {this, id};
}

void Registry::RemoveCollector(uint64_t id) {
  std::erase_if(collectors_, [id](const Registered& r) { return r.id == id; });
}

std::string Registry::Render() {
  writer_.Clear();
  for (const auto& family : families_) {
    for (const auto& child : family->children) {
      Labels labels(child->label_views);
      switch (family->type) {
        case MetricType::kCounter:
          writer_.Counter(family->name, family->help, child->counter->value(), labels);
          break;
        case MetricType::kGauge:
          writer_.Gauge(family->name, family->help, child->gauge->value(), labels);
          break;
        case MetricType::kHistogram:
          writer_.Histogram(family->name, family->help, child->histogram->data(), labels);
          break;
      }
    }
  }
  for (const Registered& registered : collectors_) registered.collector(writer_);
  if (writer_.rejected() > 0 && !logged_rejection_) {
    logged_rejection_ = true;  // the same bug would repeat at every scrape
    base::LogError(kLogComponent,
                   base::StrCat("left ", writer_.rejected(),
                                " invalid sample(s) out of the scrape (logged once); first: ",
                                writer_.first_error()));
  }
  std::string text;
  writer_.AppendText(text);
  return text;
}

}  // namespace metrics
