#include "agent/inputs/text_timestamp.h"

#include <array>
#include <optional>
#include <utility>

#include "agent/processors/compiled_regex.h"
#include "agent/processors/time_format.h"
#include "agent/processors/timestamp_parser.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// Captures read per line: the group numbers RE2 allows in a timestamp regex are small,
// and a fixed array keeps Apply() free of allocation.
constexpr int kMaxGroup = 15;

}  // namespace

base::Result<std::unique_ptr<TextTimestamp>> TextTimestamp::Create(
    const config::TextTimestampConfig& config) {
  auto regex = CompileRegex(config.regex, "timestamp.regex");
  if (!regex.has_value()) return std::move(regex).error();
  int group = 0;
  const auto& named = (*regex)->NamedCapturingGroups();
  if (auto it = named.find("ts"); it != named.end()) {
    group = it->second;
  } else if ((*regex)->NumberOfCapturingGroups() == 1) {
    group = 1;
  } else {
    return base::InvalidArgument("timestamp.regex: needs a capture named ts");
  }
  if (group > kMaxGroup) {
    return base::InvalidArgument(
        base::StrCat("timestamp.regex: the ts capture must be among the first ", kMaxGroup));
  }
  if (!config.format.empty()) {
    if (std::string_view problem = TimeFormatProblem(config.format); !problem.empty()) {
      return base::InvalidArgument(base::StrCat("timestamp.format ", problem));
    }
  }
  return std::make_unique<TextTimestamp>(std::move(regex).value(), group, config.format);
}

bool TextTimestamp::Apply(std::string_view text, buffer::Event* event) const {
  std::array<re2::StringPiece, kMaxGroup + 1> groups;
  std::optional<int64_t> time;
  if (regex_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                    re2::RE2::UNANCHORED, groups.data(), group_ + 1)) {
    const re2::StringPiece& found = groups[static_cast<std::size_t>(group_)];
    std::string_view ts(found.data(), found.size());
    time = format_.empty()
               ? ParseTimestamp(ts, config::TimestampFormat::kAuto, event->time_unix_nanos)
               : ParseTimeWithFormat(ts, format_, event->time_unix_nanos);
  }
  if (!time) {
    event->flags |= buffer::kFlagTimestampParseFailed;
    return false;
  }
  event->time_unix_nanos = *time;
  return true;
}

}  // namespace agent
