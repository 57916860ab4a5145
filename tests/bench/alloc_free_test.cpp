// Framing and decoding of single-sentence position reports must not touch the heap once warm
// (DESIGN.md, Threads: the hot path is allocation-free). This binary links alloc_counter.cpp,
// which counts every global operator new.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "frame_decode.h"
#include "inputs.h"

namespace aiswatch::bench {
namespace {

TEST(AllocFree, FrameAndDecodePositionReportsAfterWarmUp) {
  const std::vector<std::string> lines = make_position_lines(2'000);
  FrameDecode path;
  for (const std::string& line : lines) path.push(line);  // warm-up
  ASSERT_EQ(path.decoded, lines.size()) << "every generated position report should decode";

  const uint64_t before = allocation_count();
  for (int pass = 0; pass < 3; ++pass) {
    for (const std::string& line : lines) path.push(line);
  }
  const uint64_t allocations = allocation_count() - before;
  EXPECT_EQ(allocations, 0u) << "framing+decoding " << 3 * lines.size()
                             << " position reports allocated " << allocations << " times";
  EXPECT_EQ(path.decoded, 4 * lines.size());
}

// Pointers escape through a volatile so the compiler cannot elide the allocations.
void* volatile escape = nullptr;

TEST(AllocFree, CounterSeesAllocations) {  // the check above would pass vacuously otherwise
  const uint64_t before = allocation_count();
  auto boxed = std::make_unique<std::array<char, 100>>();
  escape = boxed.get();
  std::vector<int> numbers(100);
  escape = numbers.data();
  EXPECT_EQ(allocation_count() - before, 2u);
}

}  // namespace
}  // namespace aiswatch::bench
