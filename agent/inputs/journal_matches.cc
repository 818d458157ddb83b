#include "agent/inputs/journal_matches.h"

#include <algorithm>
#include <array>

#include "platforms/base/log.h"

namespace agent {
namespace {

// systemd's unit types (systemd.unit(5)).
constexpr std::array<std::string_view, 11> kUnitSuffixes = {
    ".service", ".socket", ".device", ".mount", ".automount", ".swap",
    ".target",  ".path",   ".timer",  ".slice", ".scope"};

void AddOnce(std::vector<std::string>& out, std::string match) {
  if (std::find(out.begin(), out.end(), match) == out.end()) out.push_back(std::move(match));
}

}  // namespace

std::string NormalizeUnitName(std::string_view unit) {
  for (std::string_view suffix : kUnitSuffixes) {
    if (unit.size() > suffix.size() && unit.ends_with(suffix)) return std::string(unit);
  }
  return base::StrCat(unit, ".service");
}

std::vector<std::string> BuildJournalMatches(const std::vector<std::string>& units,
                                             const std::vector<std::string>& matches) {
  std::vector<std::string> out;
  out.reserve(units.size() + matches.size());
  for (const std::string& unit : units) {
    AddOnce(out, base::StrCat("_SYSTEMD_UNIT=", NormalizeUnitName(unit)));
  }
  for (const std::string& match : matches) AddOnce(out, match);
  return out;
}

}  // namespace agent
