// LineSplitter: streaming newline framing of bytes read from a file.
//
// Feed() takes read chunks in order and calls back once per complete line with the line's
// text (without "\n" or "\r\n") and the byte offset of its first byte in the stream. A
// line without its newline waits in the splitter for more bytes, until more bytes end it
// or the reader gives up waiting for them (FlushPartial()).
//
// Bounded memory: a line longer than `max_line_bytes` is emitted once, cut to at most
// `max_line_bytes` at a UTF-8 character boundary and flagged `truncated`; the rest of it
// is skipped up to its newline without being buffered. So a 100 MB line costs at most
// `max_line_bytes` + 1 bytes (the extra byte is a possible '\r' whose '\n' has not
// arrived yet). In steady state nothing is allocated: lines that lie wholly inside a
// chunk are views into the chunk; only a line split across chunks is copied, into a
// buffer that keeps its capacity.
//
// consumed_offset() is the offset just past the last line that was emitted or skipped
// to its end: where a reader restarting from a checkpoint must resume so that no line is
// lost and no line is cut in half.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agent {

// `text` without one final '\r'.
inline std::string_view StripTrailingCarriageReturn(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

// Longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// character (text that is not UTF-8 is cut at `max_bytes`).
std::string_view CutAtCharBoundary(std::string_view text, std::size_t max_bytes);

class LineSplitter {
 public:
  struct Line {
    // The line without its ending. Valid only during the callback: it points into the
    // chunk being fed or into the splitter's carry-over buffer.
    std::string_view text;
    // Stream offset of the line's first byte.
    uint64_t offset = 0;
    // The line was longer than max_line_bytes and `text` is its cut-down beginning.
    bool truncated = false;
  };

  // `start_offset` is the stream offset of the first byte that will be fed (a resumed
  // checkpoint). `max_line_bytes` must be at least 1.
  explicit LineSplitter(std::size_t max_line_bytes, uint64_t start_offset = 0);
  LineSplitter(const LineSplitter&) = delete;
  LineSplitter& operator=(const LineSplitter&) = delete;
  LineSplitter(LineSplitter&&) noexcept = default;
  LineSplitter& operator=(LineSplitter&&) noexcept = default;

  // Splits `chunk`, the next bytes of the stream, calling `on_line(const Line&)` for each
  // complete line in order. `on_line` must not call back into this splitter.
  template <class OnLine>
  void Feed(std::string_view chunk, OnLine&& on_line) {
    BeginChunk(chunk);
    Line line;
    while (NextLine(&line)) on_line(static_cast<const Line&>(line));
    EndChunk();
  }

  // Ends the unfinished last line now, because its writer did not finish it in time (the
  // file input's flush_partial_after): calls `on_line` with it, unless nothing is held,
  // and moves consumed_offset() to fed_offset(). What is fed next begins a new line. A
  // held '\r' (a "\r\n" split between writes) is left out of the text. After an
  // over-long line was emitted cut, this only stops skipping its rest. Call between
  // Feed() calls only. Returns whether a line was emitted.
  template <class OnLine>
  bool FlushPartial(OnLine&& on_line) {
    const bool had_line = !pending_.empty() && !skipping_;
    if (had_line) {
      Line line;
      line.offset = pending_offset_;
      line.text = CutAtCharBoundary(StripTrailingCarriageReturn(pending_), max_line_bytes_);
      on_line(static_cast<const Line&>(line));
    }
    pending_.clear();
    skipping_ = false;
    consumed_offset_ = fed_offset_;
    return had_line;
  }

  // Forgets any partial line and restarts the stream at `offset` (after a truncation, or
  // to re-read from a checkpoint).
  void Reset(uint64_t offset);

  // Offset just past the last emitted or skipped line: what a checkpoint may store.
  uint64_t consumed_offset() const { return consumed_offset_; }
  // Offset just past the last byte fed.
  uint64_t fed_offset() const { return fed_offset_; }
  // Bytes of an unfinished line held in memory (at most max_line_bytes + 1).
  std::size_t pending_bytes() const { return pending_.size(); }
  // True while the tail of an over-long line is being skipped.
  bool skipping() const { return skipping_; }
  std::size_t max_line_bytes() const { return max_line_bytes_; }

 private:
  void BeginChunk(std::string_view chunk);
  void EndChunk();
  // Finds the next line in the current chunk; false when the chunk is used up.
  bool NextLine(Line* line);
  // Ends a line at a newline found at chunk_[newline_pos].
  void CompleteLine(std::size_t newline_pos, Line* line);
  // Keeps an unfinished line's bytes; true when that made it over-long and `line` holds
  // its truncated beginning.
  bool HoldPartial(Line* line);
  // Appends to pending_ what fits below max_line_bytes_ + 1: enough to hold a line of
  // max_line_bytes_ plus '\r', or to see the byte after a cut.
  void FillPending(std::string_view bytes);

  std::size_t max_line_bytes_;
  // Carry-over of a line split across chunks; never longer than max_line_bytes_ + 1.
  std::string pending_;
  uint64_t pending_offset_ = 0;
  // pending_ backs the line just emitted: clear it before producing the next one.
  bool release_pending_ = false;
  // Inside an over-long line that was already emitted: drop bytes up to its newline.
  bool skipping_ = false;
  uint64_t consumed_offset_;
  uint64_t fed_offset_;
  // The chunk being fed (only during Feed) and the position of the next unread byte.
  std::string_view chunk_;
  std::size_t pos_ = 0;
};

}  // namespace agent
