#include "detect/spoofing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include "detector_test_support.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_SPOOFING;

constexpr uint32_t tanker = 445'123'456;  // North Korea (MID 445)
constexpr double lat0 = 38.5, lon0 = 124.0;
const double m_per_deg_lon = track::metres_per_degree * std::cos(lat0 * track::degrees_to_radians);

// A ship steaming east at `knots`, reporting every `every_ms`; far() is a point `offset_km`
// north of where it is.
struct Ship {
  uint32_t mmsi = tanker;
  double knots = 10;
  std::optional<double> reported = 10.0;  // the speed over ground it reports
  uint8_t second = 0;

  double lon_at(int64_t t) const {
    return lon0 + knots * track::metres_per_nautical_mile * static_cast<double>(t - t0) /
                      3'600'000.0 / m_per_deg_lon;
  }
  track::UpdateResult report(Harness& h, int64_t t, double north_km = 0, double east_km = 0) {
    second = static_cast<uint8_t>((second + 1) % 60);
    return h.send(class_a(mmsi, lat0 + north_km * 1'000.0 / track::metres_per_degree,
                          lon_at(t) + east_km * 1'000.0 / m_per_deg_lon, reported, 90.0, second),
                  t);
  }
  void steam(Harness& h, int64_t from, int64_t to, int64_t every_ms = 10 * s) {
    for (int64_t t = from; t < to; t += every_ms) report(h, t);
  }
};

TEST(Spoofing, SingleGlitchDoesNotAlert) {
  SpoofingDetector detector;
  Harness h(make_rules(), detector);
  Ship ship;
  ship.steam(h, t0, t0 + 10 * minute);
  EXPECT_EQ(ship.report(h, t0 + 10 * minute, 50.0).outcome,
            track::UpdateOutcome::implausible_kept_aside);
  ship.steam(h, t0 + 10 * minute + 10 * s, t0 + 2 * hour);
  // Two more single glitches, hours apart: never three within the 6 h window.
  ship.report(h, t0 + 2 * hour + 5 * s, -40.0);
  ship.steam(h, t0 + 2 * hour + 10 * s, t0 + 7 * hour);
  ship.report(h, t0 + 7 * hour + 5 * s, 0, 60.0);
  ship.steam(h, t0 + 7 * hour + 10 * s, t0 + 8 * hour);
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_EQ(h.tracker.stats().track_restarts, 0u);
  h.idle_until(t0 + 20 * hour);
  EXPECT_EQ(detector.tracked_count(), 0u);  // forgotten once the window passed
}

TEST(Spoofing, GpsJitterAndShortJumpsDoNotAlert) {
  SpoofingDetector detector;
  Harness h(make_rules(), detector);
  Ship ship;
  ship.knots = 0;
  ship.reported = 0.0;
  // At anchor, reports every 10 s jitter by up to 300 m; every minute one lands 2-4 km off
  // (implausible for the tracker, under min_jump_km for the detector).
  for (int64_t i = 0; i < 360; ++i) {
    const double jitter_km = 0.3 * std::sin(static_cast<double>(i));
    const double off_km = i % 6 == 5 ? 2.0 + static_cast<double>(i % 3) : 0.0;
    ship.report(h, t0 + i * 10 * s, jitter_km + off_km, jitter_km);
  }
  EXPECT_GT(h.tracker.stats()[track::UpdateOutcome::implausible_kept_aside], 10u);
  EXPECT_TRUE(h.sink.events.empty());
}

// A ship's reports switch to a position 300 km off for an hour, then back: the tracker rejects
// two and restarts at the third, each way. One episode.
TEST(Spoofing, PositionOffsetAlertsAndTheJumpBackIsTheSameEpisode) {
  SpoofingDetector detector;
  Harness h(make_rules(), detector);
  Ship ship;
  ship.steam(h, t0, t0 + 30 * minute);
  const int64_t offset_from = t0 + 30 * minute, offset_to = t0 + 90 * minute;
  for (int64_t t = offset_from; t < offset_to; t += 10 * s) ship.report(h, t, 0, 300.0);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_SPOOFING);
  EXPECT_EQ(opened[0].reason(), "reported positions jump impossibly");
  EXPECT_EQ(opened[0].start_time().seconds(), offset_from / 1000);
  EXPECT_EQ(opened[0].end_time().seconds(), (offset_from + 20 * s) / 1000);  // the third
  EXPECT_EQ(h.sink.fact(opened[0], "jumps"), 3.0);
  EXPECT_NEAR(h.sink.fact(opened[0], "max_jump_m").value(), 300e3, 2e3);
  EXPECT_GT(h.sink.fact(opened[0], "max_implied_speed_kn").value(), 10'000.0);
  EXPECT_EQ(opened[0].evidence_size(), 3);
  EXPECT_EQ(h.tracker.stats().track_restarts, 1u);

  ship.steam(h, offset_to, t0 + 3 * hour);
  EXPECT_EQ(h.tracker.stats().track_restarts, 2u);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  EXPECT_TRUE(h.sink.of(ALERT_STATE_CLOSED).empty());
  // Closed once window_h (6 h) passes at the watermark with no other impossible fix.
  h.idle_until(offset_to + 6 * hour + 10 * minute);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "stopped");
  EXPECT_EQ(closed[0].end_time().seconds(), (offset_to + 20 * s) / 1000);
  EXPECT_EQ(h.sink.fact(closed[0], "jumps"), 6.0);
  EXPECT_EQ(detector.tracked_count(), 0u);
}

