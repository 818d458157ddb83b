// ConfigError: one problem found in a config file, with where it is and how to fix it;
// ErrorList: the errors of one load, collected so that all of them are reported at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace config {

// A place in the file; 1-based. {0, 0} means the problem has no place (an unreadable file).
struct Position {
  int line = 0;
  int column = 0;
};

struct ConfigError {
  std::string file;  // the path or source name given to the loader
  int line = 0;      // 0: no position
  int column = 0;
  std::string key;      // "inputs.file[0].start_at"; empty for syntax and file errors
  std::string message;  // what is wrong and what would be right; never a secret value

  // "file:line:col: key: message"; the key part is left out when there is no key, and the
  // position when there is none (then the message itself names the file).
  std::string ToString() const;
};

// Collects the errors of one load. The caller orders them with SortByPosition() before
// reporting, so the output follows the file whatever order the checks ran in.
class ErrorList {
 public:
  explicit ErrorList(std::string_view file) : file_(file) {}

  void Add(Position at, std::string_view key, std::string_view message);
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }

  // A secret file that group or others may read: an error unless the config allows it,
  // which is known only once [auth] is read, so it waits for ResolvePermissionProblems.
  void AddPermissionProblem(Position at, std::string_view key, std::string_view message);
  // Turns the permission problems into errors, or, when `allowed`, into one warning each.
  void ResolvePermissionProblems(bool allowed);

  // Stable: errors at the same place keep the order in which they were found.
  void SortByPosition();
  std::vector<ConfigError> Take() && { return std::move(errors_); }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> permission_problems_;
};

}  // namespace config
