#include "detect/dark_period.h"

#include <gtest/gtest.h>

#include "detector_test_support.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_DARK_PERIOD;

constexpr uint32_t dark_ship = 445'123'456;   // KP-flagged
constexpr uint32_t other_ship = 352'001'234;  // PA-flagged
constexpr double lat0 = 38.5, lon0 = 124.0;

// `mmsi` under way east at 10 kn, one report every 10 minutes in [from, to]; returns the last
// report's time. Positions follow the time so the tracker sees a plausible track.
double lon_at(int64_t t) {
  return lon0 +
         (10.0 * 1852.0 * static_cast<double>(t - t0) / hour) / (track::metres_per_degree * 0.7826);
}
int64_t sail(Harness& h, uint32_t mmsi, int64_t from, int64_t to, double lat = lat0) {
  int64_t last = from;
  for (int64_t t = from; t <= to; t += 10 * minute) {
    h.send(class_a(mmsi, lat, lon_at(t), 10.0, 90.0, static_cast<uint8_t>(t / s % 60)), t);
    last = t;
  }
  return last;
}

TEST(DarkPeriod, OpensWhenTheWatermarkPassesTheThresholdNotOnReappearance) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  // The watermark trails the idle clock by the tracker's 60 s lateness.
  h.idle_until(last + 6 * hour + 60 * s - s);
  EXPECT_TRUE(h.sink.events.empty());
  h.idle_until(last + 6 * hour + 60 * s);
  ASSERT_EQ(h.sink.events.size(), 1u);
  const auto& open = h.sink.events[0];
  EXPECT_EQ(open.state(), ALERT_STATE_OPEN);
  EXPECT_EQ(open.type(), ALERT_TYPE_DARK_PERIOD);
  EXPECT_EQ(open.mmsi(), dark_ship);
  EXPECT_EQ(open.start_time().seconds(), last / 1000);  // the last transmission
  EXPECT_EQ(detector.open_count(), 1u);
  // Later watermarks do not open it again.
  h.idle_until(last + 7 * hour);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

TEST(DarkPeriod, ShortSilenceNeverOpensAndReappearanceAloneDoesNot) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  // Back after 5 h: under the threshold, nothing.
  sail(h, dark_ship, last + 5 * hour, last + 6 * hour);
  h.idle_until(last + 6 * hour + 30 * minute);
  EXPECT_TRUE(h.sink.events.empty());
}

TEST(DarkPeriod, ClosesOnReappearanceWithDistanceAndImpliedSpeed) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  h.idle_until(last + 7 * hour);
  ASSERT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  const int64_t back = last + 8 * hour;
  h.send(class_a(dark_ship, lat0, lon_at(back), 10.0, 90.0, 7), back);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "reappeared");
  EXPECT_EQ(closed[0].start_time().seconds(), last / 1000);
  EXPECT_EQ(closed[0].end_time().seconds(), back / 1000);
  const double expected_m = track::haversine_m(lat0, lon_at(last), lat0, lon_at(back));
  ASSERT_TRUE(h.sink.fact(closed[0], "distance_m"));
  EXPECT_NEAR(*h.sink.fact(closed[0], "distance_m"), expected_m, 5.0);
  EXPECT_NEAR(*h.sink.fact(closed[0], "duration_s"), 8 * 3600.0, 1e-6);
  EXPECT_NEAR(*h.sink.fact(closed[0], "implied_speed_kn"), 10.0, 0.1);
  EXPECT_EQ(detector.open_count(), 0u);
}

TEST(DarkPeriod, LateReportFromTheGapClosesItAsHeardLate) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  h.idle_until(last + 7 * hour);
  ASSERT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  // A satellite report from 3 h into the "gap" arrives now, far behind the watermark.
  const int64_t heard = last + 3 * hour;
  const auto r = h.send(class_a(dark_ship, lat0, lon_at(heard), 10.0, 90.0, 3), heard);
  EXPECT_TRUE(r.late);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "heard late");
  // Silent 4 h since that report: not dark yet; at 6 h after it a new episode opens from it.
  EXPECT_EQ(detector.open_count(), 0u);
  h.idle_until(heard + 6 * hour + 60 * s);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].start_time().seconds(), heard / 1000);
}

TEST(DarkPeriod, LateReportWhoseOwnSilenceIsPastTheThresholdReopensAtOnce) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  h.idle_until(last + 20 * hour);
  const int64_t heard = last + 2 * hour;  // 18 h behind the watermark
  h.send(class_a(dark_ship, lat0, lon_at(heard), 10.0, 90.0, 3), heard);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].start_time().seconds(), heard / 1000);
  EXPECT_EQ(h.sink.of(ALERT_STATE_CLOSED).size(), 1u);
}

