#include "detect/geofence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "detector_test_support.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_DWELL;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_ENTRY;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_EXIT;

// A watch zone whose western edge is the meridian 124.0 E (lat 38.0-39.0 N).
constexpr double lat0 = 38.5, edge_lon = 124.0;
const std::string zone = square_zone("west-sea", "watch", lat0, 124.5, 0.5);
constexpr uint32_t mmsi = 445'000'001;
// Metres east of the edge to longitude, at lat0.
double lon_at(double east_m) {
  return edge_lon + east_m / (track::metres_per_degree * std::cos(lat0 * M_PI / 180.0));
}

ruleset::Ruleset rules_with(const std::string& features, const std::string& yaml = "") {
  ruleset::Ruleset rules = make_rules(features);
  ruleset::LoadErrors errors;
  rules.thresholds = ruleset::Thresholds::parse("detectors.yaml", yaml, errors);
  if (!errors.empty()) throw std::runtime_error(errors[0].to_string());
  return rules;
}

// The ship sails along lat0 from east_from_m to east_to_m (metres east of the edge) at 10 knots,
// reporting every 10 s from time `from`; returns the time after its last report, and sets
// `first_west` / `first_east` to the time of its first report west / east of the edge (if any).
struct Passage {
  int64_t end = 0;
  int64_t first_west = -1, first_east = -1;
};
Passage sail(Harness& h, double east_from_m, double east_to_m, int64_t from) {
  Passage p;
  const double step_m = 10 * 1852.0 / 3600.0 * 10;  // 10 kn for 10 s
  const double direction = east_to_m >= east_from_m ? 1 : -1;
  const auto steps = static_cast<int>(std::fabs(east_to_m - east_from_m) / step_m);
  int64_t t = from;
  for (int k = 0; k <= steps; ++k, t += 10 * s) {
    const double east = east_from_m + direction * k * step_m;
    if (east < 0 && p.first_west < 0) p.first_west = t;
    if (east > 0 && p.first_east < 0) p.first_east = t;
    h.send(class_a(mmsi, lat0, lon_at(east), 10.0, direction > 0 ? 90.0 : 270.0,
                   static_cast<uint8_t>(k % 60)),
           t);
  }
  p.end = t;
  return p;
}

TEST(Geofence, LeavingAWatchZoneIsOneExitAtTheFirstFixOutside) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  // From 3 km inside to 3 km beyond the edge: about 10 minutes on each side.
  const Passage p = sail(h, 3'000, -3'000, t0);
  ASSERT_GT(p.first_west, 0);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_GEOFENCE_EXIT);
  EXPECT_EQ(opened[0].zone_id(), "west-sea");
  EXPECT_EQ(opened[0].mmsi(), mmsi);
  EXPECT_EQ(opened[0].start_time().seconds(), p.first_west / 1000);
  EXPECT_LT(opened[0].lon(), edge_lon);
  EXPECT_GT(opened[0].lon(), lon_at(-60));
  EXPECT_GE(h.sink.fact(opened[0], "depth_m").value_or(0), 300.0);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "instantaneous");
}

TEST(Geofence, ComingInFromOutsideIsOneEntry) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  const Passage p = sail(h, -3'000, 3'000, t0);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_GEOFENCE_ENTRY);
  EXPECT_EQ(opened[0].start_time().seconds(), p.first_east / 1000);
}

TEST(Geofence, NotConfirmedBeforeTheHysteresisTimeHasPassed) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  // 1.5 km beyond the edge (deep enough) but only about 5 minutes after passing it.
  const Passage p = sail(h, 300, -1'450, t0);
  ASSERT_LT(p.end - p.first_west, 5 * minute);
  EXPECT_TRUE(h.sink.events.empty());
  sail(h, -1'500, -1'600, p.end);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Geofence, AVesselFirstHeardInsideWasNotSeenEntering) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  sail(h, 5'000, 8'000, t0);
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_EQ(detector.tracked_count(), 1u);
}

