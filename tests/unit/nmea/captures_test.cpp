// Frames every real capture in shared/data/ais (read in place, never copied into the repository)
// and checks that every line is accounted for exactly once, and that the payload counts are the
// ones hand-checked against the README's gpsdecode counts (differences explained per file).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "nmea/framer.h"
#include "support/shared_data.h"

namespace aiswatch::nmea {
namespace {

const std::string data_dir = std::string(AISWATCH_SHARED_DATA_DIR) + "/ais/";

struct Framed {
  bool opened = false;
  FramerStats stats;
  uint64_t payloads_by_time_source[6]{};
  uint64_t multi_sentence_payloads = 0;
};

// Reads with popen so the gz capture is decompressed in a pipe, never written to disk.
Framed frame_file(const std::string& name, FramerConfig config = {}) {
  Framed result;
  const std::string path = data_dir + name;
  const bool gz = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  const std::string command = (gz ? "gzip -dc '" : "cat '") + path + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return result;
  Framer framer(config);
  Payload payload;
  char buffer[4096];
  std::string line;
  bool more = true;
  while (more) {
    more = std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr;
    if (more) {
      line += buffer;
      if (line.back() != '\n' && line.size() < 1 << 16) continue;  // longer than the buffer
    } else if (line.empty()) {
      break;  // the last line had its newline
    }
    const uint64_t stale_before = framer.stats()[RejectReason::stale_fragment] +
                                  framer.stats()[RejectReason::orphan_fragment];
    RejectReason reason{};
    const LineOutcome outcome = framer.push(line, payload, name, std::nullopt, &reason);
    if (std::getenv("NMEA_DUMP") &&
        (outcome == LineOutcome::rejected ||
         stale_before != framer.stats()[RejectReason::stale_fragment] +
                             framer.stats()[RejectReason::orphan_fragment] ||
         (outcome == LineOutcome::payload && payload.time_source == EventTimeSource::none)))
      std::printf("%s %d %s: %s", name.c_str(), static_cast<int>(outcome),
                  std::string(to_string(reason)).c_str(), line.c_str());
    if (outcome == LineOutcome::payload) {
      ++result.payloads_by_time_source[static_cast<std::size_t>(payload.time_source)];
      if (payload.sentence_count > 1) ++result.multi_sentence_payloads;
    }
    const FramerStats& s = framer.stats();
    // The identity holds after every line, not just at the end.
    if (s.lines != s.blank_lines + s.timing_sentences + s.sentences + s.rejected_total() +
                       framer.pending_sentences()) {
      ADD_FAILURE() << name << ": accounting broken at line " << s.lines << ": " << line;
      break;
    }
    line.clear();
  }
  framer.flush();
  result.stats = framer.stats();
  result.opened = result.stats.lines > 0;
  return result;
}

void print(const std::string& name, const Framed& f) {
  const FramerStats& s = f.stats;
  std::printf("%s: lines=%llu blank=%llu timing=%llu sentences=%llu payloads=%llu multi=%llu",
              name.c_str(), (unsigned long long)s.lines, (unsigned long long)s.blank_lines,
              (unsigned long long)s.timing_sentences, (unsigned long long)s.sentences,
              (unsigned long long)s.payloads, (unsigned long long)f.multi_sentence_payloads);
  for (std::size_t i = 0; i < reject_reason_count; ++i)
    std::printf(" %s=%llu", std::string(to_string(static_cast<RejectReason>(i))).c_str(),
                (unsigned long long)s.rejected[i]);
  std::printf(" | time:");
  for (uint64_t n : f.payloads_by_time_source) std::printf(" %llu", (unsigned long long)n);
  std::printf("\n");
}

struct Expected {
  const char* name;
  uint64_t lines, timing, payloads, bad_checksum, malformed, orphan, stale, unsupported, bad_tag;
};

// Hand-checked against the files and the README's gpsdecode counts:
// - ais.txt.gz: 32,455 payloads vs gpsdecode 32,437 messages; no message there spans two
//   sentences. Of the 1,686 malformed, 1,496 are `!=IVDM`/`!=IVDO` lines with correct checksums
//   (corrupted talker); the rest are truncated lines without '*' (e.g. `!AIPWR,UNIT=0,PWV`) and
//   `$=IALR`/`$=IBRF`. The 10,509 unsupported are $xxALR, $xxVSI, $PSHI, $PAIS, $GPxxx, !AIPWR,
//   ... The 18 extra payloads were not traced one by one; they are presumably payloads that
//   gpsdecode frames but cannot decode (its count is of decoded messages).
// - exactEarth files: every sentence frames; gpsdecode's lower counts (3,942, 1,099, 4,224) are
//   presumably payloads it cannot decode (not traced). -3 has 4 `2,2` fragments whose first part is missing (orphans).
// - nmea-timestamped.txt: every tag block has the placeholder checksum `*00`: all 100 lines are
//   bad_tag_block by default, and 100 payloads with accept_unset_tag_block_checksum (below).
// - stream_example.txt: 4,051 payloads, 449 of them two-sentence; gpsdecode 4,018.
// - decode_encode_messages.txt and nmea_data_sample.txt: exactly gpsdecode's 601 and 778; the
//   pyais file has 100 empty payloads (`!AIVDM,1,1,,B,,0*25`, malformed) and first fragments
//   whose second part never came (8 replaced by a new fragment 1, 12 left at end of input).
// - sample.ais: the receiver lost the second fragment of some type 5s (seen twice, as !AIVDM
//   and !ABVDM): 17 replaced by a new fragment 1, 55 dropped after 10 s of event time.
constexpr Expected expected[] = {
    {"amsa-risky/ais.txt.gz", 44687, 26, 32455, 11, 1686, 0, 0, 10509, 0},
    {"amsa-risky/exact-earth-augmented.txt", 7160, 3188, 3972, 0, 0, 0, 0, 0, 0},
    {"amsa-risky/exact-earth-augmented-2.txt", 2138, 1003, 1135, 0, 0, 0, 0, 0, 0},
    {"amsa-risky/exact-earth-augmented-3.txt", 7672, 3355, 4313, 0, 0, 4, 0, 0, 0},
    {"amsa-risky/exact-earth-with-tag-block.txt", 221, 0, 200, 0, 0, 0, 0, 0, 0},
    {"amsa-risky/nmea-timestamped.txt", 100, 0, 0, 0, 0, 0, 0, 0, 100},
    {"dma-aislib/stream_example.txt", 8551, 4051, 4051, 0, 0, 0, 0, 0, 0},
    {"dma-aislib/decode_encode_messages.txt", 646, 0, 601, 0, 0, 0, 0, 0, 0},
    {"simpleais/sample.ais", 10000, 0, 9471, 0, 0, 17, 55, 0, 0},
    {"pyais/nmea_data_sample.txt", 898, 0, 778, 0, 100, 8, 12, 0, 0},
};

TEST(nmea_captures, EveryLineAccountedAndCountsAsHandChecked) {
  AISWATCH_REQUIRE_SHARED_DATA(data_dir);
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.name);
    const Framed f = frame_file(e.name);
    ASSERT_TRUE(f.opened) << "cannot read " << data_dir << e.name;
    const FramerStats& s = f.stats;
    if (std::getenv("NMEA_DUMP")) print(e.name, f);
    EXPECT_EQ(s.lines, s.blank_lines + s.timing_sentences + s.sentences + s.rejected_total());
    EXPECT_EQ(s.lines, e.lines);
    EXPECT_EQ(s.timing_sentences, e.timing);
    EXPECT_EQ(s.payloads, e.payloads);
    EXPECT_EQ(s[RejectReason::bad_checksum], e.bad_checksum);
    EXPECT_EQ(s[RejectReason::malformed], e.malformed);
    EXPECT_EQ(s[RejectReason::orphan_fragment], e.orphan);
    EXPECT_EQ(s[RejectReason::stale_fragment], e.stale);
    EXPECT_EQ(s[RejectReason::unsupported_sentence], e.unsupported);
    EXPECT_EQ(s[RejectReason::bad_tag_block], e.bad_tag);
  }
}

