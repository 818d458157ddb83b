// Input: a source of events (a tailed file set, later a command's output, the journal, a
// socket). Each input turns what it reads into EventBatches appended to the event buffer
// and keeps its own read positions in the checkpoint store. Inputs run on the event-loop
// thread and are built by agent/input_registry.cc.
#pragma once

#include <cstdint>
#include <string_view>

#include "platforms/base/status.h"

namespace agent {

// What every input counts, for metrics and `skiff status`.
struct InputStats {
  uint64_t events = 0;      // events appended to the buffer
  uint64_t bytes = 0;       // bytes read from the source
  uint64_t files_open = 0;  // sources held open now (files; 0 for others)
  uint64_t errors = 0;      // failed reads and refused appends (each logged)
  // Bytes the source holds that are not read yet, as of its last check (files: each
  // followed file's size at its last poll minus the read position); 0 where unknown.
  uint64_t lag_bytes = 0;
  // Parsing outcomes (0 where the input does not parse): each event is still sent, with
  // its text as the message and a flag saying what happened.
  uint64_t json_failures = 0;        // lines that looked like JSON but did not parse
  uint64_t timestamp_failures = 0;   // events whose time could not be read from the text
  uint64_t multiline_cut = 0;        // multiline events cut at max_lines or max_bytes
  uint64_t multiline_timed_out = 0;  // multiline events sent after multiline.timeout
  uint64_t partial_lines = 0;        // last lines sent without their newline
  uint64_t truncated_lines = 0;      // lines cut at max_line_bytes
};

class Input {
 public:
  virtual ~Input();

  // Begins reading. Errors are about configuration or the loop, not about sources: a
  // missing or unreadable file is logged and counted while the input keeps running.
  virtual base::Status Start() = 0;
  // Stops reading, closes the input's handles and files, and persists its checkpoints.
  // Batches already appended stay in the buffer; their durability callbacks still advance
  // the checkpoint store, which the pipeline persists once more at the end.
  virtual void Stop() = 0;
  // The configured id, unique among inputs.
  virtual std::string_view id() const = 0;
  // The kind, as in the config table name: "file".
  virtual std::string_view type() const = 0;
  virtual InputStats stats() const = 0;
  // The event buffer has room again after Full(): resume reading. The buffer has one
  // on-space slot, so the pipeline fans this out to every input.
  virtual void OnBufferSpace() = 0;
};

}  // namespace agent
