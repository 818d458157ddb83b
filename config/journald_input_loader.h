// Loading of the keys particular to [[inputs.journald]]: `directory`, `units`, `matches`,
// `max_message_bytes` and `poll_interval`. The keys every input has (id, start_at, fields,
// index, dataset, processors) are read by config_loader.cc. Internal to config/: sees
// toml++ through table_reader.h.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/table_reader.h"

namespace config {

// Reads the journald-only keys of one [[inputs.journald]] table; every problem is
// reported to the reader's ErrorList with its position and what to write instead.
void LoadJournaldInputKeys(TableReader& reader, JournaldInputConfig* input);

// What is wrong with a `matches` element ("" when nothing). A match is "FIELD=value"
// with a journal field name: 1 to 64 of A-Z, 0-9 and '_', not starting with a digit (the
// rules of sd_journal_add_match and journalctl). The value may be empty.
std::string JournalMatchProblem(std::string_view match);

// What is wrong with a `units` element ("" when nothing): a unit name, without patterns.
std::string JournalUnitProblem(std::string_view unit);

}  // namespace config
