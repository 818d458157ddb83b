// SampleValue: the number of one sample, kept exact whatever its C++ type.
//
// Stats structs hold uint64_t counters and int gauges; converting those to double would
// lose precision above 2^53 (and trip -Wconversion at every call site), so integers are
// kept as integers and rendered in full. Doubles are rendered in their shortest round-trip
// form, with Prometheus's spellings for the special values: "+Inf", "-Inf", "NaN".
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

namespace metrics {

// Any integer type but bool (a bool gauge is written as 0 or 1 explicitly).
template <class T>
concept SampleInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

class SampleValue {
 public:
  template <SampleInteger T>
  // NOLINTNEXTLINE(google-explicit-constructor): stats fields convert at the call site
  SampleValue(T v) {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kSigned;
      signed_ = static_cast<int64_t>(v);
    } else {
      kind_ = Kind::kUnsigned;
      unsigned_ = static_cast<uint64_t>(v);
    }
  }
  // NOLINTNEXTLINE(google-explicit-constructor)
  SampleValue(double v) : kind_(Kind::kDouble), double_(v) {}

  // Appends the text form ("42", "0.25", "+Inf") to `out`.
  void AppendTo(std::string& out) const;

 private:
  enum class Kind { kSigned, kUnsigned, kDouble };
  Kind kind_;
  union {
    int64_t signed_;
    uint64_t unsigned_;
    double double_;
  };
};

// Appends `value` as Prometheus writes a float: shortest round-trip, "+Inf", "-Inf", "NaN".
void AppendDouble(std::string& out, double value);

}  // namespace metrics
