// ProcessorChain: the processors of one input, in order: the global `[[processors]]`
// followed by the input's own (`[[inputs.file.processors]]`), so global redaction and
// filters apply to every input and an input can refine after them.
//
// Run() applies the chain to a batch in place: dropped events are removed (the survivors
// keep their order), changed fields are re-rendered into each event's fields_json.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agent/processors/event_view.h"
#include "agent/processors/processor.h"
#include "buffer/event.h"
#include "config/processors_config.h"
#include "platforms/base/result.h"

namespace agent {

class ProcessorChain {
 public:
  ProcessorChain() = default;
  explicit ProcessorChain(std::vector<std::unique_ptr<Processor>> processors)
      : processors_(std::move(processors)) {}
  ProcessorChain(const ProcessorChain&) = delete;
  ProcessorChain& operator=(const ProcessorChain&) = delete;
  ProcessorChain(ProcessorChain&&) = default;
  ProcessorChain& operator=(ProcessorChain&&) = default;

  // Returns the number of events dropped.
  std::size_t Run(buffer::EventBatch& batch);

  bool empty() const { return processors_.empty(); }
  std::span<const std::unique_ptr<Processor>> processors() const { return processors_; }

 private:
  std::vector<std::unique_ptr<Processor>> processors_;
  std::unique_ptr<EventView> view_ = std::make_unique<EventView>();
};

// Builds the processors of `global` then those of `local` (either may be empty). Fails
// only on a config that was not validated by the loader (a bad regex, an unknown name).
base::Result<ProcessorChain> BuildProcessorChain(const config::ProcessorConfigs& global,
                                                 const config::ProcessorConfigs& local);

// One processor from its config.
base::Result<std::unique_ptr<Processor>> BuildProcessor(const config::ProcessorConfig& config);

}  // namespace agent
