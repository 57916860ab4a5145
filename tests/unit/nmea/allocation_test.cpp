// The single-sentence path must not allocate: counts global operator new calls around a burst of
// pushes. (This executable's operator new is replaced for that purpose; it forwards to malloc.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "nmea/framer.h"

namespace {
std::atomic<uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace aiswatch::nmea {
namespace {

TEST(nmea_allocation, NoneOnTheHotPathAfterWarmUp) {
  Framer framer;
  Payload p;
  const std::string lines[] = {
      // Real: simpleais/sample.ais, exact-earth-with-tag-block.txt, exact-earth-augmented.txt,
      // dma-aislib/stream_example.txt (a $PGHP and its two-sentence group).
      "1452468552.938 !AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E\r\n",
      R"(\s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NWuLhuRb5QHfCpPcwj`26B0<02,0*5F)",
      "!AIVDM,1,1,,B,>=on9A>W8NbdA@3HkLWJ9rlB<@Wjf@,4*00,1327992119205",
      "$PGHP,1,2010,6,11,11,46,11,929,244,0,,1,72*21",
      "!AIVDM,2,1,1,,53cMa3@000010WSW?V105=<45B2222222222220t388151:9e2UiDm851DTh,0*65",
      "!AIVDM,2,2,1,,j1C32CQp888,2*17",
  };
  for (const std::string& line : lines) framer.push(line, p, "feed", 1);  // warm up
  const uint64_t before = allocations.load();
  for (int i = 0; i < 1000; ++i)
    for (const std::string& line : lines) framer.push(line, p, "feed", 1);
  EXPECT_EQ(allocations.load() - before, 0u);
  EXPECT_EQ(framer.stats().payloads, 1001u * 4);
}

}  // namespace
}  // namespace aiswatch::nmea
