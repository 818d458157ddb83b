#include "agent/inputs/journal_event_mapper.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

#include "agent/utf8_sanitizer.h"
#include "platforms/base/json_writer.h"

namespace agent {
namespace {

enum class Kind { kString, kInteger, kPriority };

struct Target {
  std::string_view journal_name;
  std::string_view document_key;
  Kind kind;
  uint64_t max;  // kInteger: the largest value accepted
};

constexpr uint64_t kMaxPid = (1u << 22);    // the kernel's PID_MAX_LIMIT
constexpr uint64_t kMaxFacility = 23;       // local7 (RFC 5424)
constexpr uint64_t kMaxLine = 0xFFFF'FFFF;  // a source line number
constexpr std::string_view kMessageName = "MESSAGE";

// The mapping of journal_event_mapper.h, in one table. At most 64 entries (bit masks).
constexpr std::array<Target, 18> kTargets = {{
    {"PRIORITY", "log.syslog.priority", Kind::kPriority, 7},
    {"SYSLOG_FACILITY", "log.syslog.facility.code", Kind::kInteger, kMaxFacility},
    {"SYSLOG_IDENTIFIER", "log.syslog.appname", Kind::kString, 0},
    {"_SYSTEMD_UNIT", "systemd.unit", Kind::kString, 0},
    {"_SYSTEMD_USER_UNIT", "systemd.user_unit", Kind::kString, 0},
    {"_TRANSPORT", "systemd.transport", Kind::kString, 0},
    {"_PID", "process.pid", Kind::kInteger, kMaxPid},
    {"_COMM", "process.name", Kind::kString, 0},
    {"_EXE", "process.executable", Kind::kString, 0},
    {"_CMDLINE", "process.command_line", Kind::kString, 0},
    {"_UID", "user.id", Kind::kString, 0},
    {"_GID", "user.group.id", Kind::kString, 0},
    {"_HOSTNAME", "host.hostname", Kind::kString, 0},
    {"_BOOT_ID", "host.boot.id", Kind::kString, 0},
    {"_MACHINE_ID", "host.id", Kind::kString, 0},
    {"CODE_FILE", "log.origin.file.name", Kind::kString, 0},
    {"CODE_LINE", "log.origin.file.line", Kind::kInteger, kMaxLine},
    {"CODE_FUNC", "log.origin.function", Kind::kString, 0},
}};
static_assert(kTargets.size() <= 64);

// log.level of a PRIORITY, beside log.syslog.priority (the names of syslog(3) and
// journalctl -p).
constexpr std::array<std::string_view, 8> kPriorityNames = {"emerg",   "alert",  "crit", "err",
                                                            "warning", "notice", "info", "debug"};

bool ParseUnsigned(std::string_view text, uint64_t max, uint64_t* value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size() && *value <= max;
}

// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8
// sequence (a cut message then stays valid where it was valid).
std::string_view CutAtCharacter(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over at most three continuation bytes (10xxxxxx) to a sequence start.
  for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++i) {
    --end;
  }
  return text.substr(0, end);
}

}  // namespace

JournalEventMapper::JournalEventMapper(std::size_t max_message_bytes,
                                       const std::vector<std::string>& shared_keys)
    : max_message_bytes_(max_message_bytes) {
  for (std::size_t i = 0; i < kTargets.size(); ++i) {
    if (std::find(shared_keys.begin(), shared_keys.end(), kTargets[i].document_key) !=
        shared_keys.end()) {
      disabled_ |= uint64_t{1} << i;
    }
  }
  level_disabled_ =
      std::find(shared_keys.begin(), shared_keys.end(), "log.level") != shared_keys.end();
}

std::string_view JournalEventMapper::PriorityName(int priority) {
  if (priority < 0 || priority >= static_cast<int>(kPriorityNames.size())) return "";
  return kPriorityNames[static_cast<std::size_t>(priority)];
}

void JournalEventMapper::Begin(buffer::Event& event) {
  event_ = &event;
  event.offset = 0;
  event.time_unix_nanos = 0;
  event.flags = 0;
  event.message.clear();
  event.fields_json.clear();
  has_message_ = false;
  seen_ = disabled_;
}

void JournalEventMapper::AddField(std::string_view data) {
  const std::size_t equals = data.find('=');
  if (equals == std::string_view::npos) {
    ++malformed_fields_;
    return;
  }
  const std::string_view name = data.substr(0, equals);
  const std::string_view value = data.substr(equals + 1);
  if (name == kMessageName) {
    if (!has_message_) MapMessage(value);
    return;
  }
  for (std::size_t i = 0; i < kTargets.size(); ++i) {
    const Target& target = kTargets[i];
    if (target.journal_name != name) continue;
    const uint64_t bit = uint64_t{1} << i;
    if ((seen_ & bit) != 0) return;
    uint64_t number = 0;
    switch (target.kind) {
      case Kind::kString:
        Utf8Sanitizer::Assign(value, scratch_);
        AppendKey(target.document_key);
        base::AppendJsonString(event_->fields_json, scratch_);
        break;
      case Kind::kInteger:
      case Kind::kPriority:
        if (!ParseUnsigned(value, target.max, &number)) {
          ++malformed_fields_;
          return;
        }
        AppendKey(target.document_key);
        event_->fields_json += value;
        if (target.kind == Kind::kPriority && !level_disabled_) {
          AppendKey("log.level");
          base::AppendJsonString(event_->fields_json, kPriorityNames[number]);
        }
        break;
    }
    seen_ |= bit;
    return;
  }
}

void JournalEventMapper::Finish(uint64_t realtime_usec) {
  constexpr uint64_t kNanosPerMicro = 1000;
  // A realtime past the year 2262 (a damaged file) saturates instead of wrapping.
  constexpr uint64_t kMaxMicros = static_cast<uint64_t>(INT64_MAX) / kNanosPerMicro;
  event_->time_unix_nanos =
      static_cast<int64_t>(std::min(realtime_usec, kMaxMicros) * kNanosPerMicro);
  event_ = nullptr;
}

void JournalEventMapper::MapMessage(std::string_view value) {
  has_message_ = true;
  const std::string_view kept = CutAtCharacter(value, max_message_bytes_);
  if (kept.size() < value.size()) event_->flags |= buffer::kFlagTruncated;
  if (Utf8Sanitizer::Assign(kept, event_->message)) event_->flags |= buffer::kFlagInvalidUtf8;
}

void JournalEventMapper::AppendKey(std::string_view key) {
  std::string& out = event_->fields_json;
  if (!out.empty()) out += ',';
  base::AppendJsonString(out, key);
  out += ':';
}

}  // namespace agent
