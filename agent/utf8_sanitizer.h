// Utf8Sanitizer: makes line text valid UTF-8 before it becomes an event (events carry
// valid UTF-8 only; DESIGN promise 5: bad input is counted, never a crash).
//
// Valid text, the common case, is checked with simdjson's validator (several GB/s) and
// copied as is. Only invalid text takes the slow path, which replaces each maximal
// subpart of an ill-formed sequence with U+FFFD, as the Unicode Standard (ch. 3,
// "U+FFFD Substitution of Maximal Subparts") and the WHATWG Encoding Standard's decoder
// do, so skiff shows the same replacement characters as browsers and other tools.
// NUL bytes are valid UTF-8 and are kept (the JSON writer escapes them).
#pragma once

#include <string>
#include <string_view>

namespace agent {

class Utf8Sanitizer {
 public:
  struct Output {
    // The sanitized text: `input` itself when it was valid, otherwise a view of the
    // sanitizer's buffer, valid until the next Sanitize() call or the sanitizer's end.
    std::string_view text;
    // Something was replaced (the event gets buffer::kFlagInvalidUtf8).
    bool replaced = false;
  };

  static bool IsValid(std::string_view text);

  // Sets `out` to `text`, sanitized; `out` keeps its capacity, so a reused string costs
  // no allocation. Returns true when something was replaced.
  static bool Assign(std::string_view text, std::string& out);

  // Same, into the sanitizer's own reused buffer, and only when `text` is invalid.
  Output Sanitize(std::string_view text);

 private:
  std::string buffer_;
};

}  // namespace agent
