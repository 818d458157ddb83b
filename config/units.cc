#include "config/units.h"

#include <array>
#include <limits>
#include <string>
#include <utility>

#include "platforms/base/log.h"

namespace config {
namespace {

// Products of a 64-bit count and a unit can exceed 64 bits before the range check.
__extension__ using Uint128 = unsigned __int128;

constexpr uint64_t kMaxUint64 = std::numeric_limits<uint64_t>::max();
// More fraction digits than this would not change a nanosecond or a byte below PiB.
constexpr int kMaxFractionDigits = 9;

constexpr std::string_view kSizeExample = "write a size like \"5MiB\", \"512KiB\" or \"10MB\"";
constexpr std::string_view kDurationExample =
    "write a duration like \"500ms\", \"1s\", \"5m\" or \"1m30s\"";

struct UnitScale {
  std::string_view name;
  uint64_t factor;  // bytes or nanoseconds per unit
};

constexpr std::array<UnitScale, 12> kSizeUnits = {{
    {"B", 1},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
    {"PiB", 1ULL << 50},
    {"KB", 1'000ULL},
    {"kB", 1'000ULL},
    {"MB", 1'000'000ULL},
    {"GB", 1'000'000'000ULL},
    {"TB", 1'000'000'000'000ULL},
    {"PB", 1'000'000'000'000'000ULL},
}};

constexpr uint64_t kNanosPerMilli = 1'000'000;
constexpr std::array<UnitScale, 7> kDurationUnits = {{
    {"us", 1'000ULL},
    {"\xC2\xB5s", 1'000ULL},  // µs
    {"ms", kNanosPerMilli},
    {"s", 1'000'000'000ULL},
    {"m", 60ULL * 1'000'000'000ULL},
    {"h", 3'600ULL * 1'000'000'000ULL},
    {"d", 86'400ULL * 1'000'000'000ULL},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

void SkipSpaces(std::string_view& text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
}

std::string_view Trim(std::string_view text) {
  SkipSpaces(text);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// A non-negative decimal number: digits, optionally '.' and more digits.
struct Decimal {
  uint64_t whole = 0;
  uint64_t fraction = 0;  // the digits after the point, as an integer
  int fraction_digits = 0;
};

enum class DecimalError { kNone, kNotANumber, kTooLarge, kTooManyDigits };

// Consumes a number from the front of `text`.
DecimalError ConsumeDecimal(std::string_view& text, Decimal* out) {
  if (text.empty() || !IsDigit(text.front())) return DecimalError::kNotANumber;
  Decimal d;
  while (!text.empty() && IsDigit(text.front())) {
    auto digit = static_cast<uint64_t>(text.front() - '0');
    if (__builtin_mul_overflow(d.whole, 10U, &d.whole) ||
        __builtin_add_overflow(d.whole, digit, &d.whole)) {
      return DecimalError::kTooLarge;
    }
    text.remove_prefix(1);
  }
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    if (text.empty() || !IsDigit(text.front())) return DecimalError::kNotANumber;
    while (!text.empty() && IsDigit(text.front())) {
      if (d.fraction_digits == kMaxFractionDigits) return DecimalError::kTooManyDigits;
      d.fraction = d.fraction * 10 + static_cast<uint64_t>(text.front() - '0');
      ++d.fraction_digits;
      text.remove_prefix(1);
    }
  }
  *out = d;
  return DecimalError::kNone;
}

// Consumes a unit name: everything up to the next digit, space, '.' or the end.
std::string_view ConsumeUnit(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && !IsDigit(text[n]) && !IsSpace(text[n]) && text[n] != '.') ++n;
  std::string_view unit = text.substr(0, n);
  text.remove_prefix(n);
  return unit;
}

template <std::size_t N>
const UnitScale* FindUnit(const std::array<UnitScale, N>& units, std::string_view name) {
  for (const UnitScale& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

uint64_t PowerOfTen(int exponent) {
  uint64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

// whole * factor + fraction * factor / 10^digits, in 128 bits; the remainder of the
// division (the part below one base unit) goes to `*sub_unit_remainder`.
Uint128 Scale(const Decimal& d, uint64_t factor, bool* has_sub_unit_remainder) {
  Uint128 whole = Uint128{d.whole} * factor;
  Uint128 scaled_fraction = Uint128{d.fraction} * factor;
  uint64_t divisor = PowerOfTen(d.fraction_digits);
  *has_sub_unit_remainder = scaled_fraction % divisor != 0;
  return whole + scaled_fraction / divisor;
}

base::Status SizeError(std::string_view reason) { return base::InvalidArgument(reason); }

std::string_view DecimalErrorText(DecimalError e) {
  switch (e) {
    case DecimalError::kTooManyDigits:
      return "at most 9 digits after the decimal point";
    case DecimalError::kTooLarge:
      return "too large";
    case DecimalError::kNotANumber:
    case DecimalError::kNone:
      break;
  }
  return "expected a number";
}

}  // namespace

base::Result<uint64_t> ParseByteSize(std::string_view text) {
  std::string_view rest = Trim(text);
  if (rest.empty()) return SizeError(base::StrCat("empty; ", kSizeExample));
  Decimal number;
  DecimalError e = ConsumeDecimal(rest, &number);
  if (e == DecimalError::kNotANumber) {
    return SizeError(base::StrCat("expected a number and a unit; ", kSizeExample));
  }
  if (e == DecimalError::kTooLarge) {
    return SizeError("too large; sizes must be below 16EiB (2^64 bytes)");
  }
  if (e != DecimalError::kNone) return SizeError(DecimalErrorText(e));
  SkipSpaces(rest);
  std::string_view unit_name = rest;
  const UnitScale* unit = unit_name.empty() ? &kSizeUnits[0] : FindUnit(kSizeUnits, unit_name);
  if (unit == nullptr) {
    return SizeError(base::StrCat(
        "unknown unit \"", unit_name,
        "\"; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB (powers "
        "of 1000)"));
  }
  if (number.fraction_digits > 0 && unit->factor == 1) {
    return SizeError("a fraction needs a unit above B, like \"1.5MiB\"");
  }
  bool partial_byte = false;
  Uint128 bytes = Scale(number, unit->factor, &partial_byte);
  if (bytes > kMaxUint64) return SizeError("too large; sizes must be below 16EiB (2^64 bytes)");
  return static_cast<uint64_t>(bytes);
}

base::Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::string_view rest = Trim(text);
  if (rest.empty()) return base::InvalidArgument(base::StrCat("empty; ", kDurationExample));
  if (rest == "0") return std::chrono::milliseconds{0};
  Uint128 total_nanos = 0;
  bool sub_milli = false;
  // The maximum keeps the result representable in milliseconds (and in nanoseconds by
  // anyone who converts it): 2^63-1 ns is about 292 years.
  constexpr Uint128 kMaxNanos = std::numeric_limits<int64_t>::max();
  while (!rest.empty()) {
    Decimal number;
    DecimalError e = ConsumeDecimal(rest, &number);
    if (e == DecimalError::kNotANumber) {
      return base::InvalidArgument(
          base::StrCat("expected a number and a unit; ", kDurationExample));
    }
    if (e == DecimalError::kTooLarge) return base::InvalidArgument("too large");
    if (e != DecimalError::kNone) return base::InvalidArgument(DecimalErrorText(e));
    SkipSpaces(rest);
    std::string_view unit_name = ConsumeUnit(rest);
    if (unit_name.empty()) {
      return base::InvalidArgument(
          base::StrCat("a number needs a unit (us, ms, s, m, h or d); ", kDurationExample));
    }
    const UnitScale* unit = FindUnit(kDurationUnits, unit_name);
    if (unit == nullptr) {
      return base::InvalidArgument(
          base::StrCat("unknown unit \"", unit_name, "\"; use us, ms, s, m, h or d"));
    }
    bool partial_nano = false;
    total_nanos += Scale(number, unit->factor, &partial_nano);
    sub_milli = sub_milli || partial_nano;
    if (total_nanos > kMaxNanos) return base::InvalidArgument("too large; at most 292 years");
    SkipSpaces(rest);
  }
  if (sub_milli || total_nanos % kNanosPerMilli != 0) {
    return base::InvalidArgument(
        "not a whole number of milliseconds; durations have a resolution of 1ms");
  }
  return std::chrono::milliseconds{static_cast<int64_t>(total_nanos / kNanosPerMilli)};
}

std::string FormatByteSize(uint64_t bytes) {
  // IEC first (the units of our defaults), then SI, largest first.
  constexpr std::array<std::size_t, 10> kOrder = {5, 4, 3, 2, 1, 11, 10, 9, 8, 6};
  for (std::size_t i : kOrder) {
    const UnitScale& unit = kSizeUnits[i];
    if (bytes != 0 && bytes % unit.factor == 0) return base::StrCat(bytes / unit.factor, unit.name);
  }
  return base::StrCat(bytes, "B");
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0ms";
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  constexpr std::array<std::pair<std::string_view, int64_t>, 5> kParts = {{
      {"d", 86'400'000},
      {"h", 3'600'000},
      {"m", 60'000},
      {"s", 1'000},
      {"ms", 1},
  }};
  for (const auto& [name, millis] : kParts) {
    if (ms >= millis) {
      out += base::StrCat(ms / millis, name);
      ms %= millis;
    }
  }
  return out;
}

}  // namespace config
