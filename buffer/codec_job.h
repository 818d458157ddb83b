// CodecJob: one batch's trip through the libuv thread pool (uv_queue_work), so zstd and
// FlatBuffers never run on the loop thread (DESIGN "Threads"). An encode job turns an
// EventBatch into a frame payload; a decode job checks a frame read from disk (header, CRC)
// and turns its payload back into an EventBatch.
//
// Ownership, the part that matters: the job owns everything the pool thread touches (the
// batch or the frame bytes, its own BatchCodec, the result); the pool thread touches
// nothing else. Start() hands the job to libuv; libuv's after-work callback, on the loop
// thread, hands it back to its Owner, or deletes it when the owner has called Detach()
// (the owner's destructor does, for every job in flight). So a job never reaches a dead
// owner, and an owner never has to wait for a job to die. Jobs are reused: the owner keeps
// finished ones (with their codec and buffer capacity) for the next batch.
//
// Run() is also callable on the loop thread, for a job the owner cancelled before a pool
// thread picked it up, or that it runs inline. WaitUntilRun() lets the owner wait for a job
// that a pool thread is running right now (Ring::Flush).
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "buffer/batch_codec.h"
#include "buffer/event.h"
#include "buffer/frame_format.h"
#include "platforms/base/status.h"

namespace buffer {

class CodecJob {
 public:
  enum class Kind { kEncode, kDecode };

  // Whoever started the job; called on the loop thread.
  class Owner {
   public:
    virtual void OnCodecJobDone(std::unique_ptr<CodecJob> job) = 0;

   protected:
    ~Owner() = default;
  };

  explicit CodecJob(int compression_level);
  CodecJob(const CodecJob&) = delete;
  CodecJob& operator=(const CodecJob&) = delete;

  // Queues the job on the pool of `loop`. On success `job` is left empty: libuv holds the
  // job until it comes back through owner->OnCodecJobDone(); a pointer taken before stays
  // valid (borrowed) until then or until Detach(). On failure `job` still holds it.
  static base::Status Start(uv_loop_t* loop, std::unique_ptr<CodecJob>& job, Owner* owner);

  // The owner goes away: the after-work callback frees the job instead of calling back.
  // Also tries to take a job that no pool thread has picked up yet off the queue.
  void Detach();
  // Takes the job off the pool queue if no pool thread picked it up yet: true when that
  // worked (Run() never runs there; the job comes back cancelled, its inputs untouched).
  bool Cancel();
  // Blocks until Run() has finished on the pool thread running it.
  void WaitUntilRun() const;

  // Does the work (pool thread, or the loop thread for a cancelled or inline job).
  void Run();

  // --- Inputs, set by the owner before Start() or Run(). ---
  Kind kind = Kind::kEncode;
  uint64_t number = 0;  // the owner's name for the job (append number, frame number)
  EventBatch batch;     // encode: the batch (moved in; left in an unspecified state)
  // decode: the whole frame as read from disk, and what the ring expects it to be.
  std::vector<std::byte> frame;
  uint64_t expected_first_seq = 0;

  // --- Outputs, valid once the job came back (or after Run() / WaitUntilRun()). ---
  base::Status status;
  std::vector<std::byte> payload;       // encode: the compressed payload
  FrameHeader header;                   // encode: lengths and event count; first_seq is not set
  std::unique_ptr<EventBatch> decoded;  // decode: the batch (the owner may recycle one in)

 private:
  static void OnWork(uv_work_t* req);
  static void OnAfterWork(uv_work_t* req, int status);
  void Encode();
  void Decode();

  uv_work_t req_{};
  Owner* owner_ = nullptr;         // loop thread only; null once detached
  std::atomic<bool> done_{false};  // Run() finished; release/acquire publish the outputs
  BatchCodec codec_;
};

}  // namespace buffer
