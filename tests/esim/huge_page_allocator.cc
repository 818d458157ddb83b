#include "tests/esim/huge_page_allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

namespace esim {
namespace {

// Memory kept for reuse after a reset; beyond it blocks go back to the OS.
constexpr std::size_t kMaxPooledBytes = std::size_t{4} * 1024 * 1024 * 1024;

std::size_t RoundUp(std::size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

// Freed big blocks by exact (rounded) size: esim's big allocations come in a few sizes
// (powers of two), so exact matching reuses them without waste.
class BlockPool {
 public:
  static BlockPool& Get() {
    // Constructed on first use, destroyed at exit after every user (they live in the
    // Cluster, which main owns).
    static BlockPool pool;
    return pool;
  }

  ~BlockPool() {
    for (const auto& [block, bytes] : free_) std::free(block);
  }

  void* Take(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].second != bytes) continue;
      void* block = free_[i].first;
      pooled_bytes_ -= bytes;
      free_[i] = free_.back();
      free_.pop_back();
      return block;
    }
    return nullptr;
  }

  bool Give(void* block, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pooled_bytes_ + bytes > kMaxPooledBytes) return false;
    free_.emplace_back(block, bytes);
    pooled_bytes_ += bytes;
    return true;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<void*, std::size_t>> free_;  // guarded by mu_
  std::size_t pooled_bytes_ = 0;                     // guarded by mu_
};

}  // namespace

void* AllocateBlock(std::size_t bytes, std::size_t* granted) {
  if (bytes < kHugePageBytes) {
    if (granted != nullptr) *granted = bytes;
    void* small = std::malloc(bytes == 0 ? 1 : bytes);
    if (small == nullptr) std::abort();
    return small;
  }
  const std::size_t rounded = RoundUp(bytes);
  if (granted != nullptr) *granted = rounded;
  if (void* pooled = BlockPool::Get().Take(rounded)) return pooled;
  void* block = std::aligned_alloc(kHugePageBytes, rounded);
  if (block == nullptr) std::abort();
  ::madvise(block, rounded, MADV_HUGEPAGE);
  return block;
}

void FreeBlock(void* block, std::size_t granted_bytes) {
  if (block == nullptr) return;
  if (granted_bytes >= kHugePageBytes && BlockPool::Get().Give(block, RoundUp(granted_bytes))) {
    return;
  }
  std::free(block);
}

}  // namespace esim
