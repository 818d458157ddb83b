#include "agent/processors/time_format.h"

#include <array>

#include "agent/processors/timestamp_parser.h"

namespace agent {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
// How far after the reference a year-less time may lie (clock skew) before it is taken to
// be from the year before; the same slack as ParseTimestamp's RFC 3164 rule.
constexpr int64_t kFutureSlackNanos = 2 * kSecondsPerDay * kNanosPerSecond;
// %s: 11 digits reach the year 5138; more is not a time.
constexpr int kMaxEpochDigits = 11;

constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The parts a format fills; -1 where it said nothing.
struct Parts {
  int64_t year = -1;
  int64_t month = -1;
  int64_t day = -1;
  int64_t year_day = -1;
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t nanos = 0;
  int64_t offset_seconds = 0;
  std::optional<int64_t> epoch_seconds;
};

class Matcher {
 public:
  explicit Matcher(std::string_view text) : text_(text) {}

  bool Done() const { return pos_ == text_.size(); }
  bool Take(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  // Between `min` and `max` digits (greedy).
  bool Number(int min, int max, int64_t* out) {
    int64_t v = 0;
    int n = 0;
    while (n < max && pos_ < text_.size() && IsDigit(text_[pos_])) {
      v = v * 10 + (text_[pos_++] - '0');
      ++n;
    }
    *out = v;
    return n >= min;
  }
  // %e: a day padded with a space (" 2") or not ("2", "12").
  bool SpacePaddedDay(int64_t* out) {
    Take(' ');
    return Number(1, 2, out);
  }
  bool Fraction(int64_t* nanos) {
    int64_t v = 0;
    int n = 0;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) {
      if (n < 9) {
        v = v * 10 + (text_[pos_] - '0');
        ++n;
      }
      ++pos_;
    }
    if (n == 0) return false;
    for (int i = n; i < 9; ++i) v *= 10;
    *nanos = v;
    return true;
  }
  // The index of the name among `names` written in full or as its first three letters,
  // case-insensitively.
  template <std::size_t N>
  bool Name(const std::array<std::string_view, N>& names, bool full, int64_t* index) {
    for (std::size_t i = 0; i < N; ++i) {
      std::string_view name = full ? names[i] : names[i].substr(0, 3);
      if (pos_ + name.size() > text_.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < name.size() && same; ++k) {
        same = Lower(text_[pos_ + k]) == name[k];
      }
      if (same) {
        pos_ += name.size();
        *index = static_cast<int64_t>(i);
        return true;
      }
    }
    return false;
  }
  bool Zone(int64_t* offset_seconds) {
    if (Take('Z') || Take('z')) {
      *offset_seconds = 0;
      return true;
    }
    int64_t sign = 0;
    if (Take('+')) {
      sign = 1;
    } else if (Take('-')) {
      sign = -1;
    } else {
      return false;
    }
    int64_t hh = 0;
    int64_t mm = 0;
    if (!Number(2, 2, &hh)) return false;
    if (Take(':')) {
      if (!Number(2, 2, &mm)) return false;
    } else if (pos_ + 1 < text_.size() && IsDigit(text_[pos_]) && IsDigit(text_[pos_ + 1])) {
      Number(2, 2, &mm);
    }
    if (hh > 23 || mm > 59) return false;
    *offset_seconds = sign * (hh * 3600 + mm * 60);
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool Directive(char d, Matcher& m, Parts& p) {
  int64_t ignored = 0;
  switch (d) {
    case 'Y':
      return m.Number(4, 4, &p.year);
    case 'y':
      if (!m.Number(2, 2, &p.year)) return false;
      p.year += p.year >= 69 ? 1900 : 2000;  // POSIX strptime's pivot
      return true;
    case 'm':
      return m.Number(1, 2, &p.month);
    case 'd':
      return m.Number(1, 2, &p.day);
    case 'e':
      return m.SpacePaddedDay(&p.day);
    case 'j':
      return m.Number(1, 3, &p.year_day);
    case 'b':
    case 'h':
    case 'B':
      // A full name is tried first so "March" does not leave "ch" behind.
      if (m.Name(kMonths, /*full=*/true, &p.month) || m.Name(kMonths, /*full=*/false, &p.month)) {
        ++p.month;
        return true;
      }
      return false;
    case 'a':
    case 'A':
      return m.Name(kWeekdays, /*full=*/true, &ignored) ||
             m.Name(kWeekdays, /*full=*/false, &ignored);
    case 'H':
      return m.Number(1, 2, &p.hour);
    case 'M':
      return m.Number(1, 2, &p.minute);
    case 'S':
      return m.Number(1, 2, &p.second);
    case 'f':
      return m.Fraction(&p.nanos);
    case 'z':
      return m.Zone(&p.offset_seconds);
    case 's': {
      int64_t seconds = 0;
      if (!m.Number(1, kMaxEpochDigits, &seconds)) return false;
      p.epoch_seconds = seconds;
      return true;
    }
    case 'T':
      return m.Number(1, 2, &p.hour) && m.Take(':') && m.Number(1, 2, &p.minute) && m.Take(':') &&
             m.Number(1, 2, &p.second);
    case 'F':
      return m.Number(4, 4, &p.year) && m.Take('-') && m.Number(1, 2, &p.month) && m.Take('-') &&
             m.Number(1, 2, &p.day);
    case '%':
      return m.Take('%');
    default:
      return false;
  }
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t DaysInMonth(int64_t year, int64_t month) {
  constexpr std::array<int64_t, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// The time of `p` in `year`, or nullopt when the date does not exist in it.
std::optional<int64_t> ToNanos(const Parts& p, int64_t year) {
  int64_t days = 0;
  if (p.year_day >= 0 && p.month < 0) {
    if (p.year_day < 1 || p.year_day > (IsLeap(year) ? 366 : 365)) return std::nullopt;
    days = DaysFromCivil(year, 1, 1) + p.year_day - 1;
  } else {
    int64_t month = p.month < 0 ? 1 : p.month;
    int64_t day = p.day < 0 ? 1 : p.day;
    if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
    days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  }
  int64_t seconds =
      days * kSecondsPerDay + p.hour * 3600 + p.minute * 60 + p.second - p.offset_seconds;
  return UnixNanos(seconds, p.nanos);
}

}  // namespace

std::string_view TimeFormatProblem(std::string_view format) {
  if (format.empty()) return "is empty; write a format like \"%d/%b/%Y:%H:%M:%S %z\"";
  constexpr std::string_view kDirectives = "YymdejbhBaAHMSfzsTF%";
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 == format.size()) return "ends with a lone %; write %% for a percent sign";
    if (kDirectives.find(format[i + 1]) == std::string_view::npos) {
      return "has an unknown directive; use %Y %y %m %d %e %j %b %B %a %H %M %S %f %z %s %T "
             "%F or %%";
    }
    ++i;
  }
  return {};
}

std::optional<int64_t> ParseTimeWithFormat(std::string_view text, std::string_view format,
                                           int64_t reference_unix_nanos) {
  Matcher m(text);
  Parts p;
  for (std::size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == ' ') {
      m.SkipSpaces();
    } else if (c == '%' && i + 1 < format.size()) {
      if (!Directive(format[++i], m, p)) return std::nullopt;
    } else if (!m.Take(c)) {
      return std::nullopt;
    }
  }
  if (!m.Done()) return std::nullopt;
  if (p.epoch_seconds) return UnixNanos(*p.epoch_seconds - p.offset_seconds, p.nanos);
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return std::nullopt;
  if (p.year >= 0) return ToNanos(p, p.year);
  // No year: the latest of next, this and last year that is not in the future (beyond
  // the slack), so "Dec 31" read on 1 January is last year.
  const int64_t ref_days = reference_unix_nanos / kNanosPerSecond / kSecondsPerDay;
  int64_t year = 1970 + ref_days / 366;
  while (DaysFromCivil(year + 1, 1, 1) <= ref_days) ++year;
  for (int64_t y = year + 1; y >= year - 1; --y) {
    std::optional<int64_t> t = ToNanos(p, y);
    if (t && *t <= reference_unix_nanos + kFutureSlackNanos) return t;
  }
  return std::nullopt;
}

}  // namespace agent
