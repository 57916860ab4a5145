// Framer::save_state / restore_state: a framer restored from a checkpoint taken between the
// sentences of split messages frames the rest of the feed exactly as the framer that never
// stopped; a truncated or corrupt state is refused and never crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "nmea/framer.h"
#include "state/archive.h"
#include "support/bit_flips.h"

namespace aiswatch::nmea {
namespace {

// "!" + body + "*hh" with the right checksum.
std::string bang(std::string_view body, char start = '!') {
  char hex[4];
  std::snprintf(hex, sizeof hex, "%02X", nmea_checksum(body));
  return std::string(1, start) + std::string(body) + "*" + hex;
}
// "\" + text + "*hh\" with the right checksum.
std::string tag(std::string_view text) {
  char hex[4];
  std::snprintf(hex, sizeof hex, "%02X", nmea_checksum(text));
  return "\\" + std::string(text) + "*" + hex + "\\";
}

struct Line {
  std::string text;
  std::string feed;
  std::optional<int64_t> arrival_ms;
};

// What one push produced, as text, so that two framers' results compare in one EXPECT_EQ.
std::string push(Framer& framer, const Line& line) {
  Payload p;
  RejectReason reason = RejectReason::count_;
  const LineOutcome outcome = framer.push(line.text, p, line.feed, line.arrival_ms, &reason);
  std::string out = "outcome " + std::to_string(static_cast<int>(outcome));
  if (outcome == LineOutcome::rejected) out += " reason " + std::string(to_string(reason));
  if (outcome == LineOutcome::payload) {
    out += " armored " + std::string(p.armored) + " fill " + std::to_string(p.fill_bits) +
           " channel " + std::to_string(p.channel) + " talker " + std::string(p.talker.data(), 2) +
           " own " + std::to_string(p.own_ship) + " count " + std::to_string(p.sentence_count) +
           " time " + (p.event_time_ms ? std::to_string(*p.event_time_ms) : "none") + " source " +
           std::to_string(static_cast<int>(p.time_source)) + " tag " + std::string(p.tag_source);
  }
  return out + " pending " + std::to_string(framer.pending_messages()) + "/" +
         std::to_string(framer.pending_sentences());
}

FramerConfig small_config() {
  FramerConfig config;
  config.max_pending_messages = 6;
  config.max_fragment_age_lines = 20;
  config.max_fragment_age_ms = 10'000;
  return config;
}

// The receive time in message B's tag block; the other lines' times are close to it.
constexpr int64_t t0 = 1'334'337'317'000;
const std::string plain = "!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E";

// Fragments of the messages split across the checkpoint.
const std::string a1 = tag("g:1-2-77,s:rxA") + bang("ABVDO,2,1,1,B,55NBjP01mtGIL@CW,0");
const std::string a2 = tag("g:2-2-77") + bang("ABVDO,2,2,1,B,88AA,2");
const std::string b1 = tag("s:rxB,c:1334337317") + bang("AIVDM,3,1,2,A,53`eSP025ij108M,0");
const std::string b2 = bang("AIVDM,3,2,2,A,:221<D60`4<f22,0");
const std::string b3 = bang("AIVDM,3,3,2,A,53mp8888,2");
const std::string c1 = bang("AIVDM,2,1,3,A,55CCCCCCCC,0");
const std::string c2 = bang("AIVDM,2,2,3,A,8C,2");
const std::string d1 = bang("BSVDM,2,1,4,1,55DDDDDDDD,0");
const std::string d2 = bang("BSVDM,2,2,4,1,8D,2");
const std::string e1 = bang("AIVDM,2,1,5,2,55EEEEEEEE,0");
const std::string e2 = bang("AIVDM,2,2,5,2,8E,2");

// The checksum of a sentence line (its last two characters).
uint8_t checksum_of(const std::string& line) {
  return static_cast<uint8_t>(std::stoi(line.substr(line.size() - 2), nullptr, 16));
}

// Everything before the checkpoint: ten lines without time, then split messages of every key
// kind, and a $PGHP that times message A (by the XOR of its fragments' checksums).
std::vector<Line> before_checkpoint() {
  std::vector<Line> lines;
  for (int i = 0; i < 10; ++i) lines.push_back({plain, "", std::nullopt});
  // X completes before the checkpoint: the table's order is no longer the order of arrival.
  lines.push_back({bang("AIVDM,2,1,0,B,55XXXX,0"), "", std::nullopt});
  lines.push_back({c1, "", std::nullopt});
  lines.push_back({d1, "feedD", std::nullopt});
  lines.push_back({e1, "", t0 - 5'000});
  lines.push_back({a1, "feedA", t0 - 4'000});
  lines.push_back({bang("AIVDM,2,2,0,B,8X,2"), "", std::nullopt});
  lines.push_back({b1, "", std::nullopt});
  lines.push_back({b2, "", std::nullopt});
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", checksum_of(a1) ^ checksum_of(a2));
  lines.push_back(
      {bang("PGHP,1,2010,6,11,11,46,11,929,244,0,,1," + std::string(hex), '$'), "", std::nullopt});
  return lines;
}

// Everything after it: every split message completes, is evicted or ages out.
std::vector<Line> after_checkpoint() {
  std::vector<Line> lines;
  lines.push_back({a2, "feedA", t0 + 1'000});   // gatehouse time, source rxA, own ship
  lines.push_back({b3, "", std::nullopt});      // joins B (untagged continuation), tag time
  for (const char id : {'6', '7', '8', '9'}) {  // fill the table; the last evicts C, the oldest
    lines.push_back({bang(std::string("AIVDM,2,1,") + id + ",A,55FFFF,0"), "", std::nullopt});
  }
  lines.push_back({c2, "", std::nullopt});
  lines.push_back({plain, "", t0 + 20'000});  // E ages out by time
  lines.push_back({e2, "", std::nullopt});
  for (int i = 0; i < 6; ++i) lines.push_back({plain, "", std::nullopt});  // D ages out
  lines.push_back({d2, "feedD", std::nullopt});
  for (const char id : {'6', '7', '8', '9'})
    lines.push_back({bang(std::string("AIVDM,2,2,") + id + ",A,8F,2"), "", std::nullopt});
  return lines;
}

std::string saved(const Framer& framer) {
  state::StateWriter out;
  framer.save_state(out);
  return out.take();
}

TEST(FramerState, RestoredFramerFramesTheRestOfTheFeedAsTheOriginal) {
  Framer original(small_config());
  for (const Line& line : before_checkpoint()) push(original, line);
  ASSERT_EQ(original.pending_messages(), 5u);  // C, D, E, A, and B with two fragments

  const std::string bytes = saved(original);
  Framer restored(small_config());
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(restored.pending_messages(), original.pending_messages());
  EXPECT_EQ(restored.pending_sentences(), original.pending_sentences());
  EXPECT_EQ(restored.stats().lines, 0u);  // statistics are not kept

  std::size_t payloads = 0;
  for (const Line& line : after_checkpoint()) {
    const std::string expected = push(original, line);
    EXPECT_EQ(push(restored, line), expected) << line.text;
    if (expected.starts_with("outcome 0")) ++payloads;
  }
  EXPECT_GE(payloads, 4u);
  // The split messages came out whole, with what their first fragments carried.
  Framer check(small_config());
  for (const Line& line : before_checkpoint()) push(check, line);
  const std::string first = push(check, after_checkpoint()[0]);
  EXPECT_NE(first.find("armored 55NBjP01mtGIL@CW88AA"), std::string::npos) << first;
  EXPECT_NE(first.find("talker AB own 1 count 2 time 1276256771929"), std::string::npos) << first;
  EXPECT_NE(first.find("tag rxA"), std::string::npos) << first;
}

TEST(FramerState, EmptyFramerRoundTrips) {
  Framer original;
  const std::string bytes = saved(original);
  Framer restored;
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  Payload p;
  EXPECT_EQ(restored.push(plain, p), LineOutcome::payload);
}

TEST(FramerState, SmallerTableDropsTheOldestMessages) {
  Framer original(small_config());
  for (const Line& line : before_checkpoint()) push(original, line);
  const std::string bytes = saved(original);
  FramerConfig config = small_config();
  config.max_pending_messages = 2;
  Framer restored(config);
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_EQ(restored.pending_messages(), 2u);
  // A and B are the newest; C (the oldest) is gone.
  EXPECT_NE(push(restored, {a2, "feedA", t0 + 1'000}).find("armored 55NBjP01mtGIL@CW88AA"),
            std::string::npos);
  EXPECT_NE(push(restored, {b3, "", std::nullopt}).find("outcome 0"), std::string::npos);
  EXPECT_NE(push(restored, {c2, "", std::nullopt}).find("reason orphan_fragment"),
            std::string::npos);
}

TEST(FramerState, EveryTruncationIsRefusedWithAReason) {
  Framer original(small_config());
  for (const Line& line : before_checkpoint()) push(original, line);
  const std::string bytes = saved(original);
  for (std::size_t keep = 0; keep < bytes.size(); ++keep) {
    Framer restored(small_config());
    state::StateReader in(std::string_view(bytes).substr(0, keep));
    restored.restore_state(in);
    EXPECT_FALSE(in.ok()) << keep;
    EXPECT_NE(in.error(), "") << keep;
  }
}

TEST(FramerState, CorruptBytesNeverCrash) {
  Framer original(small_config());
  for (const Line& line : before_checkpoint()) push(original, line);
  const std::string bytes = saved(original);
  uint64_t x = 88172645463325252ull;  // xorshift: the same flips on every run
  std::size_t refused = 0;
  for (int trial = 0; trial < 500; ++trial) {
    std::string corrupt = bytes;
    aiswatch::testing::flip_bits(corrupt, x, 1 + trial % 4);
    Framer restored(small_config());
    state::StateReader in(corrupt);
    restored.restore_state(in);
    if (!in.ok()) {
      EXPECT_NE(in.error(), "");
      ++refused;
      continue;
    }
    // A flip that still parses must leave a framer that runs on.
    for (const Line& line : after_checkpoint()) push(restored, line);
    restored.flush();
    EXPECT_EQ(restored.pending_sentences(), 0u);
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace aiswatch::nmea
