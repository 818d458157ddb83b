// DocTable: the `_id` -> StoredDoc map of one index. Documents live in fixed-size chunks
// that never move; the hash table is a flat array of 8-byte slots (a hash tag and the
// document's number), probed linearly. Growing rehashes only the slots, and a lookup
// usually touches one slot and one document. (std::unordered_map would cost a node
// allocation per document and three cache misses per lookup.) Keys are views the caller
// keeps alive (DocStore's arena). Not thread-safe; DocStore locks around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tests/esim/huge_page_allocator.h"

namespace esim {

struct StoredDoc {
  std::string_view source;  // empty with --no-source
  int64_t seq_no = 0;
  int64_t version = 1;
};

class DocTable {
 public:
  DocTable() = default;
  DocTable(const DocTable&) = delete;
  DocTable& operator=(const DocTable&) = delete;

  static uint64_t Hash(std::string_view key);

  // The document stored under `key`, or nullptr. Stable until Erase of that key.
  StoredDoc* Find(std::string_view key, uint64_t hash);
  const StoredDoc* Find(std::string_view key) const;
  // Inserts a key known to be absent. `key` must outlive the table.
  StoredDoc& Insert(std::string_view key, uint64_t hash, const StoredDoc& doc);
  bool Erase(std::string_view key, uint64_t hash);

  std::size_t size() const { return size_; }

  // Hints the CPU to load the slot `hash` starts probing at: callers with a batch of keys
  // prefetch a few ahead, so the table's cache misses overlap.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }

  // Calls fn(key, doc) for every document, in insertion order.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (uint32_t n = 0; n < entries_; ++n) {
      const Entry& entry = EntryAt(n);
      if (!entry.erased) fn(entry.key, entry.doc);
    }
  }

 private:
  struct Entry {
    std::string_view key;
    StoredDoc doc;
    uint64_t hash = 0;  // kept so growing never re-reads keys
    bool erased = false;
  };
  struct BlockDeleter {
    void operator()(Entry* p) const { FreeBlock(p, kEntriesPerChunk * sizeof(Entry)); }
  };
  // 0 marks an empty slot; otherwise (hash tag << 32) | (entry number + 1).
  using Slot = uint64_t;

  static constexpr uint32_t kEntriesPerChunk = 1u << 16;

  Entry& EntryAt(uint32_t n) { return chunks_[n >> 16].get()[n & (kEntriesPerChunk - 1)]; }
  const Entry& EntryAt(uint32_t n) const {
    return chunks_[n >> 16].get()[n & (kEntriesPerChunk - 1)];
  }
  // The slot index holding `key`, or npos.
  std::size_t Probe(std::string_view key, uint64_t hash) const;
  void Grow();

  std::vector<std::unique_ptr<Entry, BlockDeleter>> chunks_;  // kEntriesPerChunk each
  uint32_t entries_ = 0;                              // entries appended, erased ones included
  std::vector<Slot, HugePageAllocator<Slot>> slots_;  // size is zero or a power of two
  std::size_t size_ = 0;                              // live documents
  std::size_t used_ = 0;  // occupied slots (live and erased): what bounds probing
};

}  // namespace esim
