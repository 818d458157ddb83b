// CompileRegex: the one place processors turn a configured pattern into an RE2.
//
// Patterns were checked by config/processors_config.cc when the file was loaded; compiling
// again here can only fail for a config built by hand (tests), which gets a Status.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string_view>

#include "platforms/base/result.h"

namespace agent {

enum class RegexEncoding {
  kUtf8,
  // Bytes: for built-in patterns whose delimiters are all ASCII, where a capture spans the
  // same bytes either way and the smaller byte classes make matching several times faster.
  kLatin1,
};

// Compiles `pattern` with RE2's default limits, without logging errors to stderr. `what`
// names the pattern in the error ("processors[1].patterns[0]").
base::Result<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view pattern,
                                                     std::string_view what,
                                                     RegexEncoding encoding = RegexEncoding::kUtf8);

// True when `re` matches anywhere in `text`.
inline bool Contains(const re2::RE2& re, std::string_view text) {
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED,
                  nullptr, 0);
}

}  // namespace agent
