// Appending JSON scalars to a reused std::string: the pieces esim renders responses from,
// by hand, because responses are hot (one item object per bulk operation).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/json_writer.h"

namespace esim {

inline void AppendJsonInt(std::string& out, int64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// `text` must be valid UTF-8 (everything esim echoes was validated on the way in).
inline void AppendJsonText(std::string& out, std::string_view text) {
  base::AppendJsonString(out, text);
}

// Appends `"name":` (name needs no escaping).
inline void AppendJsonKey(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
}

}  // namespace esim
