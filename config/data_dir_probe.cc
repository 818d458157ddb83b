#include "config/data_dir_probe.h"

#include <fstream>
#include <sstream>

#include "config/config.h"
#include "config/toml_include.h"

namespace config {

std::optional<std::string> ProbeDataDir(std::string_view path) {
  std::ifstream file{std::string(path), std::ios::binary};
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  const std::string contents = std::move(text).str();
  toml::parse_result parsed = toml::parse(contents, path);
  if (!parsed) return std::nullopt;
  if (const toml::node* node = parsed.table().get("data_dir")) {
    if (const auto* value = node->as_string()) return value->get();
    return std::nullopt;
  }
  return Config{}.data_dir;
}

}  // namespace config