TEST(Spoofing, RepeatedImpossibleCoordinatesAlertOneGarbledMessageDoesNot) {
  SpoofingDetector detector;
  Harness h(make_rules(), detector);
  Ship ship;
  ship.steam(h, t0, t0 + hour);
  auto garbled = [&](int64_t t) {
    EXPECT_EQ(h.send(class_a(tanker, 95.0, 124.0, 10.0, 90.0, 33), t).outcome,
              track::UpdateOutcome::implausible_kept_aside);
  };
  garbled(t0 + hour);
  ship.steam(h, t0 + hour + 5 * s, t0 + 3 * hour);
  garbled(t0 + 3 * hour);
  ship.steam(h, t0 + 3 * hour + 5 * s, t0 + 4 * hour);
  EXPECT_TRUE(h.sink.events.empty());  // two in the window: not yet
  garbled(t0 + 4 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "reported positions at impossible coordinates");
  EXPECT_EQ(opened[0].start_time().seconds(), (t0 + hour) / 1000);
  EXPECT_EQ(h.sink.fact(opened[0], "bad_coordinates"), 3.0);
  EXPECT_GE(opened[0].lat(), -90.0);
  EXPECT_LE(opened[0].lat(), 90.0);
}

// Two ships 60 km apart transmit one MMSI. The second sometimes sends three reports in a row.
TEST(Spoofing, OneMmsiFromTwoPlacesAlertsAndKeepsTheFirstTrackClean) {
  SpoofingDetector detector;
  Harness h(make_rules(), detector);
  Ship first, second;
  first.steam(h, t0, t0 + 10 * minute);
  for (int64_t i = 0; i < 60; ++i) {
    const int64_t t = t0 + 10 * minute + i * 10 * s;
    const auto r = first.report(h, t);
    EXPECT_EQ(r.outcome, track::UpdateOutcome::accepted) << i;
    EXPECT_EQ(r.changes & track::change_track_restarted, 0) << i;
    const int burst = i % 5 == 4 ? 3 : 1;
    for (int b = 0; b < burst; ++b) second.report(h, t + (b + 1) * 2 * s, -60.0, 0);
    // The first ship's track holds only its own fixes.
    const track::VesselState& v = *h.tracker.find(tanker);
    for (std::size_t p = 0; p < v.track_size(); ++p) ASSERT_NEAR(v.track_at(p).lat, lat0, 0.01);
  }
  EXPECT_EQ(h.tracker.stats().track_restarts, 0u);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "one MMSI transmits from two places at once");
  EXPECT_EQ(opened[0].start_time().seconds(), (t0 + 10 * minute + 2 * s) / 1000);
  EXPECT_GE(h.sink.fact(opened[0], "alternations").value(), 4.0);
  EXPECT_NEAR(h.sink.fact(opened[0], "distance_m").value(), 60e3, 1e3);
}

