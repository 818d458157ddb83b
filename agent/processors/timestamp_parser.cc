#include "agent/processors/timestamp_parser.h"

#include <array>

namespace agent {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
// How far after the read time a year-less time may lie (clock skew between the writer and
// this host) before it is taken to be from the year before.
constexpr int64_t kFutureSlackNanos = 2 * kSecondsPerDay * kNanosPerSecond;
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A small cursor over the text; every read checks the bounds.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool Done() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Take(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` digits.
  bool Digits(int n, int64_t* out) {
    int64_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return false;
      v = v * 10 + (text_[pos_++] - '0');
    }
    *out = v;
    return true;
  }
  // A fraction after '.' or ',': up to 9 digits count, more are read and ignored.
  bool Fraction(int64_t* nanos) {
    if (!Take('.') && !Take(',')) return true;
    int64_t v = 0;
    int n = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (n < 9) {
        v = v * 10 + (text_[pos_] - '0');
        ++n;
      }
      ++pos_;
    }
    if (n == 0) return false;
    for (; n < 9; ++n) v *= 10;
    *nanos = v;
    return true;
  }
  bool Month(unsigned* month) {
    if (pos_ + 3 > text_.size()) return false;
    std::string_view name = text_.substr(pos_, 3);
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
      if (name == kMonths[i]) {
        *month = static_cast<unsigned>(i + 1);
        pos_ += 3;
        return true;
      }
    }
    return false;
  }
  // "Z", "+hh:mm", "+hhmm" or "+hh"; seconds east of UTC.
  bool Zone(int64_t* offset_seconds) {
    if (Take('Z') || Take('z')) {
      *offset_seconds = 0;
      return true;
    }
    int sign = 0;
    if (Take('+')) {
      sign = 1;
    } else if (Take('-')) {
      sign = -1;
    } else {
      return false;
    }
    int64_t hh = 0;
    int64_t mm = 0;
    if (!Digits(2, &hh)) return false;
    if (Take(':')) {
      if (!Digits(2, &mm)) return false;
    } else if (!Done()) {
      if (!Digits(2, &mm)) return false;
    }
    if (hh > 23 || mm > 59) return false;
    *offset_seconds = sign * (hh * 3600 + mm * 60);
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool ValidDate(int64_t month, int64_t day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
bool ValidTime(int64_t h, int64_t m, int64_t s) { return h <= 23 && m <= 59 && s <= 60; }

std::optional<int64_t> ToNanos(int64_t year, unsigned month, unsigned day, int64_t h, int64_t m,
                               int64_t s, int64_t nanos, int64_t offset_seconds) {
  int64_t seconds =
      DaysFromCivil(year, month, day) * kSecondsPerDay + h * 3600 + m * 60 + s - offset_seconds;
  return UnixNanos(seconds, nanos);
}

// 2026-11-22T11:55:22.123Z; 'T' or ' '; the zone may be missing (UTC).
std::optional<int64_t> ParseRfc3339(std::string_view text) {
  Scanner s(text);
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, nanos = 0, offset = 0;
  if (!s.Digits(4, &y) || !s.Take('-') || !s.Digits(2, &mo) || !s.Take('-') || !s.Digits(2, &d)) {
    return std::nullopt;
  }
  if (!s.Take('T') && !s.Take('t') && !s.Take(' ')) return std::nullopt;
  if (!s.Digits(2, &h) || !s.Take(':') || !s.Digits(2, &mi) || !s.Take(':') || !s.Digits(2, &se) ||
      !s.Fraction(&nanos)) {
    return std::nullopt;
  }
  if (!s.Done() && !s.Zone(&offset)) return std::nullopt;
  if (!s.Done() || !ValidDate(mo, d) || !ValidTime(h, mi, se)) return std::nullopt;
  return ToNanos(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, se, nanos, offset);
}

// 22/Nov/2026:11:55:22 +0000
std::optional<int64_t> ParseClf(std::string_view text) {
  Scanner s(text);
  int64_t y = 0, d = 0, h = 0, mi = 0, se = 0, nanos = 0, offset = 0;
  unsigned mo = 0;
  if (!s.Digits(2, &d) || !s.Take('/') || !s.Month(&mo) || !s.Take('/') || !s.Digits(4, &y) ||
      !s.Take(':') || !s.Digits(2, &h) || !s.Take(':') || !s.Digits(2, &mi) || !s.Take(':') ||
      !s.Digits(2, &se) || !s.Fraction(&nanos)) {
    return std::nullopt;
  }
  if (s.Take(' ') && !s.Zone(&offset)) return std::nullopt;
  if (!s.Done() || !ValidDate(mo, d) || !ValidTime(h, mi, se)) return std::nullopt;
  return ToNanos(y, mo, static_cast<unsigned>(d), h, mi, se, nanos, offset);
}

// Nov 22 11:55:22 or Nov  2 11:55:22 (day padded with a space)
std::optional<int64_t> ParseRfc3164(std::string_view text, int64_t reference_unix_nanos) {
  Scanner s(text);
  unsigned mo = 0;
  int64_t d = 0, h = 0, mi = 0, se = 0, nanos = 0;
  if (!s.Month(&mo) || !s.Take(' ')) return std::nullopt;
  if (s.Take(' ')) {
    if (!s.Digits(1, &d)) return std::nullopt;
  } else if (!s.Digits(2, &d)) {
    return std::nullopt;
  }
  if (!s.Take(' ') || !s.Digits(2, &h) || !s.Take(':') || !s.Digits(2, &mi) || !s.Take(':') ||
      !s.Digits(2, &se) || !s.Fraction(&nanos) || !s.Done() || !ValidDate(mo, d) ||
      !ValidTime(h, mi, se)) {
    return std::nullopt;
  }
  // The latest year that does not put the line more than kFutureSlack after the read
  // time: logs are read after they are written, so "Dec 31" read on 1 January is last
  // year, and "Feb 5" read in November is this year, not next.
  int64_t ref_days = reference_unix_nanos / kNanosPerSecond / kSecondsPerDay;
  int64_t year = 1970 + ref_days / 365;
  while (DaysFromCivil(year, 1, 1) > ref_days) --year;
  while (DaysFromCivil(year + 1, 1, 1) <= ref_days) ++year;
  for (int64_t y = year + 1; y >= year - 1; --y) {
    std::optional<int64_t> t = ToNanos(y, mo, static_cast<unsigned>(d), h, mi, se, nanos, 0);
    if (t && *t <= reference_unix_nanos + kFutureSlackNanos) return t;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseUnix(std::string_view text, int64_t unit_nanos) {
  Scanner s(text);
  int64_t whole = 0;
  std::size_t digits = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    ++digits;
  }
  // 13 digits of milliseconds or 10 of seconds reach past 2286; more is not a time.
  if (digits == 0 || digits > 13) return std::nullopt;
  if (!s.Digits(static_cast<int>(digits), &whole)) return std::nullopt;
  int64_t fraction_nanos = 0;
  if (!s.Fraction(&fraction_nanos) || !s.Done()) return std::nullopt;
  // The fraction is of the unit: 1.5 ms is 1,500,000 ns. 13 digits of seconds are past
  // what int64 nanoseconds hold.
  int64_t nanos = 0;
  if (__builtin_mul_overflow(whole, unit_nanos, &nanos) ||
      __builtin_add_overflow(nanos, fraction_nanos / (kNanosPerSecond / unit_nanos), &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> UnixNanos(int64_t seconds, int64_t nanos) {
  int64_t out = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &out) ||
      __builtin_add_overflow(out, nanos, &out)) {
    return std::nullopt;
  }
  return out;
}

std::optional<int64_t> ParseTimestamp(std::string_view text, config::TimestampFormat format,
                                      int64_t reference_unix_nanos) {
  using F = config::TimestampFormat;
  switch (format) {
    case F::kRfc3339:
      return ParseRfc3339(text);
    case F::kClf:
      return ParseClf(text);
    case F::kRfc3164:
      return ParseRfc3164(text, reference_unix_nanos);
    case F::kUnix:
      return ParseUnix(text, kNanosPerSecond);
    case F::kUnixMs:
      return ParseUnix(text, 1'000'000);
    case F::kAuto:
      break;
  }
  if (auto t = ParseRfc3339(text)) return t;
  if (auto t = ParseClf(text)) return t;
  if (auto t = ParseRfc3164(text, reference_unix_nanos)) return t;
  return ParseUnix(text, kNanosPerSecond);
}

}  // namespace agent
