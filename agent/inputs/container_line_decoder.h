// ContainerLineDecoder: unwraps the lines a container runtime writes around an
// application's output, for inputs with `format = "cri"` or `"docker"`
// (docs/file-input.md, "Container log lines").
//
//  - CRI (containerd, CRI-O; /var/log/pods/...):
//      2024-01-01T00:00:00.123456789Z stdout F the message
//    time, stream, a tag (`P` partial, `F` full; a line longer than the runtime's buffer
//    arrives as P fragments ended by an F one), then the text.
//  - Docker json-file (/var/lib/docker/containers/...):
//      {"log":"the message\n","stream":"stderr","time":"2024-01-01T00:00:00.1Z"}
//    a `log` not ending in "\n" is a fragment to join with the next line of its stream.
//
// Fragments are reassembled per stream (stdout and stderr may interleave), bounded by
// `max_bytes`: a longer line is cut at a character boundary, flagged truncated, and its
// remaining fragments are skipped up to its final one (as LineSplitter does for
// max_line_bytes). The line keeps the offset of its first fragment, the runtime's time
// of the first fragment, and the stream. A line that is not in the format passes through
// unchanged, flagged parse_failed and counted: never dropped.
//
// held_from() is the offset of the oldest fragment waiting for its line's end: a
// checkpoint must not pass it, so that a restart reads the line whole.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/inputs/source_line.h"
#include "buffer/event.h"

namespace agent {

enum class ContainerFormat { kCri, kDocker };

struct ContainerDecodeCounters {
  uint64_t malformed_lines = 0;  // not in the format: passed on as they are
  uint64_t fragments = 0;        // partial fragments joined into a line
  uint64_t truncated_lines = 0;  // reassembled lines cut at max_bytes
};

class ContainerLineDecoder {
 public:
  ContainerLineDecoder(ContainerFormat format, std::size_t max_bytes);
  ContainerLineDecoder(const ContainerLineDecoder&) = delete;
  ContainerLineDecoder& operator=(const ContainerLineDecoder&) = delete;

  // Decodes one line of the runtime's file. Returns the application's line when it is
  // complete: a view valid until the next call on this decoder (or the input line's
  // text, when it came whole). Returns nullopt while fragments wait for their end.
  // `json` parses Docker lines; it is borrowed for the call (one per input).
  std::optional<SourceLine> Decode(const SourceLine& line, simdjson::dom::parser& json);

  // The lines of every stream still waiting for their end, with what they have, flagged
  // partial (the writer died before ending them); `emit(const SourceLine&)` is called for
  // each, oldest first.
  template <class Emit>
  void FlushHeld(Emit&& emit) {
    while (Slot* slot = Oldest()) {
      slot->flags |= buffer::kFlagPartial;
      emit(static_cast<const SourceLine&>(TakeSlot(*slot)));
    }
  }

  // Offset of the oldest held fragment; nullopt when nothing is held.
  std::optional<uint64_t> held_from() const;
  // Forgets held fragments (the source is read again from a checkpoint).
  void Reset();

  const ContainerDecodeCounters& counters() const { return counters_; }

 private:
  struct Slot {
    bool active = false;
    bool skipping = false;  // over max_bytes: drop fragments up to the final one
    std::string stream;
    std::string text;
    uint64_t offset = 0;
    int64_t time_unix_nanos = 0;
    uint32_t flags = 0;
  };
  // A fragment as the format gives it, borrowed from the line or the JSON parser.
  struct Fragment {
    int64_t time_unix_nanos = 0;
    std::string_view stream;
    std::string_view text;
    bool last = true;
  };

  bool ParseCri(std::string_view text, Fragment* out) const;
  bool ParseDocker(std::string_view text, simdjson::dom::parser& json, Fragment* out) const;
  Slot& SlotFor(std::string_view stream);
  Slot* Oldest();
  // Moves a slot's line into out_ and frees the slot.
  const SourceLine& TakeSlot(Slot& slot);
  void Append(Slot& slot, std::string_view text);

  ContainerFormat format_;
  std::size_t max_bytes_;
  // stdout, stderr, and anything else a runtime might name.
  std::array<Slot, 3> slots_;
  // Back the line returned from a slot.
  std::string out_text_;
  std::string out_stream_;
  SourceLine out_;
  ContainerDecodeCounters counters_;
};

}  // namespace agent
