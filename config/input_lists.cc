// InputIds() and WithOnlyInput() of config.h: the input lists of every kind, walked
// through ForEachInputList so a new kind needs no change here.
#include <algorithm>

#include "config/config.h"

namespace config {

std::vector<std::string> InputIds(const Config& config) {
  std::vector<std::string> ids;
  ForEachInputList(
      [&ids](const auto& inputs) {
        for (const auto& input : inputs) ids.push_back(input.id);
      },
      config);
  return ids;
}

Config WithOnlyInput(const Config& config, std::string_view id) {
  Config one = config;
  ForEachInputList(
      [id](auto& inputs) {
        std::erase_if(inputs, [id](const auto& input) { return input.id != id; });
      },
      one);
  return one;
}

}  // namespace config
