// Counting heap allocations, for tests that prove a path allocates nothing per event.
// A test binary that links allocation_counter.cc has the global operator new and delete
// replaced (the documented way: malloc and free underneath) and every new counted. Under
// AddressSanitizer, which owns operator new itself, nothing is replaced or counted.
#pragma once

#include <cstdint>

namespace skiff_test {

// Whether this build counts allocations (false under AddressSanitizer).
bool CountsAllocations();
// Calls of operator new since the process started.
uint64_t Allocations();

}  // namespace skiff_test
