// RecursiveGlob: expands a path pattern with `**` (any number of directory levels, as in
// Filebeat, Vector and shells with globstar), which glob(3) does not know. Each other
// path component is matched with fnmatch(3), so `*`, `?` and `[...]` keep their glob(3)
// meaning within one component.
//
// The walk starts at the pattern's fixed leading directory, does not follow symlinked
// directories (no loops; a symlinked *file* still matches), and stops at kMaxDepth levels
// below it, so a pattern like "/**/*.log" cannot wander the whole machine for ever.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agent {

// Whether `path` matches `pattern` ("/var/log/**/*.log" matches "/var/log/a.log" and
// "/var/log/x/y/a.log").
bool MatchesRecursivePattern(std::string_view pattern, std::string_view path);

struct RecursiveGlobResult {
  std::vector<std::string> paths;  // regular files and symlinks to them, sorted
  int unreadable_directories = 0;  // opendir(3) failed (permissions, vanished)
};

// Expands `pattern`, which must contain "**" as a whole path component.
RecursiveGlobResult ExpandRecursivePattern(const std::string& pattern);

constexpr int kMaxRecursiveGlobDepth = 16;

}  // namespace agent
