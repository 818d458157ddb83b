// Processor: one step of the processing stage that runs between the inputs and the ring
// (include/exclude, parse, fields, drop_event, redact, kubernetes, sample). What a
// processor drops or masks is never written to disk.
//
// A ProcessorChain (processor_chain.h) runs its processors in order over each batch an
// input appends: BeginBatch() once per batch, then Process() for each event until one
// returns kDrop. Processors run on the event-loop thread and keep their working buffers
// between events, so the common path (nothing matches) allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "agent/processors/event_view.h"
#include "buffer/event.h"

namespace agent {

enum class Verdict { kKeep, kDrop };

// Counted per processor; `dropped` includes events sampled out.
struct ProcessorStats {
  uint64_t events = 0;    // events seen
  uint64_t dropped = 0;   // events this processor dropped
  uint64_t modified = 0;  // events changed (parsed, redacted, fields edited)
  uint64_t failed = 0;    // events that could not be processed and went on unchanged
};

class Processor {
 public:
  // `name` identifies the processor in stats and logs ("processors[1]").
  explicit Processor(std::string name) : name_(std::move(name)) {}
  virtual ~Processor() = default;
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  // Runs before the events of `batch`; may change what the batch shares (its
  // shared_fields_json).
  virtual void BeginBatch(buffer::EventBatch& /*batch*/) {}
  virtual Verdict Process(EventView& event) = 0;

  const std::string& name() const { return name_; }
  const ProcessorStats& stats() const { return stats_; }

 protected:
  ProcessorStats stats_;

 private:
  std::string name_;
};

}  // namespace agent