TEST(nmea_captures, TimeSourcesPerFile) {
  AISWATCH_REQUIRE_SHARED_DATA(data_dir);
  auto by = [](const Framed& f, EventTimeSource t) {
    return f.payloads_by_time_source[static_cast<std::size_t>(t)];
  };
  // Every payload of the tag-block file has c:, group second fragments included.
  const Framed tagged = frame_file("amsa-risky/exact-earth-with-tag-block.txt");
  EXPECT_EQ(by(tagged, EventTimeSource::tag_block), 200u);
  EXPECT_EQ(tagged.multi_sentence_payloads, 21u);
  // Every payload of the Gatehouse stream is timed by the $PGHP before it.
  EXPECT_EQ(by(frame_file("dma-aislib/stream_example.txt"), EventTimeSource::gatehouse), 4051u);
  // Every line of sample.ais starts with its receive time.
  EXPECT_EQ(by(frame_file("simpleais/sample.ais"), EventTimeSource::leading), 9471u);
  // exactEarth: $PGHP lines often follow their sentence or another one; only the 295 whose
  // checksum field matches the next message time it, the rest keep the trailing time.
  const Framed ee = frame_file("amsa-risky/exact-earth-augmented.txt");
  EXPECT_EQ(by(ee, EventTimeSource::gatehouse), 295u);
  EXPECT_EQ(by(ee, EventTimeSource::trailing), 3677u);
  const Framed ais = frame_file("amsa-risky/ais.txt.gz");
  EXPECT_EQ(by(ais, EventTimeSource::trailing), 851u);
  EXPECT_EQ(by(ais, EventTimeSource::gatehouse), 4u);
  // With the `*00` placeholder accepted, nmea-timestamped.txt yields all 100 with c: times.
  FramerConfig lenient;
  lenient.accept_unset_tag_block_checksum = true;
  const Framed ts = frame_file("amsa-risky/nmea-timestamped.txt", lenient);
  EXPECT_EQ(ts.stats.payloads, 100u);
  EXPECT_EQ(by(ts, EventTimeSource::tag_block), 100u);
}

}  // namespace
}  // namespace aiswatch::nmea
