#include "agent/utf8_sanitizer.h"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>

namespace agent {
namespace {

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the well-formed sequence starting at text[at] (a lead byte >= 0x80), or 0
// when it is ill-formed, with *subpart_bytes the length of its maximal subpart. Table 3-7
// of the Unicode Standard: the second byte's range depends on the lead byte (no
// overlongs, no surrogates, nothing above U+10FFFF), later bytes are 80..BF.
std::size_t WellFormedLength(std::string_view text, std::size_t at, std::size_t* subpart_bytes) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t continuation = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    if (lead == 0xE0) lower = 0xA0;  // below: overlong
    if (lead == 0xED) upper = 0x9F;  // above: UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    if (lead == 0xF0) lower = 0x90;  // below: overlong
    if (lead == 0xF4) upper = 0x8F;  // above: past U+10FFFF
  }
  std::size_t end = at + 1;
  for (std::size_t k = 0; k < continuation; ++k) {
    const auto byte = end < text.size() ? static_cast<unsigned char>(text[end]) : 0;
    if (end >= text.size() || byte < lower || byte > upper) {
      *subpart_bytes = end - at;
      return 0;
    }
    lower = 0x80;
    upper = 0xBF;
    ++end;
  }
  *subpart_bytes = end - at;
  return continuation == 0 ? 0 : end - at;
}

// Appends `text` (known invalid) with each maximal subpart of an ill-formed sequence (or
// lone bad byte) replaced by one U+FFFD; valid runs are copied in one piece.
void AppendReplacingInvalid(std::string_view text, std::string& out) {
  std::size_t i = 0;
  std::size_t run_start = 0;  // start of valid bytes not yet copied
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t subpart_bytes = 0;
    std::size_t length = WellFormedLength(text, i, &subpart_bytes);
    if (length > 0) {
      i += length;
      continue;
    }
    out.append(text.substr(run_start, i - run_start));
    out.append(kReplacement);
    i += subpart_bytes;
    run_start = i;
  }
  out.append(text.substr(run_start));
}

}  // namespace

bool Utf8Sanitizer::IsValid(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

bool Utf8Sanitizer::Assign(std::string_view text, std::string& out) {
  if (IsValid(text)) {
    out.assign(text);
    return false;
  }
  out.clear();
  AppendReplacingInvalid(text, out);
  return true;
}

Utf8Sanitizer::Output Utf8Sanitizer::Sanitize(std::string_view text) {
  if (IsValid(text)) return Output{text, false};
  buffer_.clear();
  AppendReplacingInvalid(text, buffer_);
  return Output{buffer_, true};
}

}  // namespace agent