// exactEarth satellite captures: reports stamped an hour off put a ship 25 km along its own
// course at 14 kn. Counted only when its speed cannot explain them.
TEST(Spoofing, JumpsOfAReceiveTimeErrorDoNotAlert) {
  for (const double reported : {14.0, 0.0}) {
    SCOPED_TRACE(reported);
    SpoofingDetector detector;
    Harness h(make_rules(), detector);
    Ship ship;
    ship.knots = 1;  // barely moving between reports, so every far fix is implausible
    ship.reported = reported;
    ship.steam(h, t0, t0 + 10 * minute, minute);
    for (int i = 0; i < 4; ++i) {
      const int64_t t = t0 + 10 * minute + i * 10 * minute;
      EXPECT_EQ(ship.report(h, t + 30 * s, 0, -25.0).outcome,
                track::UpdateOutcome::implausible_kept_aside);
      ship.steam(h, t + minute, t + 10 * minute, minute);
    }
    EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), reported > 0 ? 0u : 1u);
  }
}

// Unconfigured transponders share an MMSI (1193046 = 0x123456, MID-only 273000000): not judged.
TEST(Spoofing, SharedFactoryMmsisAreNotJudged) {
  for (const uint32_t mmsi : {1'193'046u, 273'000'000u, 123'456'789u}) {
    SCOPED_TRACE(mmsi);
    SpoofingDetector detector;
    Harness h(make_rules(), detector);
    Ship first, second;
    first.mmsi = second.mmsi = mmsi;
    for (int64_t t = t0; t < t0 + hour; t += 10 * s) {
      first.report(h, t);
      second.report(h, t + 5 * s, 189.0, 0);
    }
    EXPECT_TRUE(h.sink.events.empty());
  }
}

// Land 60 km across, 40 km east of where the ship steams (lat0, lon0 + 0.8 degrees), with a
// river port box on its western shore.
constexpr double land_lat = lat0, land_lon = lon0 + 0.8;
std::string land_rules() {
  return square_zone("inland", "land", land_lat, land_lon, 0.3) + "," +
         square_zone("river-port", "port", land_lat, land_lon - 0.3, 0.05);
}

// A transponder whose GNSS is spoofed from its first report: positions circling 1 km around a
// point deep inland, every 10 s.
TEST(Spoofing, RepeatedPositionsOnLandAlert) {
  SpoofingDetector detector;
  Harness h(make_rules(land_rules()), detector);
  for (int i = 0; i < 6; ++i) {
    const double angle = i * 0.1;  // 100 m in 10 s: a plausible speed for the tracker
    const auto r = h.send(class_a(tanker, land_lat + 0.009 * std::cos(angle),
                                  land_lon + 0.011 * std::sin(angle), 10.0, 90.0, 0),
                          t0 + i * 10 * s);
    EXPECT_EQ(r.outcome, track::UpdateOutcome::accepted) << i;  // no jump: nothing else counts
    EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), i < 2 ? 0u : 1u) << i;
  }
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_SPOOFING);
  EXPECT_EQ(opened[0].reason(), "reported positions on land");
  EXPECT_EQ(opened[0].start_time().seconds(), t0 / 1000);
  EXPECT_EQ(h.sink.fact(opened[0], "land_fixes"), 3.0);
  EXPECT_EQ(h.sink.fact(opened[0], "jumps"), 0.0);
  EXPECT_EQ(opened[0].evidence_size(), 3);
  // Closed once window_h passes without another fix on land.
  h.idle_until(t0 + 7 * hour);
  ASSERT_EQ(h.sink.of(ALERT_STATE_CLOSED).size(), 1u);
  EXPECT_EQ(h.sink.fact(h.sink.of(ALERT_STATE_CLOSED)[0], "land_fixes"), 6.0);
  EXPECT_EQ(detector.tracked_count(), 0u);
}

