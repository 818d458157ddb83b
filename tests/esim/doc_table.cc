#include "tests/esim/doc_table.h"

#include <functional>
#include <type_traits>

namespace esim {
namespace {

// Grow at half occupancy: linear probing stays at one or two slots per lookup.
constexpr std::size_t kMaxLoadPercent = 50;
constexpr std::size_t kInitialSlots = 1024;
constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

}  // namespace

uint64_t DocTable::Hash(std::string_view key) {
  // libstdc++'s string hash mixes its low bits weakly: ids that differ only in their last
  // characters (counters) cluster under `hash & mask`. Finish with murmur3's fmix64.
  uint64_t x = std::hash<std::string_view>()(key);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::size_t DocTable::Probe(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return kNotFound;
  const std::size_t mask = slots_.size() - 1;
  const uint32_t tag = Tag(hash);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot slot = slots_[i];
    if (slot == 0) return kNotFound;
    if (static_cast<uint32_t>(slot >> 32) == tag) {
      const Entry& entry = EntryAt(static_cast<uint32_t>(slot) - 1);
      if (!entry.erased && entry.key == key) return i;
    }
  }
}

StoredDoc* DocTable::Find(std::string_view key, uint64_t hash) {
  std::size_t i = Probe(key, hash);
  if (i == kNotFound) return nullptr;
  return &EntryAt(static_cast<uint32_t>(slots_[i]) - 1).doc;
}

const StoredDoc* DocTable::Find(std::string_view key) const {
  std::size_t i = Probe(key, Hash(key));
  if (i == kNotFound) return nullptr;
  return &EntryAt(static_cast<uint32_t>(slots_[i]) - 1).doc;
}

StoredDoc& DocTable::Insert(std::string_view key, uint64_t hash, const StoredDoc& doc) {
  if ((used_ + 1) * 100 > slots_.size() * kMaxLoadPercent) Grow();
  const uint32_t n = entries_++;
  if ((n & (kEntriesPerChunk - 1)) == 0) {
    // Entry is trivially copyable and every field is written before it is read.
    static_assert(std::is_trivially_copyable_v<Entry>);
    chunks_.emplace_back(static_cast<Entry*>(AllocateBlock(kEntriesPerChunk * sizeof(Entry))));
  }
  Entry& entry = EntryAt(n);
  entry = Entry{key, doc, hash, false};
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = (static_cast<uint64_t>(Tag(hash)) << 32) | (static_cast<uint64_t>(n) + 1);
  ++used_;
  ++size_;
  return entry.doc;
}

bool DocTable::Erase(std::string_view key, uint64_t hash) {
  std::size_t i = Probe(key, hash);
  if (i == kNotFound) return false;
  // The slot stays occupied (a tombstone) so probe chains through it remain intact.
  EntryAt(static_cast<uint32_t>(slots_[i]) - 1).erased = true;
  --size_;
  return true;
}

void DocTable::Grow() {
  std::size_t capacity = slots_.empty() ? kInitialSlots : slots_.size();
  if ((size_ + 1) * 100 > capacity * kMaxLoadPercent / 2) capacity *= 2;
  std::vector<Slot, HugePageAllocator<Slot>> slots(capacity, 0);
  const std::size_t mask = capacity - 1;
  used_ = 0;
  for (const Slot slot : slots_) {
    if (slot == 0) continue;
    const uint32_t n = static_cast<uint32_t>(slot) - 1;
    const Entry& entry = EntryAt(n);
    if (entry.erased) continue;
    std::size_t i = entry.hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = slot;
    ++used_;
  }
  slots_.swap(slots);
}

}  // namespace esim
