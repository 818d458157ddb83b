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
  const std::vector<std::unique_ptr<Input>>& inputs() const { return inputs_; }
  const buffer::Ring& ring() const { return *buffer_; }
  // OK while skiff can ship; otherwise why not (served by /readyz, so never a secret).
  base::Status Readiness() const;

 private:
  void FlushBuffer();
  void PersistCheckpoints();

  const config::Config& config_;
  base::RealClock clock_;
  buffer::PosixFilesystem filesystem_;
  std::unique_ptr<buffer::Ring> buffer_;
  std::unique_ptr<buffer::CheckpointStore> checkpoints_;
  std::unique_ptr<transport::Credentials> credentials_;
  std::unique_ptr<transport::ElasticsearchOutput> output_;
  // Before inputs_: each input may append through one of these, so they outlive it.
  std::vector<std::unique_ptr<ProcessingBuffer>> processing_buffers_;
  std::vector<std::unique_ptr<Input>> inputs_;
  bool stopping_ = false;
};

}  // namespace agent
