// Pipeline: builds skiff's stages in data-path order and runs them on one libuv loop.
//
//   inputs (file_tail) -> event buffer -> Elasticsearch output
//        ^ checkpoints advance when the buffer reports a batch durable
//
// Build() reads like the data path (Vector's run_inner): the buffer first, then the
// output that drains it, then the inputs that fill it. Stop() is the graceful shutdown of
// DESIGN's contracts: stop reading, ship what is buffered for at most shutdown_timeout,
// persist checkpoints, then call `done`.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <vector>

#include "agent/data_dir.h"
#include "agent/inputs/input.h"
#include "buffer/checkpoint_store.h"
#include "buffer/event_buffer.h"
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
  // Saves what is durable; used when a second signal asks to exit at once.
  void PersistCheckpoints();

  const transport::OutputStats& output_stats() const { return output_->stats(); }

 private:
  const config::Config& config_;
  base::RealClock clock_;
  std::unique_ptr<buffer::EventBuffer> buffer_;
  std::unique_ptr<buffer::CheckpointStore> checkpoints_;
  std::unique_ptr<transport::Credentials> credentials_;
  std::unique_ptr<transport::ElasticsearchOutput> output_;
  std::vector<std::unique_ptr<Input>> inputs_;
  bool stopping_ = false;
};

}  // namespace agent
