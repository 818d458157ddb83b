// FileTailInput's seam to the framing and parsing stage (event_assembler.h): how split
// lines go through a file's EventAssembler into the batch, how held lines and events are
// flushed, and where the file's checkpoint may be while some are held. Kept apart from
// file_tail.cc, which owns discovery, reading and rotation.
#include <algorithm>
#include <utility>

#include "agent/inputs/file_tail.h"
#include "agent/utf8_sanitizer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// What EventBatch::ByteSize() charges per event besides its text (as file_tail.cc).
constexpr std::size_t kEventOverheadBytes = 32;

}  // namespace

// The EventSink a file's assembler emits into: the input's current batch for that file.
class FileTailInput::BatchSink final : public EventSink {
 public:
  // Borrows both for the duration of one assembler call.
  BatchSink(FileTailInput& input, Followed& followed) : input_(input), followed_(followed) {}
  void Emit(buffer::Event event) override { input_.AppendEvent(followed_, std::move(event)); }

 private:
  FileTailInput& input_;
  Followed& followed_;
};

base::Status FileTailInput::StartEventFormat() {
  if (!options_.format.active()) return base::Status::Ok();
  base::Result<std::unique_ptr<EventFormat>> format = EventFormat::Create(options_.format);
  if (!format.has_value()) return std::move(format).error();
  event_format_ = std::move(format).value();
  return base::Status::Ok();
}

void FileTailInput::AssembleLine(Followed& followed, const LineSplitter::Line& line,
                                 int64_t now_unix_nanos, uint32_t flags) {
  SourceLine source;
  source.offset = line.offset;
  source.time_unix_nanos = now_unix_nanos;
  source.flags = flags | CountLine(followed, line, Utf8Sanitizer::Assign(line.text, line_text_));
  source.text = line_text_;
  if (!followed.assembler) followed.assembler = std::make_unique<EventAssembler>(*event_format_);
  BatchSink sink(*this, followed);
  followed.assembler->Add(source, clock_.Now(), sink);
  // Only here, between lines, may the batch end: during Add() the line being assembled is
  // neither held nor sent, and a checkpoint taken then would pass it.
  if (batch_bytes_ >= options_.batch_bytes) {
    FinishBatch(followed);
    StartBatch(followed);
  }
}

void FileTailInput::AppendEvent(Followed& followed, buffer::Event event) {
  if (followed.rewind_pending) return;  // re-read after the refused batch
  batch_bytes_ += event.message.size() + event.fields_json.size() + kEventOverheadBytes;
  batch_.events.push_back(std::move(event));
}

void FileTailInput::FlushHeld(Followed& followed, bool all) {
  if (followed.rewind_pending) return;
  // Timeouts can wait for room in the buffer; a file that ends cannot.
  if (!all && buffer_.Full()) return;
  // What a file that ended left unsent goes first; timeouts wait behind it.
  if (!all && !followed.unsent.empty()) return;
  const auto now = clock_.Now();
  LineSplitter& splitter = followed.file.splitter();
  // A partial line waits while bytes may still follow it: unread ones, or a writer that
  // wrote within flush_partial_after.
  const bool partial_due =
      (splitter.pending_bytes() > 0 || splitter.skipping()) &&
      (all || (!followed.ready &&
               now - followed.last_bytes_at >= options_.format.parsing.flush_partial_after));
  const bool assembler_holds = followed.assembler && followed.assembler->holding();
  if (!partial_due && !assembler_holds) return;
  StartBatch(followed);
  const int64_t wall = clock_.NowUnixNanos();
  if (partial_due) {
    bool sent = splitter.FlushPartial([&](const LineSplitter::Line& line) {
      AddEvent(followed, line, wall, buffer::kFlagPartial);
    });
    if (sent) ++counters_.partial_lines;
  }
  if (followed.assembler) {
    BatchSink sink(*this, followed);
    if (all) {
      followed.assembler->FlushAll(sink);
    } else {
      followed.assembler->FlushExpired(now, sink);
    }
  }
  FinishBatch(followed);
  ApplyRewind(followed);
}

InputStats FileTailInput::StatsWithParsing() const {
  InputStats stats{counters_.lines, counters_.bytes, counters_.files_open,
                   counters_.read_errors + counters_.append_errors};
  stats.partial_lines = counters_.partial_lines;
  for (const auto& followed : files_) {
    const uint64_t read = followed->file.read_offset();
    if (followed->last_polled_size > read) stats.lag_bytes += followed->last_polled_size - read;
  }
  stats.truncated_lines = counters_.truncated_lines;
  if (event_format_) {
    const EventFormatCounters& format = event_format_->counters();
    stats.json_failures = format.json_failures;
    stats.timestamp_failures = format.timestamp_failures;
    stats.multiline_cut = format.multiline_cut;
    stats.multiline_timed_out = format.multiline_timed_out;
  }
  return stats;
}

uint64_t FileTailInput::ResumeOffset(const Followed& followed) const {
  uint64_t offset = followed.file.splitter().consumed_offset();
  if (followed.assembler) {
    if (std::optional<uint64_t> held = followed.assembler->held_from()) {
      offset = std::min(offset, *held);
    }
  }
  return offset;
}

}  // namespace agent
