#include "config/env_reference.h"

#include <cstdlib>

#include "platforms/base/log.h"

namespace config {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsValidName(std::string_view name) {
  if (name.empty() || !IsNameStart(name.front())) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

}  // namespace

bool HasEnvReference(std::string_view text) { return text.find("${") != std::string_view::npos; }

base::Result<std::string> ExpandEnvReferences(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    std::string_view rest = text.substr(dollar);
    if (rest.starts_with("$${")) {
      out += "${";
      i = dollar + 3;
      continue;
    }
    if (!rest.starts_with("${")) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    std::size_t close = rest.find('}');
    if (close == std::string_view::npos) {
      return base::InvalidArgument(
          "unterminated \"${\"; write ${NAME} or ${NAME:-default} (or $${ for a literal \"${\")");
    }
    std::string_view body = rest.substr(2, close - 2);
    std::string_view name = body;
    std::string_view fallback;
    bool has_fallback = false;
    if (std::size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
      has_fallback = true;
    }
    if (!IsValidName(name)) {
      return base::InvalidArgument(
          "invalid variable name in \"${...}\"; names are letters, digits and _, not starting "
          "with a digit");
    }
    // getenv needs a terminated name; names are short, so this copy is cheap.
    const char* value = std::getenv(std::string(name).c_str());
    if (value != nullptr && (*value != '\0' || !has_fallback)) {
      out += value;
    } else if (has_fallback) {
      out.append(fallback);
    } else {
      return base::InvalidArgument(base::StrCat("environment variable ", name,
                                                " is not set; set it, or give a default: ${", name,
                                                ":-default}"));
    }
    i = dollar + close + 1;
  }
  return out;
}

}  // namespace config
