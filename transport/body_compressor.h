// BodyCompressor: gzips request bodies on libuv's thread pool (uv_queue_work), so the loop
// goes on serving inputs, metrics and other requests while a multi-megabyte body
// compresses (about 10 ms per MiB at level 1).
//
// Each job owns its body and a GzipEncoder (zlib state is not thread-safe); encoders are
// kept for reuse, at most one per job that ran at the same time, so memory stays bounded
// by the caller's jobs in flight (the output starts one per request slot).
//
// Lifetimes: the compressor may be destroyed while jobs run; their completions then find
// it gone and free what the job held. The loop must be run until it is empty after that
// (pool jobs finish on the loop), as every owner of skiff's handles already does.
// Loop thread only, except what runs on the pool (the job's own data).
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platforms/base/status.h"
#include "transport/gzip_encoder.h"

namespace transport {

class BodyCompressor {
 public:
  // The compressed body, or why not.
  struct Outcome {
    base::Status status;
    std::string body;  // the gzip member on success; the input, untouched, on failure
  };
  using Done = std::function<void(Outcome)>;

  // `level`: zlib's 1 (fastest) to 9 (smallest). `loop` must outlive the compressor.
  BodyCompressor(uv_loop_t* loop, int level);
  ~BodyCompressor();
  BodyCompressor(const BodyCompressor&) = delete;
  BodyCompressor& operator=(const BodyCompressor&) = delete;

  // Compresses `body` on the thread pool; `done` runs later on the loop (not at all once
  // the compressor is destroyed).
  void Compress(std::string body, Done done);

  int jobs_running() const { return jobs_running_; }

 private:
  struct Job;
  static void Work(uv_work_t* req);
  static void AfterWork(uv_work_t* req, int status);

  uv_loop_t* const loop_;
  const int level_;
  int jobs_running_ = 0;
  std::vector<std::unique_ptr<GzipEncoder>> idle_encoders_;
  // Jobs hold a weak_ptr: they find out whether the compressor still exists.
  std::shared_ptr<BodyCompressor*> self_;
};

}  // namespace transport
