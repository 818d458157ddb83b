// JournalReader: an open sd-journal (libsystemd) with the few calls the journald input
// makes, each returning Status or Result; ErrorFrom() in journal_reader.cc is the one
// place that turns sd-journal's negative errno values into a Status. Built only with
// libsystemd (SKIFF_WITH_JOURNALD).
//
// sd-journal is not thread-safe and refuses use after fork(): a reader belongs to the
// event-loop thread of the process that opened it. Views it hands out point into its
// mappings or decompression buffer and are valid until the next call on the reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"
#include "platforms/base/status.h"

struct sd_journal;

namespace agent {

class JournalReader {
 public:
  // Opens the journal files of `directory`, or with an empty directory the local system
  // journal (the files journald writes on this machine: SD_JOURNAL_LOCAL_ONLY).
  static base::Result<JournalReader> Open(std::string_view directory);

  JournalReader(JournalReader&&) noexcept = default;
  JournalReader& operator=(JournalReader&&) noexcept = default;
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;
  ~JournalReader();

  // Adds every "FIELD=value" as a match (journal_matches.h says how they combine).
  base::Status AddMatches(const std::vector<std::string>& matches);
  // Compressed fields are decompressed up to this many bytes; longer ones come cut.
  base::Status SetDataThreshold(std::size_t bytes);

  base::Status SeekHead();
  base::Status SeekTail();
  base::Status SeekCursor(std::string_view cursor);
  // Moves to the next (previous) entry matching the matches: false at the end.
  base::Result<bool> Next();
  base::Result<bool> Previous();
  // Whether the current entry is the one `cursor` names.
  bool TestCursor(std::string_view cursor);
  // The current entry's cursor, into `out` (its capacity reused).
  base::Status Cursor(std::string& out);
  // The current entry's __REALTIME_TIMESTAMP, microseconds since the epoch.
  base::Result<uint64_t> RealtimeUsec();
  // The current entry's fields, one "NAME=value" at a time: RestartFields(), then
  // NextField() until it returns false. Fields that cannot be read (a compression this
  // libsystemd lacks) are skipped by sd-journal.
  void RestartFields();
  base::Result<bool> NextField(std::string_view* data);

  // The descriptor that becomes readable when the journal changes (inotify), with the
  // poll(2) events to wait for; -1 when there is none.
  base::Result<int> Fd();
  int Events();
  // Takes the pending change notifications: true when entries may have been appended or
  // files added or removed.
  base::Result<bool> Process();
  // Whether any file of the system journal (/run/log/journal, /var/log/journal) is open;
  // false for a directory's files, which sd-journal counts as neither.
  bool HasFiles();

 private:
  struct Closer {
    void operator()(sd_journal* journal) const;
  };
  explicit JournalReader(sd_journal* journal) : journal_(journal) {}

  std::unique_ptr<sd_journal, Closer> journal_;
};

}  // namespace agent
