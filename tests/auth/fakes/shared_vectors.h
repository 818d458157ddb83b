// Where the shared test vectors live (../shared/vectors beside the repository, located by
// CMake as SKIFF_SHARED_DIR) and how a test skips when they are absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace auth::testing {

inline std::filesystem::path SharedVectorsDir() {
  return std::filesystem::path(SKIFF_SHARED_DIR) / "vectors";
}

inline std::optional<std::string> ReadSharedFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool HaveSharedVectors() { return std::filesystem::is_directory(SharedVectorsDir()); }

// For GTEST_SKIP() in a fixture's SetUp when HaveSharedVectors() is false.
inline std::string NoSharedVectorsMessage() {
  return "shared test vectors not found at " + SharedVectorsDir().string() +
         " (check out the shared folder beside the repository)";
}

}  // namespace auth::testing