// One fix 40 km onto land, then the track goes on at sea: a glitch (one land fix, one jump).
TEST(Spoofing, OneFixOnLandIsAGlitch) {
  SpoofingDetector detector;
  Harness h(make_rules(land_rules()), detector);
  Ship ship;
  ship.steam(h, t0, t0 + 10 * minute);
  EXPECT_EQ(ship.report(h, t0 + 10 * minute, 0, 70.0).outcome,
            track::UpdateOutcome::implausible_kept_aside);
  ASSERT_NE(h.rules.zones.land_at(lat0, ship.lon_at(t0 + 10 * minute) + 70.0 / 87.0), nullptr);
  ship.steam(h, t0 + 10 * minute + 10 * s, t0 + 2 * hour);
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_EQ(detector.tracked_count(), 1u);
  h.idle_until(t0 + 9 * hour);
  EXPECT_EQ(detector.tracked_count(), 0u);
}

// A ship moored in a river port on the land's edge, its fix jittering 300 m: never on land. The
// same fixes without the port zone would be.
TEST(Spoofing, APortWinsOverLand) {
  for (const bool with_port : {true, false}) {
    SCOPED_TRACE(with_port);
    SpoofingDetector detector;
    Harness h(make_rules(with_port ? land_rules()
                                   : square_zone("inland", "land", land_lat, land_lon, 0.3)),
              detector);
    for (int i = 0; i < 60; ++i) {
      const double jitter = 0.003 * std::sin(static_cast<double>(i));
      h.send(class_a(tanker, land_lat + jitter, land_lon - 0.29 + jitter, 0.0, 90.0, 0),
             t0 + i * 3 * minute);
    }
    EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), with_port ? 0u : 1u);
  }
}

// Positions on land from identities unconfigured transponders share are not judged.
TEST(Spoofing, SharedFactoryMmsisOnLandAreNotJudged) {
  SpoofingDetector detector;
  Harness h(make_rules(land_rules()), detector);
  for (int i = 0; i < 10; ++i)
    h.send(class_a(1'193'046u, land_lat, land_lon, 0.0, 90.0, 0), t0 + i * minute);
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_EQ(detector.tracked_count(), 0u);
}

// Thresholds are read at each call: a ruleset asking for 5 jumps does not alert at 3.
TEST(Spoofing, ThresholdsComeFromTheRules) {
  ruleset::Ruleset rules = make_rules();
  ruleset::LoadErrors errors;
  rules.thresholds = ruleset::Thresholds::parse(
      "detectors.yaml", "spoofing:\n  min_jumps: 5\n  collision_min_alternations: 50\n", errors);
  ASSERT_TRUE(errors.empty());
  SpoofingDetector detector;
  Harness h(std::move(rules), detector);
  Ship ship;
  ship.steam(h, t0, t0 + 10 * minute);
  for (int i = 0; i < 4; ++i) {
    ship.report(h, t0 + 10 * minute + i * 20 * s + 5 * s, 80.0);
    ship.report(h, t0 + 10 * minute + i * 20 * s + 10 * s);
  }
  EXPECT_TRUE(h.sink.events.empty());  // 4 jumps
  ship.report(h, t0 + 20 * minute, 80.0);
  EXPECT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

}  // namespace
}  // namespace aiswatch::detect
