#include "agent/inputs/event_assembler.h"

#include <utility>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

bool LooksLikeJson(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t");
  return first != std::string_view::npos && text[first] == '{';
}

}  // namespace

base::Result<std::unique_ptr<EventFormat>> EventFormat::Create(EventFormatOptions options) {
  if (options.max_line_bytes == 0) return base::InvalidArgument("max_line_bytes must be positive");
  auto format = std::make_unique<EventFormat>(std::move(options));
  const config::FileParsingConfig& parsing = format->options_.parsing;
  if (parsing.multiline.enabled()) {
    auto rule = MultilineRule::Create(parsing.multiline, format->options_.max_line_bytes);
    if (!rule.has_value()) return std::move(rule).error();
    format->multiline_ = std::move(rule).value();
  }
  if (parsing.timestamp.enabled()) {
    auto timestamp = TextTimestamp::Create(parsing.timestamp);
    if (!timestamp.has_value()) return std::move(timestamp).error();
    format->timestamp_ = std::move(timestamp).value();
  }
  if (format->options_.body != BodyFormat::kText) {
    format->json_ = std::make_unique<JsonLineParser>(parsing.json);
  }
  return format;
}

EventAssembler::EventAssembler(EventFormat& format) : format_(format) {
  if (format_.options_.container) {
    container_.emplace(*format_.options_.container, format_.options_.max_line_bytes);
  }
  if (format_.multiline_) multiline_.emplace(*format_.multiline_);
}

void EventAssembler::Add(const SourceLine& line, TimePoint now, EventSink& sink) {
  if (!container_) {
    AfterContainer(line, now, sink);
    return;
  }
  bool was_holding = container_->held_from().has_value();
  std::optional<SourceLine> decoded = container_->Decode(line, format_.docker_parser_);
  if (!was_holding && container_->held_from()) container_held_since_ = now;
  if (decoded) AfterContainer(*decoded, now, sink);
  SyncCounters();
}

void EventAssembler::AfterContainer(const SourceLine& line, TimePoint now, EventSink& sink) {
  if (!multiline_) {
    Finish(line, sink);
    return;
  }
  multiline_->Add(line, now, [&](const SourceLine& event) { Finish(event, sink); });
  SyncCounters();
}

void EventAssembler::FlushExpired(TimePoint now, EventSink& sink) {
  if (container_ && container_->held_from() &&
      now - container_held_since_ >= format_.options_.parsing.flush_partial_after) {
    container_->FlushHeld([&](const SourceLine& line) {
      ++format_.counters_.held_flushed;
      AfterContainer(line, now, sink);
    });
  }
  if (multiline_) {
    multiline_->FlushExpired(now, /*force=*/false,
                             [&](const SourceLine& event) { Finish(event, sink); });
  }
  SyncCounters();
}

void EventAssembler::FlushAll(EventSink& sink) {
  const TimePoint now{};
  if (container_) {
    container_->FlushHeld([&](const SourceLine& line) { AfterContainer(line, now, sink); });
  }
  if (multiline_) {
    multiline_->FlushExpired(now, /*force=*/true,
                             [&](const SourceLine& event) { Finish(event, sink); });
  }
  SyncCounters();
}

void EventAssembler::Reset() {
  if (container_) container_->Reset();
  if (multiline_) multiline_->Reset();
}

std::optional<uint64_t> EventAssembler::held_from() const {
  std::optional<uint64_t> from;
  if (container_) from = container_->held_from();
  if (multiline_) {
    std::optional<uint64_t> m = multiline_->held_from();
    if (m && (!from || *m < *from)) from = m;
  }
  return from;
}

void EventAssembler::Finish(const SourceLine& line, EventSink& sink) {
  buffer::Event event;
  event.offset = line.offset;
  event.time_unix_nanos = line.time_unix_nanos;
  event.flags = line.flags;
  event.message.assign(line.text);
  if (!line.stream.empty()) {
    event.fields_json.reserve(line.stream.size() + 12);
    event.fields_json = "\"stream\":";
    base::AppendJsonString(event.fields_json, line.stream);
  }
  bool parsed_json = false;
  const BodyFormat body = format_.options_.body;
  if (format_.json_ && (body == BodyFormat::kJson || LooksLikeJson(event.message))) {
    parsed_json = format_.json_->Parse(&event);
    if (!parsed_json) {
      event.flags |= buffer::kFlagJsonParseFailed;
      ++format_.counters_.json_failures;
    }
  }
  if (format_.timestamp_ && !parsed_json && !format_.timestamp_->Apply(event.message, &event)) {
    ++format_.counters_.timestamp_failures;
  }
  if (parsed_json && (event.flags & buffer::kFlagTimestampParseFailed) != 0) {
    ++format_.counters_.timestamp_failures;
  }
  sink.Emit(std::move(event));
}

void EventAssembler::SyncCounters() {
  EventFormatCounters& c = format_.counters_;
  if (container_) {
    const ContainerDecodeCounters& now = container_->counters();
    c.container_malformed += now.malformed_lines - container_seen_.malformed_lines;
    c.container_fragments += now.fragments - container_seen_.fragments;
    container_seen_ = now;
  }
  if (multiline_) {
    const MultilineCounters& now = multiline_->counters();
    c.multiline_events += now.events - multiline_seen_.events;
    c.multiline_cut += now.cut_events - multiline_seen_.cut_events;
    c.held_flushed += now.timed_out - multiline_seen_.timed_out;
    c.multiline_timed_out += now.timed_out - multiline_seen_.timed_out;
    multiline_seen_ = now;
  }
}

}  // namespace agent