TEST(DarkPeriod, WatchlistedVesselsUseTheShorterThreshold) {
  DarkPeriodDetector detector;
  Harness h(make_rules("", "445123456,,LISTED STAR,example listing\n"), detector);
  sail(h, dark_ship, t0, t0 + hour, lat0);
  const int64_t last = sail(h, other_ship, t0, t0 + hour, lat0 + 0.5);
  h.idle_until(last + 2 * hour + 60 * s);
  auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), dark_ship);
  h.idle_until(last + 5 * hour);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  h.idle_until(last + 6 * hour + 60 * s);
  opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].mmsi(), other_ship);
}

TEST(DarkPeriod, SuppressedInPortUnlessInsideAWatchZone) {
  constexpr uint32_t in_port = 440'000'001, in_watched_port = 440'000'002;
  DarkPeriodDetector detector;
  const double port_lat = 38.0, watched_lat = 39.0;
  const double lon_end = lon_at(t0 + hour);
  Harness h(make_rules(square_zone("port-a", "port", port_lat, lon_end, 0.1) + "," +
                       square_zone("port-b", "anchorage", watched_lat, lon_end, 0.1) + "," +
                       square_zone("watch-b", "watch", watched_lat, lon_end, 0.2)),
            detector);
  sail(h, in_port, t0, t0 + hour, port_lat);
  sail(h, in_watched_port, t0, t0 + hour, watched_lat);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour, lat0);
  h.idle_until(last + 7 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 2u);
  std::vector<uint32_t> mmsis{opened[0].mmsi(), opened[1].mmsi()};
  std::sort(mmsis.begin(), mmsis.end());
  EXPECT_EQ(mmsis, (std::vector<uint32_t>{in_watched_port, dark_ship}));
}

TEST(DarkPeriod, ClosedWhenTheTrackerForgetsTheVessel) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  const int64_t last = sail(h, dark_ship, t0, t0 + hour);
  h.idle_until(last + 7 * hour);
  h.idle_until(last + 49 * hour);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "silent past horizon");
  EXPECT_EQ(detector.open_count(), 0u);
}

}  // namespace
}  // namespace aiswatch::detect

// Deliberate silence (issue 4): escalation from reception evidence in the stream itself.
namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_STATE_UPDATE;

constexpr uint32_t silent_ship = 445'000'777;
constexpr double deg_per_km = 1.0 / 111.195;

double lat_km(double north_km) { return 38.5 + north_km * deg_per_km; }
double lon_km(double east_km) { return 124.0 + east_km * deg_per_km / std::cos(38.5 * 0.0174533); }

struct Heard {
  uint32_t mmsi;
  double north_km, east_km;
  int64_t from, to;  // reports every 10 min in [from, to]
};

// Every vessel stationary (speed 0) and heard in its interval; messages in time order.
void play(Harness& h, const std::vector<Heard>& vessels, int64_t to) {
  for (int64_t t = t0; t <= to; t += 10 * minute) {
    for (const Heard& v : vessels)
      if (t >= v.from && t <= v.to)
        h.send(class_a(v.mmsi, lat_km(v.north_km), lon_km(v.east_km), 0.0, 0.0,
                       static_cast<uint8_t>(t / s % 60)),
               t);
  }
}

// Eight vessels 20 km around the silent ship's position, one per compass octant, heard in
// [from, to], the octants in `octants` (bit i: bearing 45 i degrees).
std::vector<Heard> ring(int64_t from, int64_t to, unsigned octants = 0xFF, double km = 20.0) {
  std::vector<Heard> out;
  for (unsigned i = 0; i < 8; ++i) {
    if ((octants & (1u << i)) == 0) continue;
    const double a = 0.785398 * i + 0.3;
    out.push_back({352'000'100 + i, km * std::cos(a), km * std::sin(a), from, to});
  }
  return out;
}

const aiswatch::v1::Alert* escalation(const RecordingSink& sink) {
  for (const auto& e : sink.events)
    if (e.state() == ALERT_STATE_UPDATE && e.mmsi() == silent_ship &&
        e.reason().rfind("deliberate silence", 0) == 0)
      return &e;
  return nullptr;
}

// A far vessel keeps the feed (and so the watermark) going when nothing near is heard.
const Heard far_clock{352'009'999, 200.0, 0.0, t0, t0 + 30 * hour};

