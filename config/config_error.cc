#include "config/config_error.h"

#include <algorithm>
#include <utility>

#include "platforms/base/log.h"

namespace config {

std::string ConfigError::ToString() const {
  std::string out;
  if (line > 0) {
    out = base::StrCat(file, ":", line, ":", column, ": ");
  }
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return out;
}

void ErrorList::Add(Position at, std::string_view key, std::string_view message) {
  errors_.push_back(ConfigError{file_, at.line, at.column, std::string(key), std::string(message)});
}

void ErrorList::AddPermissionProblem(Position at, std::string_view key, std::string_view message) {
  permission_problems_.push_back(
      ConfigError{file_, at.line, at.column, std::string(key), std::string(message)});
}

void ErrorList::ResolvePermissionProblems(bool allowed) {
  for (ConfigError& problem : permission_problems_) {
    if (allowed) {
      base::LogWarn("config", base::StrCat(problem.ToString(),
                                           "; accepted because allow_insecure_permissions = true"));
    } else {
      errors_.push_back(std::move(problem));
    }
  }
  permission_problems_.clear();
}

void ErrorList::SortByPosition() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
}

}  // namespace config
