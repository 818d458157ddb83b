// MultilineAggregator: joins the lines of one event that spans several (a stack trace, a
// Python traceback, a Go panic, an indented continuation) into one event, for inputs with
// `multiline` (docs/file-input.md, "Multiline events").
//
// The rule is either a `start` pattern (a line matching it begins an event; others
// continue the current one) or a `continue` pattern (a line matching it continues the
// current event; others begin one), `negate` inverting the match. Lines are joined with
// "\n". An event is complete when the next one begins, when no line came for `timeout`
// (FlushExpired), or when it reaches `max_lines` or `max_bytes`: then it is sent flagged
// truncated and the next line begins a new event, so nothing is dropped.
//
// The event keeps the offset, time and stream of its first line; its flags are the union
// of its lines'. held_from() is the first line's offset while an event waits: a
// checkpoint must not pass it, so after a restart the event is read again whole.
//
// One aggregator per source (file); the compiled rule is shared by the sources of an
// input and borrowed.
#pragma once

#include <re2/re2.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "agent/inputs/source_line.h"
#include "buffer/event.h"
#include "config/file_parsing_config.h"
#include "platforms/base/result.h"

namespace agent {

// A compiled `multiline` table; one per input.
class MultilineRule {
 public:
  // `max_line_bytes` is the input's, the default of max_bytes.
  static base::Result<std::unique_ptr<MultilineRule>> Create(const config::MultilineConfig& config,
                                                             std::size_t max_line_bytes);
  MultilineRule(std::unique_ptr<re2::RE2> pattern, bool pattern_is_start, bool negate,
                std::size_t max_lines, std::size_t max_bytes, std::chrono::milliseconds timeout)
      : pattern_(std::move(pattern)),
        pattern_is_start_(pattern_is_start),
        negate_(negate),
        max_lines_(max_lines),
        max_bytes_(max_bytes),
        timeout_(timeout) {}
  // Whether `text` begins a new event.
  bool BeginsEvent(std::string_view text) const;

  std::size_t max_lines() const { return max_lines_; }
  std::size_t max_bytes() const { return max_bytes_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::unique_ptr<re2::RE2> pattern_;
  bool pattern_is_start_ = true;
  bool negate_ = false;
  std::size_t max_lines_ = 0;
  std::size_t max_bytes_ = 0;
  std::chrono::milliseconds timeout_{0};
};

struct MultilineCounters {
  uint64_t events = 0;      // events of more than one line
  uint64_t cut_events = 0;  // sent at max_lines or max_bytes
  uint64_t timed_out = 0;   // sent because no line came for `timeout`
};

class MultilineAggregator {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Borrows `rule` for the aggregator's lifetime.
  explicit MultilineAggregator(const MultilineRule& rule) : rule_(rule) {}
  MultilineAggregator(const MultilineAggregator&) = delete;
  MultilineAggregator& operator=(const MultilineAggregator&) = delete;

  // Adds the next line of the source, read at `now`. Calls `emit(const SourceLine&)` for
  // the event it completes, if any. The emitted text is valid during the call only.
  template <class Emit>
  void Add(const SourceLine& line, TimePoint now, Emit&& emit) {
    if (held_) {
      if (rule_.BeginsEvent(line.text)) {
        Flush(emit);
      } else if (lines_ >= rule_.max_lines() || Full(line)) {
        // A continuation that does not fit: the event so far is sent as cut, and the
        // line begins the next one.
        ++counters_.cut_events;
        flags_ |= buffer::kFlagTruncated;
        Flush(emit);
      }
    }
    Append(line, now);
  }

  // Sends the waiting event if no line came for the rule's timeout (or `force`).
  template <class Emit>
  void FlushExpired(TimePoint now, bool force, Emit&& emit) {
    if (!held_) return;
    if (!force && now - last_line_at_ < rule_.timeout()) return;
    if (!force) ++counters_.timed_out;
    Flush(emit);
  }

  std::optional<uint64_t> held_from() const {
    return held_ ? std::optional<uint64_t>(offset_) : std::nullopt;
  }
  // Forgets the waiting event (the source is read again from a checkpoint).
  void Reset() { held_ = false; }
  const MultilineCounters& counters() const { return counters_; }

 private:
  // True when adding `line` would take the event past max_bytes.
  bool Full(const SourceLine& line) const {
    return text_.size() + 1 + line.text.size() > rule_.max_bytes();
  }
  void Append(const SourceLine& line, TimePoint now);
  template <class Emit>
  void Flush(Emit& emit) {
    if (lines_ > 1) ++counters_.events;
    held_ = false;
    const SourceLine event{text_, offset_, flags_, time_unix_nanos_, stream_};
    emit(event);
  }

  const MultilineRule& rule_;
  bool held_ = false;
  std::string text_;  // keeps its capacity across events
  std::string stream_;
  uint64_t offset_ = 0;
  int64_t time_unix_nanos_ = 0;
  uint32_t flags_ = 0;
  std::size_t lines_ = 0;
  TimePoint last_line_at_{};
  MultilineCounters counters_;
};

}  // namespace agent
