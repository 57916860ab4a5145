// Framing and decoding of single-sentence position reports must not touch the heap once warm
// (DESIGN.md, Threads: the hot path is allocation-free). This binary links alloc_counter.cpp,
// which counts every global operator new.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc_counter.h"
#include "alloc_counter_check.h"
#include "frame_decode.h"
#include "inputs.h"
#include "nmea/framer.h"

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

TEST(AllocFree, FramingOfTimedAndMultiSentenceLinesAfterWarmUp) {
  nmea::Framer framer;
  nmea::Payload payload;
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
  for (const std::string& line : lines) framer.push(line, payload, "feed", 1);  // warm up
  const uint64_t before = allocation_count();
  for (int i = 0; i < 1000; ++i)
    for (const std::string& line : lines) framer.push(line, payload, "feed", 1);
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_EQ(framer.stats().payloads, 1001u * 4);
}

}  // namespace
}  // namespace aiswatch::bench
