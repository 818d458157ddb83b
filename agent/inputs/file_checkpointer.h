// FileCheckpointer: advances a file input's checkpoints as its batches become durable.
//
// Shared (std::shared_ptr) between a FileTailInput and the on_durable callbacks it hands
// to the event buffer, because the buffer may run those callbacks after the input has
// stopped or been destroyed (the pipeline drains the buffer at shutdown), and each must
// still advance the checkpoint store. The store is borrowed and must outlive every
// callback, i.e. the event buffer's pending batches.
//
// It also counts the batches in flight per checkpoint key, so the checkpoint of a file
// that was deleted and read to its end is forgotten only after its last batch is durable
// (a new file that reuses the inode must not resume at the old file's offset).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "buffer/checkpoint_store.h"

namespace agent {

class FileCheckpointer {
 public:
  explicit FileCheckpointer(buffer::CheckpointStore& store) : store_(store) {}
  FileCheckpointer(const FileCheckpointer&) = delete;
  FileCheckpointer& operator=(const FileCheckpointer&) = delete;

  // Bracket each EventBuffer::Append: BatchAppended before it, AppendFailed when it
  // failed (its callback will never run), BatchDurable from its on_durable callback.
  void BatchAppended(std::string_view key);
  void AppendFailed(std::string_view key);
  void BatchDurable(std::string_view key, buffer::Checkpoint checkpoint);

  // The source is gone for good: once nothing is in flight for it, erase its checkpoint,
  // or replace it with `tombstone` (offset 0 and a later generation) for keys a new file
  // may reuse (FileSourceKey without a birth time), so that file's _ids differ from the
  // old one's.
  void ForgetWhenIdle(std::string_view key,
                      std::optional<buffer::Checkpoint> tombstone = std::nullopt);
  // When `key` is waiting to be forgotten, a file now found under it is new: cancels the
  // pending erase and returns where that file starts (the tombstone, or offset 0 of
  // generation 0 without one). nullopt otherwise.
  std::optional<buffer::Checkpoint> TakeForgotten(std::string_view key);

  std::size_t in_flight(std::string_view key) const;
  buffer::CheckpointStore& store() { return store_; }

 private:
  struct KeyState {
    std::size_t in_flight = 0;
    bool forget_when_idle = false;
    std::optional<buffer::Checkpoint> tombstone;
  };
  void Settle(std::map<std::string, KeyState, std::less<>>::iterator it);

  buffer::CheckpointStore& store_;
  std::map<std::string, KeyState, std::less<>> keys_;
};

}  // namespace agent
