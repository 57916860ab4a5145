#include "detect/loitering.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "detector_test_support.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_LOITERING;

constexpr double lat0 = 38.5, lon0 = 124.0;
constexpr double nm_lon = 1852.0 / (track::metres_per_degree * 0.7826);  // at 38.5 N
constexpr double nm_lat = 1852.0 / track::metres_per_degree;

struct Ship {
  uint32_t mmsi;
  double lat, lon;
  double drift_kn = 0.5;                 // eastward drift
  std::optional<double> reported = 0.5;  // the speed it reports (nullopt: not available)
};

// Every ship reports every 3 minutes (at anchor / idle, ITU-R M.1371-5 Table 1) in [from, to),
// drifting east at its drift speed.
void idle(Harness& h, std::vector<Ship>& ships, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += 3 * minute) {
    for (Ship& ship : ships) {
      ship.lon += ship.drift_kn * 0.05 * nm_lon;  // 3 min = 0.05 h
      h.send(class_a(ship.mmsi, ship.lat, ship.lon, ship.reported, 90.0,
                     static_cast<uint8_t>(t / s % 60)),
             t);
    }
  }
}

TEST(Loitering, LoneIdleVesselOpensAtFourHoursAndClosesWhenUnderWay) {
  LoiteringDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Ship> ships{{445'123'456, lat0, lon0}};
  idle(h, ships, t0, t0 + 4 * hour - minute);
  EXPECT_TRUE(h.sink.events.empty());
  idle(h, ships, t0 + 4 * hour - minute, t0 + 5 * hour);
  auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].type(), ALERT_TYPE_LOITERING);
  EXPECT_EQ(opened[0].start_time().seconds(), t0 / 1000);
  EXPECT_EQ(opened[0].end_time().seconds(), (t0 + 4 * hour + 2 * minute) / 1000);
  // One fast report is jitter; 10 minutes at 10 kn is under way.
  ships[0].drift_kn = 10;
  ships[0].reported = 10.0;
  idle(h, ships, t0 + 5 * hour, t0 + 5 * hour + 3 * minute);
  EXPECT_TRUE(h.sink.of(ALERT_STATE_CLOSED).empty());
  idle(h, ships, t0 + 5 * hour + 3 * minute, t0 + 5 * hour + 15 * minute);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "under way");
  EXPECT_EQ(closed[0].end_time().seconds(), (t0 + 5 * hour) / 1000);
  EXPECT_EQ(detector.tracked_count(), 0u);
}

TEST(Loitering, NotInAnAnchorageZoneUnlessWatched) {
  LoiteringDetector detector;
  Harness h(make_rules(square_zone("anch", "anchorage", lat0, lon0, 0.1) + "," +
                       square_zone("port", "port", lat0 + 0.5, lon0, 0.1) + "," +
                       square_zone("anch-w", "anchorage", lat0 - 0.5, lon0, 0.1) + "," +
                       square_zone("watch", "watch", lat0 - 0.5, lon0, 0.2)),
            detector);
  std::vector<Ship> ships{
      {440'000'001, lat0, lon0}, {440'000'002, lat0 + 0.5, lon0}, {440'000'003, lat0 - 0.5, lon0}};
  idle(h, ships, t0, t0 + 6 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), 440'000'003u);
}

TEST(Loitering, ShipsIdleTogetherInARoadsteadAreNotLoitering) {
  LoiteringDetector detector;
  Harness h(make_rules(), detector);
  // Six ships at anchor one nautical mile apart (2 x 3), and one alone 20 nm away.
  std::vector<Ship> ships;
  for (unsigned k = 0; k < 6; ++k)
    ships.push_back({440'000'010 + k, lat0 + (k / 3) * nm_lat, lon0 + (k % 3) * nm_lon, 0.0, 0.0});
  ships.push_back({445'000'001, lat0 + 20 * nm_lat, lon0, 0.0, 0.0});
  idle(h, ships, t0, t0 + 8 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), 445'000'001u);
}

TEST(Loitering, MissingSpeedIsInferredFromPositionsNotTakenAsZero) {
  LoiteringDetector detector;
  Harness h(make_rules(), detector);
  // Both report no speed; one drifts at 0.5 kn, one steams at 10 kn (a lane far away).
  std::vector<Ship> ships{{440'000'001, lat0, lon0, 0.5, std::nullopt},
                          {440'000'002, lat0 + 0.5, lon0, 10.0, std::nullopt}};
  idle(h, ships, t0, t0 + 5 * hour);
  const auto opened = h.sink.of(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), 440'000'001u);
  // Slow from the first report the speed could be inferred from (5 minutes of track).
  EXPECT_LE(opened[0].start_time().seconds(), (t0 + 6 * minute) / 1000);
}

TEST(Loitering, MissingSpeedWithReportsSecondsApartIsInferredOverTheTrack) {
  LoiteringDetector detector;
  Harness h(make_rules(), detector);
  // Every 10 s (Class A under way): the 16-point track spans under 3 minutes.
  const uint32_t mmsi = 440'000'001;
  double lon = lon0;
  for (int64_t t = t0; t < t0 + 4 * hour + 10 * minute; t += 10 * s) {
    lon += 0.5 * (10.0 / 3600.0) * nm_lon;
    h.send(class_a(mmsi, lat0, lon, std::nullopt, 90.0, static_cast<uint8_t>(t / s % 60)), t);
  }
  ASSERT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Loitering, SilenceClosesAnOpenEpisode) {
  LoiteringDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Ship> ships{{445'123'456, lat0, lon0}};
  idle(h, ships, t0, t0 + 5 * hour);
  ASSERT_EQ(h.sink.of(ALERT_STATE_OPEN).size(), 1u);
  h.idle_until(t0 + 8 * hour);
  const auto closed = h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "silent");
  EXPECT_EQ(detector.tracked_count(), 0u);
}

}  // namespace
}  // namespace aiswatch::detect
