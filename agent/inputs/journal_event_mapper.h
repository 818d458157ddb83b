// JournalEventMapper: turns one journal entry's fields into an Event with ECS names, for
// the journald input (journald_input.h). Pure: it never calls sd-journal, so it is built
// and tested without libsystemd.
//
// The reader hands over the entry's fields one at a time, as sd_journal_enumerate_data()
// returns them ("NAME=value", the value possibly binary), because each view is valid only
// until the next call; every mapped value is copied into the event at once.
//
// Mapping (docs/configuration.md lists it for users):
//   MESSAGE            -> message (made valid UTF-8, cut at max_message_bytes)
//   PRIORITY           -> log.syslog.priority (0-7) and log.level (emerg ... debug)
//   SYSLOG_FACILITY    -> log.syslog.facility.code
//   SYSLOG_IDENTIFIER  -> log.syslog.appname
//   _SYSTEMD_UNIT      -> systemd.unit           _SYSTEMD_USER_UNIT -> systemd.user_unit
//   _TRANSPORT         -> systemd.transport
//   _PID               -> process.pid            _COMM     -> process.name
//   _EXE               -> process.executable     _CMDLINE  -> process.command_line
//   _UID               -> user.id                _GID      -> user.group.id
//   _HOSTNAME          -> host.hostname          _BOOT_ID  -> host.boot.id
//   _MACHINE_ID        -> host.id
//   CODE_FILE, CODE_LINE, CODE_FUNC -> log.origin.file.name, .file.line, log.origin.function
// and the entry's __REALTIME_TIMESTAMP (given to Finish) -> @timestamp. Other fields are
// not shipped. A field an entry repeats keeps its first value (a document must not hold
// one key twice); a numeric field whose value is not a number is left out and counted
// (malformed_fields); a field the input's shared fields already set (a user `fields` key
// such as "host.hostname") is left out, as the user's value wins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/event.h"

namespace agent {

class JournalEventMapper {
 public:
  // `shared_keys`: document keys the input's shared fields already carry.
  JournalEventMapper(std::size_t max_message_bytes, const std::vector<std::string>& shared_keys);

  // Starts mapping one entry into `event`, which is reset (its strings keep their
  // capacity). `event` is borrowed until Finish().
  void Begin(buffer::Event& event);
  // One field of the entry: "NAME=value". Data without '=' is counted as malformed.
  void AddField(std::string_view data);
  // Sets @timestamp from the entry's realtime (microseconds since the epoch) and completes
  // the message: an entry without MESSAGE gets an empty one.
  void Finish(uint64_t realtime_usec);

  // Fields left out because their value was not what the field holds (a PRIORITY of
  // "high", a _PID of "x"), since construction.
  uint64_t malformed_fields() const { return malformed_fields_; }

  // The short name journalctl and syslog use for a priority (0 "emerg" ... 7 "debug").
  static std::string_view PriorityName(int priority);

 private:
  void MapMessage(std::string_view value);
  void AppendKey(std::string_view key);

  std::size_t max_message_bytes_;
  // Bit i set: target i of the mapping table (journal_event_mapper.cc) is left out because
  // the shared fields carry its key.
  uint64_t disabled_ = 0;
  bool level_disabled_ = false;  // the shared fields carry log.level
  buffer::Event* event_ = nullptr;
  bool has_message_ = false;
  uint64_t seen_ = 0;    // bit i: target i already mapped in this entry
  std::string scratch_;  // sanitized values, reused
  uint64_t malformed_fields_ = 0;
};

}  // namespace agent
