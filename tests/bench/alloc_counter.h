#pragma once
// Counts heap allocations made through global operator new in the executable that links
// alloc_counter.cpp (which replaces the global allocation functions; link it into one binary
// only). Used to prove that framing and decoding allocate nothing per message once warm.
#include <cstdint>

namespace aiswatch::bench {

// Number of calls of any global operator new (all forms) since the program started.
uint64_t allocation_count();

}  // namespace aiswatch::bench
