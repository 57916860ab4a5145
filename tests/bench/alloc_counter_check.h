#pragma once
// The allocation counter's own check, for every test binary that links alloc_counter.cpp: its
// "no allocation" assertions would pass vacuously if the replacement operator new were not the
// one in use. Include in exactly one source file of each such binary.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "alloc_counter.h"

namespace aiswatch::bench {
namespace {

// Pointers escape through a volatile so the compiler cannot elide the allocations.
void* volatile escape = nullptr;

TEST(AllocCounter, SeesAllocations) {
  const uint64_t before = allocation_count();
  auto boxed = std::make_unique<std::array<char, 100>>();
  escape = boxed.get();
  std::vector<int> numbers(100);
  escape = numbers.data();
  EXPECT_EQ(allocation_count() - before, 2u);
}

}  // namespace
}  // namespace aiswatch::bench
