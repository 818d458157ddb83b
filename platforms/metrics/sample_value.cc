#include "platforms/metrics/sample_value.h"

#include <array>
#include <charconv>
#include <cmath>

namespace metrics {
namespace {

// Long enough for any double in shortest form ("-2.2250738585072014e-308") and any int64.
constexpr std::size_t kNumberChars = 32;

template <class T>
void AppendNumber(std::string& out, T value) {
  std::array<char, kNumberChars> chars{};
  auto [end, ec] = std::to_chars(chars.data(), chars.data() + chars.size(), value);
  if (ec == std::errc()) out.append(chars.data(), end);
}

}  // namespace

void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    AppendNumber(out, value);
  }
}

void SampleValue::AppendTo(std::string& out) const {
  switch (kind_) {
    case Kind::kSigned:
      AppendNumber(out, signed_);
      return;
    case Kind::kUnsigned:
      AppendNumber(out, unsigned_);
      return;
    case Kind::kDouble:
      AppendDouble(out, double_);
      return;
  }
}

}  // namespace metrics
