#include "config/journald_input_loader.h"

#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

// Limits; defaults are in config.h.
constexpr uint64_t kMinMessageBytes = 16;    // room for a few words
constexpr uint64_t kMaxMessageBytes = kGiB;  // one event must fit in memory several times
constexpr std::chrono::milliseconds kMinPollInterval{10};  // shorter would spin the loop
// sd-journal refuses longer field names (JOURNAL_FIELD_NAME_MAX in systemd).
constexpr std::size_t kMaxFieldNameBytes = 64;
// systemd's UNIT_NAME_MAX.
constexpr std::size_t kMaxUnitNameBytes = 255;

bool IsFieldNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsUnitNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
}

}  // namespace

std::string JournalMatchProblem(std::string_view match) {
  const std::size_t equals = match.find('=');
  if (equals == std::string_view::npos) {
    return "must be FIELD=value, like \"_SYSTEMD_UNIT=nginx.service\" or \"PRIORITY=3\"";
  }
  const std::string_view field = match.substr(0, equals);
  if (field.empty()) return "has no field name before '='; write FIELD=value, like \"PRIORITY=3\"";
  if (field.size() > kMaxFieldNameBytes) {
    return base::StrCat("field name is ", field.size(),
                        " characters; journal field names have at most ", kMaxFieldNameBytes);
  }
  if (field.front() >= '0' && field.front() <= '9') {
    return "field name must not start with a digit";
  }
  for (char c : field) {
    if (!IsFieldNameChar(c)) {
      return "field name may contain only upper-case letters, digits and '_', like "
             "\"SYSLOG_IDENTIFIER=sshd\" (journal field names are upper case)";
    }
  }
  return "";
}

std::string JournalUnitProblem(std::string_view unit) {
  if (unit.empty()) return "must not be empty; write a unit name, like \"nginx.service\"";
  if (unit.size() > kMaxUnitNameBytes) {
    return base::StrCat("is ", unit.size(), " characters; unit names have at most ",
                        kMaxUnitNameBytes);
  }
  for (char c : unit) {
    if (c == '*' || c == '?' || c == '[') {
      return "patterns are not supported; list each unit, like \"nginx.service\"";
    }
    if (!IsUnitNameChar(c)) {
      return "is not a unit name; write one like \"nginx.service\" or \"getty@tty1.service\"";
    }
  }
  return "";
}

void LoadJournaldInputKeys(TableReader& reader, JournaldInputConfig* input) {
  if (reader.String("directory", &input->directory) == Outcome::kSet &&
      !input->directory.starts_with('/')) {
    // A daemon's working directory is "/", so a relative path is a surprise.
    reader.Error("directory",
                 "must be an absolute path, like \"/var/log/journal\"; leave it out to read "
                 "the local system journal");
  }
  if (reader.StringArray("units", &input->units) == Outcome::kSet) {
    for (std::size_t i = 0; i < input->units.size(); ++i) {
      if (std::string problem = JournalUnitProblem(input->units[i]); !problem.empty()) {
        reader.ElementError("units", i, problem);
      }
    }
  }
  if (reader.StringArray("matches", &input->matches) == Outcome::kSet) {
    for (std::size_t i = 0; i < input->matches.size(); ++i) {
      if (std::string problem = JournalMatchProblem(input->matches[i]); !problem.empty()) {
        reader.ElementError("matches", i, problem);
      }
    }
  }
  reader.Size("max_message_bytes", kMinMessageBytes, kMaxMessageBytes, &input->max_message_bytes);
  reader.Duration("poll_interval", kMinPollInterval, &input->poll_interval);
}

}  // namespace config
