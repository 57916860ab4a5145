// Tracker::save_state / restore_state: a tracker restored from a checkpoint continues exactly as
// the tracker that never stopped — the same vessels in the same slots, the same free slots taken
// in the same order, the same tracks, neighbours, silences and evictions; a truncated or corrupt
// state is refused and never crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "state/archive.h"
#include "support/bit_flips.h"
#include "track/tracker.h"
#include "track_test_support.h"

namespace aiswatch::track {
namespace {

using namespace test;

struct Event {
  ais::Message message;
  int64_t t = 0;
  std::string source;
};

// A deterministic feed: `vessels` MMSIs from `first`, most of them in a crowded anchorage (a few
// grid cells) and some under way; late reports, copies from a second station, impossible jumps
// and static data among them. Vessels below `first + quiet_from` stop reporting half way.
class Feed {
 public:
  explicit Feed(uint64_t seed) : x_(seed) {}

  std::vector<Event> make(int64_t from, int64_t duration, uint32_t first, uint32_t vessels,
                          uint32_t quiet_below) {
    std::vector<Event> events;
    for (int64_t t = from; t < from + duration; t += 1 + next() % (20 * s)) {
      const auto i = static_cast<uint32_t>(next() % vessels);
      const uint32_t mmsi = 445'000'000 + (first + i) * 1'000;
      if (first + i < quiet_below && t > from + duration / 2) continue;
      const double lat = 38.5 + static_cast<double>(next() % 100) * 0.0001 + (i % 7) * 0.003;
      const double lon = 124.0 + static_cast<double>(next() % 100) * 0.0001 + (i % 5) * 0.004;
      const auto second = static_cast<uint8_t>(t / s % 60);
      switch (next() % 16) {
        case 0: {  // static and voyage data
          ais::StaticVoyageData m;
          m.header = header(5, mmsi);
          m.shipname = text<20>(i % 2 ? "CHON MA SAN" : "XIN YUAN 18");
          m.callsign = text<7>("HMYJ");
          m.imo = 8'916'607 + i;
          m.shiptype = static_cast<uint8_t>(80 + next() % 5);
          m.to_bow = 90;
          m.to_stern = static_cast<uint16_t>(20 + i);
          m.to_port = 8;
          m.to_starboard = 10;
          m.draught = 6.2 + static_cast<double>(next() % 3);
          m.destination = text<20>("NAMPO");
          events.push_back({m, t, "rx1"});
          break;
        }
        case 1:  // an impossible jump (or, repeated, a track restart)
          events.push_back({class_a(mmsi, lat + 1.0, lon, 11.0, 80.0, second), t, "rx1"});
          break;
        case 2:  // late: heard by a satellite minutes ago, or before the whole track
          events.push_back({class_a(mmsi, lat, lon, 9.0, 95.0, second),
                            t - (next() % 2 ? 3 : 35) * minute, "sat-longname-x"});
          break;
        default: {
          const ais::Message m = class_a(mmsi, lat, lon, next() % 4 ? 0.3 : 12.0, 90.0, second);
          events.push_back({m, t, i % 3 ? "rx1" : "rx2"});
          if (next() % 4 == 0) events.push_back({m, t + 2 * s, "rx3"});  // another station
        }
      }
    }
    return events;
  }

