#include "agent/inputs/multiline_aggregator.h"

#include <utility>

#include "agent/line_splitter.h"
#include "agent/processors/compiled_regex.h"

namespace agent {

base::Result<std::unique_ptr<MultilineRule>> MultilineRule::Create(
    const config::MultilineConfig& config, std::size_t max_line_bytes) {
  if (!config.enabled()) return base::InvalidArgument("multiline: no pattern");
  if (config.max_lines == 0 || config.timeout.count() <= 0) {
    return base::InvalidArgument("multiline: max_lines and timeout must be positive");
  }
  const bool is_start = !config.start.empty();
  auto pattern = CompileRegex(is_start ? config.start : config.continue_pattern,
                              is_start ? "multiline.start" : "multiline.continue");
  if (!pattern.has_value()) return std::move(pattern).error();
  return std::make_unique<MultilineRule>(
      std::move(pattern).value(), is_start, config.negate,
      static_cast<std::size_t>(config.max_lines),
      static_cast<std::size_t>(config.max_bytes == 0 ? max_line_bytes : config.max_bytes),
      config.timeout);
}

bool MultilineRule::BeginsEvent(std::string_view text) const {
  bool matches = Contains(*pattern_, text) != negate_;
  return pattern_is_start_ ? matches : !matches;
}

void MultilineAggregator::Append(const SourceLine& line, TimePoint now) {
  last_line_at_ = now;
  std::string_view text = line.text;
  if (!held_) {
    held_ = true;
    text_.clear();
    stream_.assign(line.stream);
    offset_ = line.offset;
    time_unix_nanos_ = line.time_unix_nanos;
    flags_ = 0;
    lines_ = 0;
  } else {
    text_ += '\n';
  }
  // Only a first line can be longer than max_bytes here (Add() sent the event before a
  // continuation that does not fit).
  if (text_.size() + text.size() > rule_.max_bytes()) {
    text = CutAtCharBoundary(text, rule_.max_bytes() - text_.size());
    flags_ |= buffer::kFlagTruncated;
    ++counters_.cut_events;
  }
  text_.append(text);
  flags_ |= line.flags;
  ++lines_;
}

}  // namespace agent
