// EventAssembler: the framing and parsing stage between a source's lines and its events
// (docs/file-input.md). For each line, in order:
//   1. container unwrapping (`format = "cri" | "docker"`): the runtime's prefix or JSON
//      wrapper is removed, fragments are joined, the stream and the runtime's time kept
//      (ContainerLineDecoder);
//   2. multiline (`multiline`): lines of one event are joined (MultilineAggregator);
//   3. parsing: JSON lines (`format = "json" | "auto"`, JsonLineParser) merge their
//      fields and may set @timestamp and log.level; text lines may get their @timestamp
//      from `timestamp = { regex, format }` (TextTimestamp).
// and the finished event goes to an EventSink.
//
// EventFormat holds what an input compiles once (patterns, the JSON parsers, counters);
// each source (a file, a command's stream) has its own EventAssembler with the state of
// events still being assembled, borrowing its input's EventFormat. Inputs call
// FlushExpired() now and then (the file input: at each poll) so that an event waiting for
// lines that never come is sent after its timeout.
//
// Checkpoints: held_from() is the offset of the first line of anything still held, and a
// source's checkpoint must not pass it; after a restart the source is read again from
// there, and the held event is assembled again whole, neither lost nor split. Events
// already sent from after that offset are sent again with the same offsets, hence the
// same document ids (DESIGN promise 2).
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "agent/inputs/container_line_decoder.h"
#include "agent/inputs/json_line_parser.h"
#include "agent/inputs/multiline_aggregator.h"
#include "agent/inputs/source_line.h"
#include "agent/inputs/text_timestamp.h"
#include "buffer/event.h"
#include "config/file_parsing_config.h"
#include "platforms/base/result.h"

namespace agent {

// How an event's text is parsed once assembled.
enum class BodyFormat { kText, kJson, kAuto };

struct EventFormatOptions {
  std::optional<ContainerFormat> container;
  BodyFormat body = BodyFormat::kText;
  config::FileParsingConfig parsing;  // multiline, json, timestamp, flush_partial_after
  std::size_t max_line_bytes = 1024 * 1024;

  // True when the stage does more than make each line an event.
  bool active() const {
    return container.has_value() || body != BodyFormat::kText || parsing.multiline.enabled() ||
           parsing.timestamp.enabled();
  }
};

// Since the input started; per input, all sources together.
struct EventFormatCounters {
  uint64_t json_failures = 0;        // lines that looked like JSON but did not parse
  uint64_t timestamp_failures = 0;   // events whose time could not be read from the text
  uint64_t multiline_events = 0;     // events of more than one line
  uint64_t multiline_cut = 0;        // multiline events sent at max_lines or max_bytes
  uint64_t multiline_timed_out = 0;  // multiline events sent after multiline.timeout
  uint64_t container_malformed = 0;  // container lines not in the format (sent as they are)
  uint64_t container_fragments = 0;  // partial fragments joined
  uint64_t held_flushed = 0;         // partial fragments or events sent after their timeout
};

class EventFormat {
 public:
  static base::Result<std::unique_ptr<EventFormat>> Create(EventFormatOptions options);
  explicit EventFormat(EventFormatOptions options) : options_(std::move(options)) {}
  EventFormat(const EventFormat&) = delete;
  EventFormat& operator=(const EventFormat&) = delete;

  const EventFormatOptions& options() const { return options_; }
  const EventFormatCounters& counters() const { return counters_; }

 private:
  friend class EventAssembler;

  EventFormatOptions options_;
  std::unique_ptr<MultilineRule> multiline_;  // null: off
  std::unique_ptr<TextTimestamp> timestamp_;  // null: off
  std::unique_ptr<JsonLineParser> json_;      // null: text
  simdjson::dom::parser docker_parser_;       // Docker json-file wrappers
  EventFormatCounters counters_;
};

// Where finished events go (the file input's batch). Emit takes the event by value: the
// sink keeps it (moves it into a batch).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Emit(buffer::Event event) = 0;
};

class EventAssembler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Borrows `format` for the assembler's lifetime.
  explicit EventAssembler(EventFormat& format);
  EventAssembler(const EventAssembler&) = delete;
  EventAssembler& operator=(const EventAssembler&) = delete;

  // The next line of the source, read at `now` (monotonic; drives the timeouts).
  void Add(const SourceLine& line, TimePoint now, EventSink& sink);
  // Sends what waited too long: a multiline event after multiline.timeout without a new
  // line, container fragments after flush_partial_after without their end.
  void FlushExpired(TimePoint now, EventSink& sink);
  // Sends everything held (the source ended: rotated away, deleted, truncated).
  void FlushAll(EventSink& sink);
  // Forgets everything held (the source is read again from held_from() or earlier).
  void Reset();

  std::optional<uint64_t> held_from() const;
  bool holding() const { return held_from().has_value(); }

 private:
  void AfterContainer(const SourceLine& line, TimePoint now, EventSink& sink);
  void Finish(const SourceLine& line, EventSink& sink);
  void SyncCounters();

  EventFormat& format_;
  std::optional<ContainerLineDecoder> container_;
  std::optional<MultilineAggregator> multiline_;
  TimePoint container_held_since_{};
  // What this assembler's parts had counted at the last SyncCounters().
  ContainerDecodeCounters container_seen_;
  MultilineCounters multiline_seen_;
};

}  // namespace agent
