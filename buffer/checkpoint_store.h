// CheckpointStore: where inputs keep their read positions across restarts, keyed by a
// source key (for files: the input id and the file's identity).
//
// Inputs Set() a position only once the events before it are durable in the event
// buffer, and the agent calls Persist() periodically and at shutdown; so after a crash an
// input resumes at or before what the buffer holds (re-reads are answered 409 thanks to
// deterministic _ids, never lost).
//
// File format (text, so an operator can read it; one file, replaced atomically):
//
//   skiff-checkpoints 2\n                                   version line
//   <key>\t<offset>\t<generation>\t<updated_unix_nanos>\t<fp_bytes>:<fp hex>\t<path>\n
//                                                          one per entry, sorted
//   crc32c <8 lowercase hex digits>\n                       CRC-32C of every byte above
//
// Version 1 files (no fingerprint field) are read as entries without a fingerprint.
//
// Keys and paths are escaped: '%', tab, newline and other bytes below 0x20 are written as
// %XX, so any file name survives. A file whose version line is unknown, whose CRC does
// not match (torn or edited), or that does not parse is corrupt: Open() logs it loudly,
// renames it aside to "<file>.corrupt-<unix seconds>" for inspection, and starts empty,
// never crashes. A "<file>.tmp" left by a crash between write and rename is ignored (the
// next Persist() replaces it).
//
// Not thread-safe: owned and used on the event-loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "platforms/base/status.h"

namespace buffer {

struct Checkpoint {
  // Where to resume: the byte just past the last durable line.
  uint64_t offset = 0;
  // The source's generation (bumped on each truncation), part of the document _id.
  uint32_t generation = 0;
  // The path the source was last read under (for operators; identity is the key).
  std::string path;
  // When the position was last advanced.
  int64_t updated_unix_nanos = 0;
  // A hash (XXH64) of the source's first fingerprint_bytes bytes, to tell a new file that
  // got a deleted file's inode from the old one. 0 bytes: none (a source without one, or
  // an empty file).
  uint64_t fingerprint = 0;
  uint32_t fingerprint_bytes = 0;
};

class CheckpointStore {
 public:
  // Loads `file_path`. Missing file: an empty store with first_start() true. Corrupt
  // file: renamed aside, an empty store with first_start() false (so no input skips data
  // with start_at = "end" because of damage). Fails only when the file exists but cannot
  // be read (kIoError), e.g. permissions.
  static base::Result<CheckpointStore> Open(std::string file_path);

  CheckpointStore(CheckpointStore&&) noexcept = default;
  CheckpointStore& operator=(CheckpointStore&&) noexcept = default;
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // True when no checkpoint file existed: the agent's very first start with this store.
  bool first_start() const { return first_start_; }

  std::optional<Checkpoint> Get(std::string_view key) const;
  void Set(std::string_view key, Checkpoint checkpoint);
  void Erase(std::string_view key);

  // Writes the store if it changed since the last successful Persist(): temporary file,
  // fsync, rename, fsync of the directory. Blocking; the file is small (about 100 bytes
  // per source), so this costs a few milliseconds at most every checkpoint interval.
  base::Status Persist();

  bool dirty() const { return dirty_; }
  std::size_t size() const { return entries_.size(); }
  // Every entry, sorted by key (for compaction by the inputs).
  const std::map<std::string, Checkpoint, std::less<>>& entries() const { return entries_; }
  const std::string& file_path() const { return file_path_; }

  // The file's bytes for the current entries (exposed for tests).
  std::string Serialize() const;

 private:
  explicit CheckpointStore(std::string file_path) : file_path_(std::move(file_path)) {}

  // Fills entries_ from a file's bytes; kCorruption says what is wrong.
  base::Status Parse(std::string_view contents);

  std::string file_path_;
  std::map<std::string, Checkpoint, std::less<>> entries_;
  bool first_start_ = false;
  bool dirty_ = false;
};

}  // namespace buffer
