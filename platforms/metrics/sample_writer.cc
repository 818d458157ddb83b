#include "platforms/metrics/sample_writer.h"

#include <cmath>

#include "platforms/base/log.h"
#include "platforms/metrics/metric_name.h"

namespace metrics {
namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

base::Status CheckLabels(Labels labels, bool histogram) {
  for (const Label& label : labels) {
    if (base::Status s = CheckLabelName(label.name); !s.ok()) return s;
    if (histogram && label.name == "le") {
      return base::InvalidArgument("label name \"le\" is reserved for histogram buckets");
    }
  }
  return base::Status::Ok();
}

base::Status CheckHistogram(const HistogramData& data) {
  if (data.bucket_counts.size() != data.upper_bounds.size() + 1) {
    return base::InvalidArgument("histogram needs one more bucket count than upper bounds");
  }
  for (std::size_t i = 0; i < data.upper_bounds.size(); ++i) {
    if (!std::isfinite(data.upper_bounds[i]) ||
        (i > 0 && !(data.upper_bounds[i - 1] < data.upper_bounds[i]))) {
      return base::InvalidArgument("histogram bounds must be finite and strictly increasing");
    }
  }
  return base::Status::Ok();
}

}  // namespace

void SampleWriter::Counter(std::string_view name, std::string_view help, SampleValue value,
                           Labels labels) {
  Family* family = FamilyFor(name, help, MetricType::kCounter, labels);
  if (family != nullptr) AppendSample(family->samples, name, "", labels, nullptr, value);
}

void SampleWriter::Gauge(std::string_view name, std::string_view help, SampleValue value,
                         Labels labels) {
  Family* family = FamilyFor(name, help, MetricType::kGauge, labels);
  if (family != nullptr) AppendSample(family->samples, name, "", labels, nullptr, value);
}

void SampleWriter::Histogram(std::string_view name, std::string_view help,
                             const HistogramData& data, Labels labels) {
  if (base::Status s = CheckHistogram(data); !s.ok()) {
    Reject(base::StrCat(name, ": ", s.message()));
    return;
  }
  Family* family = FamilyFor(name, help, MetricType::kHistogram, labels);
  if (family == nullptr) return;
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < data.bucket_counts.size(); ++i) {
    cumulative += data.bucket_counts[i];
    le_.clear();
    if (i < data.upper_bounds.size()) {
      AppendDouble(le_, data.upper_bounds[i]);
    } else {
      le_ = "+Inf";
    }
    AppendSample(family->samples, name, "_bucket", labels, &le_, cumulative);
  }
  AppendSample(family->samples, name, "_sum", labels, nullptr, data.sum);
  AppendSample(family->samples, name, "_count", labels, nullptr, cumulative);
}

SampleWriter::Family* SampleWriter::FamilyFor(std::string_view name, std::string_view help,
                                              MetricType type, Labels labels) {
  if (base::Status s = CheckLabels(labels, type == MetricType::kHistogram); !s.ok()) {
    Reject(base::StrCat(name, ": ", s.message()));
    return nullptr;
  }
  Family* found = nullptr;
  if (last_ < used_ && families_[last_].name == name) {
    found = &families_[last_];
  } else {
    for (std::size_t i = 0; i < used_; ++i) {
      if (families_[i].name == name) {
        found = &families_[i];
        last_ = i;
        break;
      }
    }
  }
  if (found != nullptr) {
    if (found->type != type) {
      Reject(base::StrCat(name, ": written as a ", TypeName(type), " but declared a ",
                          TypeName(found->type)));
      return nullptr;
    }
    return found;
  }
  if (base::Status s = CheckMetricName(name); !s.ok()) {
    Reject(s.message());
    return nullptr;
  }
  if (used_ == families_.size()) families_.emplace_back();
  Family& family = families_[used_];
  last_ = used_++;
  family.name.assign(name);
  family.help.assign(help);
  family.type = type;
  family.samples.clear();
  return &family;
}

void SampleWriter::Reject(std::string_view why) {
  if (rejected_++ == 0) first_error_.assign(why);
}

void SampleWriter::AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                                Labels labels, const std::string* le, const SampleValue& value) {
  out += name;
  out += suffix;
  if (!labels.empty() || le != nullptr) {
    out += '{';
    bool first = true;
    for (const Label& label : labels) {
      if (!first) out += ',';
      first = false;
      out += label.name;
      out += "=\"";
      AppendEscapedLabelValue(out, label.value);
      out += '"';
    }
    if (le != nullptr) {
      if (!first) out += ',';
      out += "le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  value.AppendTo(out);
  out += '\n';
}

void SampleWriter::AppendText(std::string& out) const {
  for (std::size_t i = 0; i < used_; ++i) {
    const Family& family = families_[i];
    out += "# HELP ";
    out += family.name;
    out += ' ';
    AppendEscapedHelp(out, family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += TypeName(family.type);
    out += '\n';
    out += family.samples;
  }
}

void SampleWriter::Clear() {
  used_ = 0;
  last_ = 0;
  rejected_ = 0;
  first_error_.clear();
}

}  // namespace metrics
