#include "agent/inputs/recursive_glob.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>

namespace agent {
namespace {

std::vector<std::string_view> SplitComponents(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool MatchComponents(const std::vector<std::string_view>& pattern, std::size_t p,
                     const std::vector<std::string_view>& path, std::size_t q) {
  if (p == pattern.size()) return q == path.size();
  if (pattern[p] == "**") {
    // Zero or more whole components.
    for (std::size_t skip = q; skip <= path.size(); ++skip) {
      if (MatchComponents(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  if (q == path.size()) return false;
  const std::string component_pattern(pattern[p]);
  const std::string component(path[q]);
  return ::fnmatch(component_pattern.c_str(), component.c_str(), FNM_PERIOD) == 0 &&
         MatchComponents(pattern, p + 1, path, q + 1);
}

bool HasGlob(std::string_view text) { return text.find_first_of("*?[") != std::string_view::npos; }

void Walk(const std::string& directory, int depth, const std::string& pattern,
          RecursiveGlobResult& result) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) {
    ++result.unreadable_directories;
    return;
  }
  std::vector<std::string> subdirectories;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path =
        directory == "/" ? "/" + std::string(name) : directory + "/" + std::string(name);
    struct stat link_info {};
    if (::lstat(path.c_str(), &link_info) != 0) continue;  // vanished meanwhile
    if (S_ISDIR(link_info.st_mode)) {
      if (depth < kMaxRecursiveGlobDepth) subdirectories.push_back(std::move(path));
      continue;
    }
    if (!MatchesRecursivePattern(pattern, path)) continue;
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) result.paths.push_back(path);
  }
  ::closedir(dir);
  for (const std::string& subdirectory : subdirectories) {
    Walk(subdirectory, depth + 1, pattern, result);
  }
}

}  // namespace

bool MatchesRecursivePattern(std::string_view pattern, std::string_view path) {
  return MatchComponents(SplitComponents(pattern), 0, SplitComponents(path), 0);
}

RecursiveGlobResult ExpandRecursivePattern(const std::string& pattern) {
  // The walk starts at the leading components without glob characters.
  std::vector<std::string_view> parts = SplitComponents(pattern);
  std::string root = pattern.starts_with('/') ? "" : ".";
  for (std::string_view part : parts) {
    if (part == "**" || HasGlob(part)) break;
    root += "/";
    root += part;
  }
  if (root.empty()) root = "/";
  RecursiveGlobResult result;
  Walk(root, 0, pattern, result);
  std::sort(result.paths.begin(), result.paths.end());
  return result;
}

}  // namespace agent
