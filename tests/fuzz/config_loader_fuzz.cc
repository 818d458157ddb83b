// libFuzzer target: any bytes as skiff.toml. The loader must return errors, never crash,
// hang or read out of bounds; every error must print.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  config::LoadResult result = config::LoadConfigString(text, "fuzz.toml");
  std::size_t total = 0;
  for (const config::ConfigError& error : result.errors) total += error.ToString().size();
  // A loaded config and a list of errors are exclusive.
  if (result.config.has_value() == (total > 0 || !result.errors.empty())) __builtin_trap();
  return 0;
}