// A ship at anchor on the edge, its fix scattering up to 60 m either side for six hours.
void anchored_on_the_edge(Harness& h) {
  for (int k = 0; k < 120; ++k) {
    const double east = (k % 2 == 0 ? 1 : -1) * (10.0 + (k * 37) % 50);
    h.send(class_a(mmsi, lat0, lon_at(east), 0.0, 0.0, static_cast<uint8_t>(k % 60)),
           t0 + k * 3 * minute);
  }
}

TEST(Geofence, GpsJitterAcrossTheEdgeNeverAlerts) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  anchored_on_the_edge(h);
  EXPECT_TRUE(h.sink.events.empty());
}

TEST(Geofence, WithoutHysteresisTheSameJitterFlaps) {
  // The counterpart of the test above: what the hysteresis thresholds prevent.
  GeofenceDetector detector;
  Harness h(rules_with(zone, "geofence:\n  hysteresis_m: 0\n  hysteresis_min: 0\n"), detector);
  anchored_on_the_edge(h);
  EXPECT_GT(h.sink.of(ALERT_STATE_OPEN).size(), 100u);
}

TEST(Geofence, ABriefDipAcrossTheEdgeIsNotACrossing) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  // 400 m beyond the edge, back inside about 3 minutes after leaving.
  const Passage out = sail(h, 200, -400, t0);
  const Passage back = sail(h, -400, 500, out.end);
  ASSERT_LT(back.first_east - out.first_west, 5 * minute);
  sail(h, 500, 2'000, back.end);
  EXPECT_TRUE(h.sink.events.empty());
}

TEST(Geofence, ACrossingFollowedBySilenceIsConfirmedOnTheWatermark) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  const Passage p = sail(h, 500, -400, t0);  // silent 400 m outside, 1-2 minutes after leaving
  EXPECT_TRUE(h.sink.events.empty());
  h.idle_until(p.first_west + 7 * minute);  // the watermark trails by 60 s
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_GEOFENCE_EXIT);
  EXPECT_EQ(opened[0].start_time().seconds(), p.first_west / 1000);
}

TEST(Geofence, ShallowCrossingsAreNotConfirmedOnTheWatermark) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  sail(h, 500, -200, t0);  // 200 m out: inside the 300 m hysteresis band
  h.idle_until(t0 + 3 * hour);
  EXPECT_TRUE(h.sink.events.empty());
}

// Land zones (rules/land.geojson) are no watch zones: crossing one's edge, whatever the
// vessel's reports, is nothing to the geofence.
TEST(Geofence, LandZonesAreNotWatched) {
  GeofenceDetector detector;
  Harness h(rules_with(square_zone("inland", "land", lat0, 124.5, 0.5)), detector);
  const Passage in = sail(h, -3'000, 3'000, t0);
  sail(h, 3'000, -3'000, in.end + hour);
  h.idle_until(in.end + 3 * hour);
  EXPECT_TRUE(h.sink.events.empty());
}

