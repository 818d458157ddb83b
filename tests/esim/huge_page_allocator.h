// Big memory blocks for esim's document storage: arena chunks, document tables and their
// hash slots. Blocks of 2 MiB and more are 2 MiB-aligned and advised MADV_HUGEPAGE, so
// gigabytes of stored documents cost few page faults and TLB misses (random probes into a
// 4 KiB-page table miss the TLB nearly every time, which dominates on virtual machines).
// Freed big blocks go to a process-wide pool and are reused before fresh memory is
// faulted in, so a benchmark that resets esim between runs measures esim, not the kernel
// zeroing pages.
#pragma once

#include <cstddef>

namespace esim {

constexpr std::size_t kHugePageBytes = 2 * 1024 * 1024;

// Returns a block of at least `bytes`; *granted (if not null) gets its real size, which
// must be passed back to FreeBlock. Aborts when out of memory (bad_alloc is fatal anyway).
void* AllocateBlock(std::size_t bytes, std::size_t* granted = nullptr);
void FreeBlock(void* block, std::size_t granted_bytes);

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  // A pooled block may be larger than asked; std::allocator's contract only needs at
  // least n objects, and deallocate gets the same n back, so FreeBlock learns the size
  // from the rounding rule rather than from the pool.
  T* allocate(std::size_t n) { return static_cast<T*>(AllocateBlock(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { FreeBlock(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace esim
