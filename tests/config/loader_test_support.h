// Helpers for the config loader tests of one table: a config with a minimal output
// appended, loaded either expecting no error (Load) or expecting errors (Errors, as
// "file:line:col: ..." lines, the file named "t.toml").
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.h"

namespace config::testing {

inline constexpr std::string_view kOutput =
    "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\"]\n";

inline std::string WithOutput(std::string_view toml) {
  return std::string(toml) + std::string(kOutput);
}

inline Config Load(std::string_view toml) {
  LoadResult r = LoadConfigString(WithOutput(toml), "t.toml");
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.ToString();
  return r.config.value_or(Config{});
}

inline std::vector<std::string> Errors(std::string_view toml) {
  LoadResult r = LoadConfigString(WithOutput(toml), "t.toml");
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.ToString());
  return out;
}

}  // namespace config::testing