TEST(Geofence, PortsDoNotSuppressWatchZoneCrossings) {
  GeofenceDetector detector;
  Harness h(rules_with(zone + "," + square_zone("nampo", "port", lat0, edge_lon, 0.1)), detector);
  sail(h, 3'000, -3'000, t0);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Geofence, LateReportsChangeNoSide) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  const Passage p = sail(h, 1'000, -3'000, t0);
  ASSERT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  // A satellite copy of a fix from before the exit, heard long after.
  h.send(class_a(mmsi, lat0, lon_at(900), 10.0, 270.0, 7), t0 + 10 * s);
  sail(h, -3'000, -3'100, p.end);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Geofence, DwellOpensAfterTheThresholdInsideAndClosesAtTheExit) {
  GeofenceDetector detector;
  Harness h(rules_with(zone, "geofence:\n  dwell_alert_h: 1\n"), detector);
  const Passage p = sail(h, -2'500, 500, t0);  // enters
  for (int64_t t = p.end; t < p.end + 2 * hour; t += 3 * minute)
    h.send(class_a(mmsi, lat0, lon_at(500 + static_cast<double>((t / s) % 7)), 0.2, 90.0,
                   static_cast<uint8_t>(t / s % 60)),
           t);
  const Passage out = sail(h, 500, -2'500, p.end + 2 * hour);
  int dwell_open = 0, dwell_closed = 0;
  for (const auto& a : h.sink.events) {
    if (a.type() != ALERT_TYPE_GEOFENCE_DWELL) continue;
    if (a.state() == ALERT_STATE_OPEN) {
      ++dwell_open;
      EXPECT_EQ(a.start_time().seconds(), p.first_east / 1000);
      EXPECT_GE(a.end_time().seconds(), (p.first_east + hour) / 1000);
      EXPECT_LT(a.end_time().seconds(), (p.first_east + hour + 4 * minute) / 1000);
    }
    if (a.state() == ALERT_STATE_CLOSED) {
      ++dwell_closed;
      EXPECT_EQ(a.close_reason(), "exited");
      EXPECT_EQ(a.end_time().seconds(), out.first_west / 1000);
    }
  }
  EXPECT_EQ(dwell_open, 1);
  EXPECT_EQ(dwell_closed, 1);
}

TEST(Geofence, DwellIsOffByDefault) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  sail(h, 1'000, 1'100, t0);
  sail(h, 1'100, 1'200, t0 + 30 * hour);
  for (const auto& a : h.sink.events) EXPECT_NE(a.type(), ALERT_TYPE_GEOFENCE_DWELL);
}

TEST(Geofence, AVesselSilentPastTheHorizonIsForgotten) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  sail(h, 1'000, 1'100, t0);
  ASSERT_EQ(detector.tracked_count(), 1u);
  h.idle_until(t0 + h.tracker.config().eviction_horizon_ms + 2 * hour);
  EXPECT_EQ(detector.tracked_count(), 0u);
}

TEST(Geofence, AVesselBackAfterEvictionIsJudgedAfresh) {
  // Its first message back is static data, which the geofence does not look at; its slot's
  // fast-path entry must still not vouch for zones from its earlier life.
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  sail(h, 1'000, 1'100, t0);
  const int64_t back = t0 + h.tracker.config().eviction_horizon_ms + 2 * hour;
  h.idle_until(back);
  ASSERT_EQ(h.tracker.find(mmsi), nullptr);
  ASSERT_EQ(detector.tracked_count(), 0u);
  ais::StaticVoyageData voyage;
  voyage.header = track::test::header(5, mmsi);
  h.send(voyage, back);
  const Passage p = sail(h, 1'100, -3'000, back + s);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_GEOFENCE_EXIT);
  EXPECT_EQ(opened[0].start_time().seconds(), p.first_west / 1000);
}

// A SIGHUP reload whose new rules land at the old rules' address (the harness reloads in place):
// the masks settled under the old zone indices must not be taken for the new ones.
TEST(Geofence, RulesReloadedAtTheSameAddressAreNotTakenForTheOldOnes) {
  GeofenceDetector detector;
  Harness h(rules_with(zone), detector);
  const Passage inside = sail(h, 3'000, 2'000, t0);  // settled inside west-sea, zone index 0
  ASSERT_TRUE(h.sink.events.empty());
  // The same water, now another zone at index 0 of the new rules.
  h.rules = rules_with(square_zone("renamed-sea", "watch", lat0, 124.5, 0.5));
  detector.on_rules(h.rules);
  sail(h, 2'000, -3'000, inside.end + 10 * s);
  std::vector<std::string> exits;
  for (const auto& a : h.sink.of(ALERT_STATE_OPEN)) {
    if (a.type() == ALERT_TYPE_GEOFENCE_EXIT) exits.push_back(a.zone_id());
  }
  EXPECT_EQ(exits, std::vector<std::string>{"renamed-sea"});
}

}  // namespace
}  // namespace aiswatch::detect
