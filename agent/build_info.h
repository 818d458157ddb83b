// BuildInfo: what `skiff version` reports. skiff's version and commit, how the binary was
// built (build type, compiler, options), which optional parts are compiled in, and the
// versions of the libraries it runs with. Library versions are asked of the library at run
// time where it can tell (libuv, zstd, zlib, mbed TLS), so a shared library upgraded under
// the binary shows its own version; header-only and static parts report the version
// compiled in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agent {

struct BuildInfo {
  // One optional part: its name, whether this binary has it, and a word on how.
  struct Feature {
    std::string_view name;
    bool enabled = false;
    std::string detail;
  };
  struct Library {
    std::string_view name;
    std::string version;
  };

  std::string_view version;
  std::string_view commit;
  std::string_view build_type;
  std::string_view compiler;
  std::string_view options;  // "werror=ON sanitize=OFF minimal=OFF ..."
  std::vector<Feature> features;
  std::vector<Library> libraries;
};

// The facts about this binary; cheap, but not meant for a hot path.
BuildInfo CurrentBuildInfo();

// "skiff 0.1.0 (commit ..., Release build, ...)" then one line per feature and library.
std::string FormatBuildInfoText(const BuildInfo& info);
// One JSON object: {"version":...,"commit":...,"features":{"tls":{...}},"libraries":{...}}.
std::string FormatBuildInfoJson(const BuildInfo& info);

}  // namespace agent
