// SourceLine: one line on its way from a source's framing (LineSplitter, a container log
// decoder, the multiline aggregator) to an event: the text, where it starts in the
// source, and what was learned about it so far.
#pragma once

#include <cstdint>
#include <string_view>

namespace agent {

struct SourceLine {
  // Valid UTF-8, without its line ending. Borrowed: valid only during the call that
  // receives it.
  std::string_view text;
  // Source offset of the line's first byte: the event's offset.
  uint64_t offset = 0;
  // buffer::EventFlag bits already known (invalid UTF-8, truncated, partial).
  uint32_t flags = 0;
  // The read time, or the time a container runtime wrote in front of the line.
  int64_t time_unix_nanos = 0;
  // "stdout" or "stderr" for container log lines and command output; empty otherwise.
  std::string_view stream;
};

}  // namespace agent