TEST(DarkPeriodDeliberate, EscalatesWhenTheAreaKeptBeingReceivedAllAround) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Heard> vessels = ring(t0, t0 + 16 * hour);
  vessels.push_back({silent_ship, 0.0, 0.0, t0, t0 + hour});
  play(h, vessels, t0 + 16 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  ASSERT_NE(escalation(h.sink), nullptr);
  const aiswatch::v1::Alert escalated = *escalation(h.sink);  // events grow below
  const aiswatch::v1::Alert* up = &escalated;
  EXPECT_GT(up->severity(), opened[0].severity());
  // Judged once the silence reaches 12 h (ticks every 5 min), not before.
  EXPECT_GE(up->end_time().seconds(), (t0 + 13 * hour) / 1000);
  EXPECT_LE(up->end_time().seconds(), (t0 + 13 * hour + 10 * minute) / 1000);
  EXPECT_NEAR(*h.sink.fact(*up, "reception_pct"), 100.0, 1e-9);
  EXPECT_EQ(*h.sink.fact(*up, "directions_heard"), 8.0);
  EXPECT_EQ(*h.sink.fact(*up, "neighbours_heard"), 8.0);
  // The raise is kept when it reappears: no update lowering the severity.
  h.send(class_a(silent_ship, lat_km(1.0), lon_km(1.0), 0.0, 0.0, 5), t0 + 16 * hour + minute);
  const auto closed = h.sink.of(aiswatch::v1::ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].severity(), up->severity());
}

TEST(DarkPeriodDeliberate, CoverageHoleWhereEveryoneGoesQuietDoesNotEscalate) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  // The whole area within 30 km falls silent with it; only a vessel 200 km away is heard.
  std::vector<Heard> vessels = ring(t0, t0 + hour);
  vessels.push_back({silent_ship, 0.0, 0.0, t0, t0 + hour});
  vessels.push_back(far_clock);
  play(h, vessels, t0 + 16 * hour);
  EXPECT_FALSE(h.sink.of(ALERT_STATE_OPEN).empty());  // the dark periods still open
  EXPECT_EQ(escalation(h.sink), nullptr);
}

TEST(DarkPeriodDeliberate, ASmallHoleSilencingItsNeighboursTooDoesNotEscalate) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  // Vessels 20 km around are heard throughout, but three within 5 km go quiet with it.
  std::vector<Heard> vessels = ring(t0, t0 + 16 * hour);
  vessels.push_back({silent_ship, 0.0, 0.0, t0, t0 + hour});
  for (uint32_t i = 0; i < 3; ++i)
    vessels.push_back({352'000'200 + i, 3.0 * i - 3.0, 2.0, t0, t0 + hour + 10 * minute});
  play(h, vessels, t0 + 16 * hour);
  EXPECT_EQ(escalation(h.sink), nullptr);
}

TEST(DarkPeriodDeliberate, AtTheCoverageEdgeDoesNotEscalate) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  // Heard only to the west (octants 4-7, bearings 180-315 degrees plus offset): an edge.
  std::vector<Heard> vessels = ring(t0, t0 + 16 * hour, 0xF0);
  vessels.push_back({silent_ship, 0.0, 0.0, t0, t0 + hour});
  play(h, vessels, t0 + 16 * hour);
  EXPECT_FALSE(h.sink.of(ALERT_STATE_OPEN).empty());
  EXPECT_EQ(escalation(h.sink), nullptr);
}

TEST(DarkPeriodDeliberate, AreaHeardForOnlyPartOfTheSilenceDoesNotEscalate) {
  DarkPeriodDetector detector;
  Harness h(make_rules(), detector);
  // Heard all around for the first 6 hours of the silence only: 50 % of its hours.
  std::vector<Heard> vessels = ring(t0, t0 + 7 * hour);
  vessels.push_back({silent_ship, 0.0, 0.0, t0, t0 + hour});
  vessels.push_back(far_clock);
  play(h, vessels, t0 + 16 * hour);
  EXPECT_EQ(escalation(h.sink), nullptr);
}

TEST(DarkPeriodDeliberate, ReceptionRecordForgetsNothingWithinItsRing) {
  ReceptionRecord record;
  const uint32_t cell = ReceptionRecord::cell_of(38.5, 124.0);
  record.note(cell, 100);
  record.note(cell, 130);
  record.note(cell, 120);  // late, within the ring
  EXPECT_TRUE(record.heard(cell, 100));
  EXPECT_TRUE(record.heard(cell, 120));
  EXPECT_FALSE(record.heard(cell, 110));
  record.note(cell, 165);  // 100 falls out of the 64-hour ring
  EXPECT_FALSE(record.heard(cell, 100));
  EXPECT_TRUE(record.heard(cell, 130));
  record.forget_older_than(166);
  EXPECT_EQ(record.cell_count(), 0u);
}

}  // namespace
}  // namespace aiswatch::detect
