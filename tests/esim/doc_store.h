// DocStore: esim's in-memory indices. Each index maps `_id` to the stored document (its
// source bytes, `_version`, `_seq_no`). Document bytes and ids are copied into a per-index
// arena, so storing a document costs one copy and one hash-map node, no other allocation.
//
// Thread safety: every public method takes the store's mutex. A bulk request applies all
// its writes through one Writer, which holds the mutex for its lifetime, so a request's
// writes are atomic with respect to reads and other requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/esim/doc_table.h"

namespace esim {

// Append-only byte storage; views stay valid until the arena is destroyed. Chunks grow
// geometrically and come from AllocateBlock (huge pages, pooled across resets).
class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  std::string_view Copy(std::string_view bytes);
  std::size_t bytes_used() const { return used_; }

 private:
  static constexpr std::size_t kFirstChunkBytes = 256 * 1024;
  static constexpr std::size_t kMaxChunkBytes = 64 * 1024 * 1024;
  struct Chunk {
    void* data;
    std::size_t bytes;
  };
  std::vector<Chunk> chunks_;  // owned; given back with FreeBlock by the destructor
  std::size_t next_chunk_bytes_ = kFirstChunkBytes;
  char* next_ = nullptr;
  std::size_t left_ = 0;
  std::size_t used_ = 0;
};

// A copy of one document, safe to use after the lock is released.
struct DocSnapshot {
  std::string index_name;  // as reported in responses (a data stream's backing index)
  std::string source;
  int64_t seq_no = 0;
  int64_t version = 1;
};

enum class WriteOp { kCreate, kIndex, kDelete };

enum class WriteResult {
  kCreated,   // 201 "created"
  kUpdated,   // 200 "updated"
  kDeleted,   // 200 "deleted"
  kNotFound,  // 404 "not_found" (delete of a missing id)
  kConflict,  // 409: create of an existing id, or a failed if_seq_no check
};

struct WriteOutcome {
  WriteResult result = WriteResult::kCreated;
  int64_t seq_no = 0;
  int64_t version = 1;
  // For kConflict: the current document's version and seq_no.
  int64_t current_version = 0;
  int64_t current_seq_no = 0;
  std::string_view reported_index;  // valid while the Writer lives
  std::string_view index_uuid;      // valid while the Writer lives
};

class DocStore {
 private:
  struct Index;

 public:
  // `keep_source` false stores ids and counts only (for benchmarks).
  explicit DocStore(bool keep_source);
  ~DocStore();
  DocStore(const DocStore&) = delete;
  DocStore& operator=(const DocStore&) = delete;

  // Applies a request's writes under the store lock.
  class Writer {
   public:
    explicit Writer(DocStore& store);
    // Writes one document. `id_hash` is DocTable::Hash(id). `if_seq_no` >= 0 makes the
    // write conditional (CAS).
    WriteOutcome Write(WriteOp op, std::string_view index, std::string_view id, uint64_t id_hash,
                       std::string_view source, int64_t if_seq_no = -1);
    // Starts loading the table slot a later Write of `id_hash` into `index` will probe, so
    // the cache misses of consecutive writes overlap. A no-op for an index not yet used.
    void Prefetch(std::string_view index, uint64_t id_hash) const;
    // Creates `index` if missing: an item that failed on its shard (a mapping error, a
    // rejection) still auto-created its index, as in ES.
    void EnsureIndex(std::string_view index);

   private:
    DocStore& store_;
    std::unique_lock<std::mutex> lock_;
    Index* last_index_ = nullptr;
  };

  // Creates an empty index. False when it exists.
  bool CreateIndex(std::string_view name);
  // Deletes the index and drops it from its aliases.
  bool DeleteIndex(std::string_view name);
  bool IndexExists(std::string_view name) const;

  // Aliases: names that stand for indices. A write through an alias goes to its write
  // index, or to its only index; otherwise it fails as in ES.
  void PutAlias(std::string_view index, std::string_view alias, bool is_write_index);
  bool IsAlias(std::string_view name) const;
  bool has_aliases() const { return has_aliases_.load(std::memory_order_relaxed); }
  // The concrete index a write to `name` lands in; nullopt (with ES's reason in *error)
  // when `name` is an alias without a write index.
  std::optional<std::string> ResolveWriteIndex(std::string_view name, std::string* error) const;
  // Aliases of `index`, sorted.
  std::vector<std::string> AliasesOf(std::string_view index) const;
  // Documents in the indices named by `expression` (comma list, `*` wildcards, `_all`).
  // nullopt names the first concrete index that does not exist.
  std::optional<uint64_t> Count(std::string_view expression, std::string* missing) const;
  std::optional<DocSnapshot> Get(std::string_view index, std::string_view id) const;
  // Appends one {"_index","_id","_source"} line per document of `index` (all when empty),
  // in write order. Returns false when the named index does not exist.
  bool Dump(std::string_view index, std::string& out) const;
  // Names and document counts of all indices, sorted by name.
  std::vector<std::pair<std::string, uint64_t>> ListIndices() const;
  void Reset();

  uint64_t documents() const { return documents_.load(std::memory_order_relaxed); }
  bool keep_source() const { return keep_source_; }

  // Names that ES 8's built-in templates turn into data streams (logs-*-*, metrics-*-*,
  // synthetics-*-*).
  static bool IsDataStreamName(std::string_view name);
  // Why ES would refuse `name` as an index name ("must be lowercase"), or nullopt.
  static std::optional<std::string> InvalidIndexNameReason(std::string_view name);

 private:
  Index& GetOrCreateLocked(std::string_view name);
  void DumpIndexLocked(const Index& index, std::string& out) const;

  const bool keep_source_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Index>, std::less<>> indices_;  // guarded by mu_
  struct Alias {
    std::vector<std::string> indices;
    std::string write_index;  // empty: none designated
  };
  std::map<std::string, Alias, std::less<>> aliases_;  // guarded by mu_
  std::atomic<bool> has_aliases_{false};
  std::atomic<uint64_t> documents_{0};
  uint64_t uuid_counter_ = 0;  // guarded by mu_
};

// Matches `name` against a glob with `*` wildcards.
bool GlobMatch(std::string_view pattern, std::string_view name);

}  // namespace esim
