#include "tests/support/allocation_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

// GCC says __SANITIZE_ADDRESS__, clang answers __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define SKIFF_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SKIFF_UNDER_ASAN 1
#endif
#endif
#ifndef SKIFF_UNDER_ASAN
#define SKIFF_UNDER_ASAN 0
#endif

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

namespace skiff_test {
bool CountsAllocations() { return !SKIFF_UNDER_ASAN; }
uint64_t Allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace skiff_test

#if !SKIFF_UNDER_ASAN
// GCC flags the malloc/free pairing once inlined, though it is the documented way.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif
