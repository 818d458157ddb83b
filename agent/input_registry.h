// The one place that turns configured inputs into Input objects. A new input kind adds a
// line here: no macros, no self-registration.
#pragma once

#include <uv.h>

#include <memory>
#include <vector>

#include "agent/inputs/input.h"
#include "agent/processors/processing_buffer.h"
#include "agent/shared_fields.h"
#include "buffer/checkpoint_store.h"
#include "buffer/event_buffer.h"
#include "config/config.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"

namespace agent {

// What every input needs from the pipeline; all references outlive the inputs.
struct InputContext {
  uv_loop_t* loop;
  buffer::EventBuffer& buffer;
  buffer::CheckpointStore& checkpoints;
  const base::Clock& clock;
  AgentIdentity identity;
  std::string default_index;
  // Owns the processing stage of each input that has processors; must outlive the inputs.
  std::vector<std::unique_ptr<ProcessingBuffer>>* processing_buffers = nullptr;
};

base::Result<std::vector<std::unique_ptr<Input>>> BuildInputs(const InputContext& context,
                                                              const config::Config& config);

}  // namespace agent
