// Pipeline: builds skiff's stages in data-path order and runs them on one libuv loop.
//
//   inputs (file_tail) -> ring (data_dir/ring) -> Elasticsearch output
//        ^ checkpoints advance when the ring reports a batch durable (fsync'd)
//
// Build() reads like the data path (Vector's run_inner): the buffer first, then the
// output that drains it, then the inputs that fill it. Stop() is the graceful shutdown of
// DESIGN's contracts: stop reading, make what was read durable in the ring, ship for at most
// shutdown_timeout, persist checkpoints and the ring cursor, then call `done`.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <vector>

#include "agent/data_dir.h"
#include "agent/inputs/input.h"
#include "agent/processors/processing_buffer.h"
#include "agent/reload_plan.h"
#include "agent/shared_fields.h"
#include "buffer/checkpoint_store.h"
#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "config/config.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"
#include "transport/credentials.h"
#include "transport/elasticsearch_output.h"

namespace agent {

class Pipeline {
 public:
  // `loop` and `data_dir` must outlive the pipeline.
  static base::Result<std::unique_ptr<Pipeline>> Build(uv_loop_t* loop,
                                                       const config::Config& config,
                                                       const DataDir& data_dir);
  // Only through Build() (the tag keeps the constructor out of reach).
  struct ConstructorTag {
    explicit ConstructorTag() = default;
  };
  Pipeline(ConstructorTag, const config::Config& config) : config_(config) {}
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  base::Status Start();
  // Graceful stop; `done` runs on the loop once the output has finished or given up.
  void Stop(std::function<void()> done);
  // Makes what was read durable in the ring and saves the checkpoints and the ring cursor;
  // used when a second signal asks to exit at once (the ring keeps what was not shipped).
  void SaveState();

  const transport::OutputStats& output_stats() const { return output_->stats(); }
  // The [auth] provider, or null for type = "none".
  const transport::Credentials* credentials() const { return credentials_.get(); }
  const std::vector<std::unique_ptr<Input>>& inputs() const { return inputs_; }
  const buffer::Ring& ring() const { return *buffer_; }
  // The ring itself, for events that skip the inputs and processors (self_events.h).
  buffer::EventBuffer& buffer() { return *buffer_; }
  const AgentIdentity& identity() const { return identity_; }
  // OK while skiff can ship; otherwise why not (served by /readyz, so never a secret).
  base::Status Readiness() const;

  // A reload (agent/config_reloader.h) switches the inputs to those of `next` as `plan`
  // says: stops the removed and changed inputs, makes their appended batches durable and
  // saves their checkpoints, then builds and starts the changed and added ones, which
  // resume from those checkpoints, so nothing is lost or read twice. The ring, the output
  // and the unchanged inputs carry on untouched. An error means nothing changed (a new
  // input could not be built, or the pipeline is stopping); otherwise the switch is done
  // and the result lists the inputs that failed to start (each logged, left out).
  base::Result<std::vector<std::string>> ReloadInputs(const config::Config& next,
                                                      const ReloadPlan& plan);

 private:
  void FlushBuffer();
  void PersistCheckpoints();
  // Builds the input `input` of `config` and its processing stage (not started).
  struct BuiltInput {
    std::vector<std::unique_ptr<ProcessingBuffer>> stages;
    std::unique_ptr<Input> input;
  };
  base::Result<BuiltInput> BuildInput(const config::Config& config, std::string_view id);
  // The buffer has one on_space slot (an input's Stop() clears it): fan it out again.
  void ListenForSpace();
  void TellInputsAboutSpace();

  const config::Config& config_;
  base::RealClock clock_;
  buffer::PosixFilesystem filesystem_;
  std::unique_ptr<buffer::Ring> buffer_;
  std::unique_ptr<buffer::CheckpointStore> checkpoints_;
  std::unique_ptr<transport::Credentials> credentials_;
  std::unique_ptr<transport::ElasticsearchOutput> output_;
  uv_loop_t* loop_ = nullptr;
  AgentIdentity identity_;
  // Before inputs_: input i appends through input_stages_[i] when it has processors, so
  // they outlive it. Parallel to inputs_.
  std::vector<std::vector<std::unique_ptr<ProcessingBuffer>>> input_stages_;
  std::vector<std::unique_ptr<Input>> inputs_;
  bool stopping_ = false;
};

}  // namespace agent
