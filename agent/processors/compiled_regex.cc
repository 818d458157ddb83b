#include "agent/processors/compiled_regex.h"

#include "platforms/base/log.h"

namespace agent {

base::Result<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view pattern,
                                                     std::string_view what,
                                                     RegexEncoding encoding) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  if (encoding == RegexEncoding::kLatin1) options.set_encoding(re2::RE2::Options::EncodingLatin1);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return base::InvalidArgument(base::StrCat(what, ": invalid regex: ", re->error()));
  }
  return re;
}

}  // namespace agent