 private:
  uint64_t next() {  // xorshift64
    x_ ^= x_ << 13, x_ ^= x_ >> 7, x_ ^= x_ << 17;
    return x_;
  }
  uint64_t x_;
};

TrackerConfig config(std::size_t points = 6) {
  TrackerConfig c;
  c.eviction_horizon_ms = 40 * minute;
  c.max_history_points = points;
  return c;
}

std::string dump(const Tracker& tracker, const VesselState& v) {
  std::string out = "slot " + std::to_string(tracker.slot_of(v)) + " mmsi " +
                    std::to_string(v.mmsi) + " cat " +
                    std::to_string(static_cast<int>(v.category)) + " flag " +
                    (v.flag ? std::string(v.flag->iso2) : "-") + " seen " +
                    std::to_string(v.first_seen_ms) + ".." + std::to_string(v.last_heard_ms);
  for (const auto& r : v.recent)
    out += " h" + std::to_string(r.hash) + "@" + std::to_string(r.time_ms);
  out += " rn " + std::to_string(v.recent_next) + " sources";
  for (std::size_t i = 0; i < v.source_count; ++i) {
    out += " " + std::string(v.sources[i].name.data(), v.sources[i].name.size()) + "/" +
           std::to_string(v.sources[i].name_length) + "@" + std::to_string(v.sources[i].last_ms);
  }
  out += " track " + std::to_string(v.track_begin) + "+" + std::to_string(v.track_count) + "/" +
         std::to_string(v.track_capacity);
  for (std::size_t i = 0; i < v.track_size(); ++i) {
    const TrackPoint& p = v.track_at(i);
    out += " " + std::to_string(p.time_ms) + ":" + std::to_string(p.lat) + "," +
           std::to_string(p.lon) + "," + std::to_string(p.speed_tenths) + "," +
           std::to_string(p.course_tenths);
  }
  out += " streak " + std::to_string(v.rejected_streak) + " reasserted " +
         std::to_string(v.track_reasserted);
  if (v.position) {
    const PositionFix& f = *v.position;
    out += " pos " + std::to_string(f.time_ms) + ":" + std::to_string(f.lat) + "," +
           std::to_string(f.lon) + " sog " + std::to_string(f.speed_knots.value_or(-1)) + " cog " +
           std::to_string(f.course_deg.value_or(-1)) + " hdg " +
           std::to_string(f.heading_deg.value_or(999)) + " nav " +
           std::to_string(f.nav_status.value_or(99)) + " type " + std::to_string(f.message_type) +
           " acc " + std::to_string(f.accuracy);
  }
  const StaticData& st = v.statics;
  out += " static " + std::string(st.name.view()) + "/" + std::string(st.callsign.view()) + "/" +
         std::string(st.destination.view()) + " imo " + std::to_string(st.imo.value_or(0)) +
         " type " + std::to_string(st.ship_type.value_or(0)) + " draught " +
         std::to_string(st.draught_m.value_or(-1)) + " dim " + std::to_string(st.to_bow) + "," +
         std::to_string(st.to_stern) + "," + std::to_string(st.to_port) + "," +
         std::to_string(st.to_starboard) + " mother " + std::to_string(st.mothership_mmsi) +
         " set " + std::to_string(st.name_seen_ms) + "," + std::to_string(st.identity_seen_ms) +
         "," + std::to_string(st.voyage_seen_ms);
  for (const RejectedFix& r : v.rejected) {
    out += " rej " + std::to_string(r.time_ms) + ":" + std::to_string(r.lat) + "," +
           std::to_string(r.lon) + "," + std::to_string(r.implied_knots) + "," +
           std::to_string(static_cast<int>(r.reason));
  }
  return out + " rc " + std::to_string(v.rejected_count) + " rnx " +
         std::to_string(v.rejected_next) + " lot " + std::to_string(v.late_outside_track);
}

std::string dump(const Tracker& tracker, const UpdateResult& r) {
  std::string out = std::string(to_string(r.outcome)) + " late " + std::to_string(r.late) + " t " +
                    std::to_string(r.event_time_ms) + " prev " +
                    std::to_string(r.previous_last_heard_ms) + " changes " +
                    std::to_string(r.changes);
  if (r.vessel) out += " " + dump(tracker, *r.vessel);
  return out;
}

// What the detectors can see of the whole tracker, in the order they see it.
std::string dump_queries(const Tracker& tracker) {
  std::string out = "watermark " + std::to_string(tracker.watermark()) + " max " +
                    std::to_string(tracker.max_event_time()) + " size " +
                    std::to_string(tracker.size()) + " slots " +
                    std::to_string(tracker.slot_count()) + " near";
  tracker.for_each_neighbour(38.51, 124.01, 1'500.0, [&](const VesselState& v, double m) {
    out += " " + std::to_string(tracker.slot_of(v)) + "@" + std::to_string(m);
  });
  out += " silent";
  tracker.for_each_last_heard_in(
      tracker.watermark() - 30 * minute, tracker.watermark(),
      [&](const VesselState& v) { out += " " + std::to_string(tracker.slot_of(v)); });
  return out;
}

struct Observed {
  Tracker tracker;
  std::vector<std::string> evictions;
  explicit Observed(const TrackerConfig& c) : tracker(c) {
    tracker.set_eviction_listener([this](const VesselState& v) {
      evictions.push_back(std::to_string(tracker.slot_of(v)) + ":" + std::to_string(v.mmsi));
    });
  }
};

std::string saved(const Tracker& tracker) {
  state::StateWriter out;
  tracker.save_state(out);
  return out.take();
}

// Before the checkpoint: 30 vessels for three hours, the first 12 of which fall silent and are
// evicted, so that slots are free and the free list is in eviction order.
std::vector<Event> before_checkpoint() { return Feed(7).make(t0, 3 * hour, 0, 30, 12); }
// After it: vessels 10..44, so new ones take the free slots.
std::vector<Event> after_checkpoint() { return Feed(11).make(t0 + 3 * hour, 2 * hour, 10, 35, 0); }

TEST(TrackerState, RestoredTrackerContinuesAsTheOriginal) {
  Observed original(config());
  for (const Event& e : before_checkpoint()) original.tracker.update(e.message, e.t, e.source);
  ASSERT_GT(original.evictions.size(), 5u);
  ASSERT_LT(original.tracker.size(), original.tracker.slot_count());  // free slots exist

  const std::string bytes = saved(original.tracker);
  Observed restored(config());
  state::StateReader in(bytes);
  restored.tracker.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_TRUE(restored.evictions.empty());
  EXPECT_EQ(restored.tracker.stats().messages, 0u);  // statistics are not kept
  EXPECT_EQ(dump_queries(restored.tracker), dump_queries(original.tracker));
  for (uint32_t i = 0; i < 30; ++i) {
    const uint32_t mmsi = 445'000'000 + i * 1'000;
    const VesselState* a = original.tracker.find(mmsi);
    const VesselState* b = restored.tracker.find(mmsi);
    ASSERT_EQ(a == nullptr, b == nullptr) << mmsi;
    if (a) {
      EXPECT_EQ(dump(restored.tracker, *b), dump(original.tracker, *a));
    }
  }

  std::size_t new_vessels = 0;
  for (const Event& e : after_checkpoint()) {
    const UpdateResult a = original.tracker.update(e.message, e.t, e.source);
    const std::string expected = dump(original.tracker, a);
    const UpdateResult b = restored.tracker.update(e.message, e.t, e.source);
    ASSERT_EQ(dump(restored.tracker, b), expected);
    ASSERT_EQ(dump_queries(restored.tracker), dump_queries(original.tracker));
    if (a.changes & change_new_vessel) ++new_vessels;
  }
  EXPECT_GT(new_vessels, 5u);
  const int64_t end = original.tracker.max_event_time() + 2 * hour;
  EXPECT_EQ(restored.tracker.advance_watermark(end), original.tracker.advance_watermark(end));
  original.evictions.erase(
      original.evictions.begin(),
      original.evictions.end() - static_cast<std::ptrdiff_t>(restored.evictions.size()));
  EXPECT_EQ(restored.evictions, original.evictions);
  EXPECT_EQ(restored.tracker.size(), 0u);
}

TEST(TrackerState, EmptyTrackerRoundTrips) {
  Tracker original(config());
  const std::string bytes = saved(original);
  Tracker restored(config());
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(restored.watermark(), INT64_MIN);
  EXPECT_EQ(restored.update(class_a(445'000'000, 38.5, 124.0), t0).outcome,
            UpdateOutcome::accepted);
}

TEST(TrackerState, SmallerTrackKeepsTheNewestPoints) {
  Tracker original(config(8));
  for (const Event& e : before_checkpoint()) original.update(e.message, e.t, e.source);
  const std::string bytes = saved(original);
  Tracker restored(config(3));
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  std::size_t longer = 0;
  for (uint32_t i = 0; i < 30; ++i) {
    const VesselState* a = original.find(445'000'000 + i * 1'000);
    const VesselState* b = restored.find(445'000'000 + i * 1'000);
    ASSERT_EQ(a == nullptr, b == nullptr);
    if (!a) continue;
    EXPECT_EQ(restored.slot_of(*b), original.slot_of(*a));
    ASSERT_EQ(b->track_size(), std::min<std::size_t>(a->track_size(), 3));
    EXPECT_EQ(b->track_capacity, 3u);
    if (a->track_size() > 3) ++longer;
    for (std::size_t k = 0; k < b->track_size(); ++k) {
      const TrackPoint& p = a->track_at(a->track_size() - b->track_size() + k);
      EXPECT_EQ(b->track_at(k).time_ms, p.time_ms);
      EXPECT_EQ(b->track_at(k).lat, p.lat);
      EXPECT_EQ(b->track_at(k).lon, p.lon);
    }
  }
  EXPECT_GT(longer, 0u);
  // And it runs on.
  for (const Event& e : after_checkpoint()) restored.update(e.message, e.t, e.source);
}

// A small state, so that every prefix can be tried.
std::string small_state() {
  Tracker tracker(config());
  tracker.update(class_a(445'000'000, 38.5, 124.0), t0);
  tracker.update(class_a(445'001'000, 38.5, 124.001), t0 + s);
  tracker.update(class_a(445'001'000, 39.5, 124.001), t0 + 2 * s);  // rejected
  tracker.update(class_a(352'001'000, 38.6, 124.1), t0 + 3 * s, "rx1");
  tracker.advance_watermark(t0 + 45 * minute);
  tracker.update(class_a(445'001'000, 38.5, 124.002, 1.0, 90.0, 7), t0 + 45 * minute);
  return saved(tracker);
}

TEST(TrackerState, EveryTruncationIsRefusedWithAReason) {
  const std::string bytes = small_state();
  {
    Tracker restored(config());
    state::StateReader in(bytes);
    restored.restore_state(in);
    ASSERT_TRUE(in.ok()) << in.error();
    EXPECT_EQ(restored.size(), 1u);
    EXPECT_EQ(restored.slot_count(), 3u);
  }
  for (std::size_t keep = 0; keep < bytes.size(); ++keep) {
    Tracker restored(config());
    state::StateReader in(std::string_view(bytes).substr(0, keep));
    restored.restore_state(in);
    EXPECT_FALSE(in.ok()) << keep;
    EXPECT_NE(in.error(), "") << keep;
  }
}

TEST(TrackerState, CorruptBytesNeverCrash) {
  Tracker original(config());
  const std::vector<Event> before = Feed(3).make(t0, hour, 0, 8, 3);
  for (const Event& e : before) original.update(e.message, e.t, e.source);
  const std::string bytes = saved(original);
  const std::vector<Event> after = Feed(5).make(t0 + hour, 30 * minute, 2, 10, 0);
  uint64_t x = 88172645463325252ull;  // xorshift: the same flips on every run
  std::size_t refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string corrupt = bytes;
    aiswatch::testing::flip_bits(corrupt, x, 1 + trial % 4);
    Tracker restored(config());
    state::StateReader in(corrupt);
    restored.restore_state(in);
    if (!in.ok()) {
      EXPECT_NE(in.error(), "");
      ++refused;
      continue;
    }
    // A flip that still parses (a time, a position) must leave a tracker that runs on.
    for (const Event& e : after) {
      restored.update(e.message, e.t, e.source);
      dump_queries(restored);
    }
    restored.advance_watermark(t0 + 10 * hour);
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace aiswatch::track
