#include "platforms/base/json_writer.h"

#include <array>
#include <cstring>
#include <ctime>

namespace base {
namespace {

// 0: copy as is; 1: needs an escape.
constexpr std::array<uint8_t, 256> MakeEscapeTable() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = 1;
  table['"'] = 1;
  table['\\'] = 1;
  return table;
}
constexpr std::array<uint8_t, 256> kNeedsEscape = MakeEscapeTable();

void AppendEscape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(buf, sizeof(buf));
    }
  }
}

// The cached "YYYY-MM-DDTHH:MM:SS" of the last second formatted on this thread.
struct SecondCache {
  int64_t second = INT64_MIN;
  char text[20] = {};
};

void AppendTimestampBody(std::string& out, int64_t unix_nanos) {
  thread_local SecondCache cache;
  int64_t second = unix_nanos / 1'000'000'000;
  int64_t nanos = unix_nanos % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --second;
  }
  if (second != cache.second) {
    std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cache.text, sizeof(cache.text), "%Y-%m-%dT%H:%M:%S", &tm);
    cache.second = second;
  }
  out.append(cache.text, 19);
  int millis = static_cast<int>(nanos / 1'000'000);
  char frac[6] = {'.',
                  static_cast<char>('0' + millis / 100),
                  static_cast<char>('0' + (millis / 10) % 10),
                  static_cast<char>('0' + millis % 10),
                  'Z',
                  0};
  out.append(frac, 5);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  const auto* run = p;
  while (p < end) {
    if (kNeedsEscape[*p]) {
      out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
      AppendEscape(out, *p);
      run = ++p;
    } else {
      ++p;
    }
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
  out += '"';
}

void AppendJsonTimestamp(std::string& out, int64_t unix_nanos) {
  out += '"';
  AppendTimestampBody(out, unix_nanos);
  out += '"';
}

void AppendRfc3339Millis(std::string& out, int64_t unix_nanos) {
  AppendTimestampBody(out, unix_nanos);
}

}  // namespace base
