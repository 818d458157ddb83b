// JournalMatches: the sd-journal matches of a journald input's `units` and `matches`
// (config::JournaldInputConfig), as the "FIELD=value" strings sd_journal_add_match()
// takes. Pure, so it is built and tested without libsystemd.
//
// sd-journal ANDs matches on different fields and ORs matches on the same field, which
// is what journalctl does with its arguments, so every string goes into one conjunction:
// `units = ["a", "b"]` with `matches = ["PRIORITY=3"]` reads entries of unit a or b with
// priority 3. Each unit becomes "_SYSTEMD_UNIT=<unit>"; a name without a unit type
// (".service", ".socket", ...) gets ".service", as journalctl -u does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agent {

// The unit name journalctl -u would look for: `unit`, or `unit`.service when it has no
// unit type suffix.
std::string NormalizeUnitName(std::string_view unit);

// The matches to add, in order, without duplicates; empty: every entry.
std::vector<std::string> BuildJournalMatches(const std::vector<std::string>& units,
                                             const std::vector<std::string>& matches);

}  // namespace agent
