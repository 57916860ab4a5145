// The spatial index through Tracker::for_each_neighbour: exact answers near cell borders, at the
// antimeridian and near the poles, after moves and evictions; checked against a brute-force scan
// on deterministic pseudo-random fleets.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "track/spatial_grid.h"
#include "track/tracker.h"
#include "track_test_support.h"

namespace aiswatch::track {
namespace {

using namespace test;

std::vector<uint32_t> neighbours(const Tracker& tracker, double lat, double lon, double radius) {
  std::vector<uint32_t> out;
  tracker.for_each_neighbour(lat, lon, radius, [&](const VesselState& v, double d) {
    EXPECT_LE(d, radius);
    out.push_back(v.mmsi);
  });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SpatialGrid, NeighbourAcrossACellBorderIsFound) {
  Tracker tracker;  // 0.01 degree cells: 39.0 is a row border (129.0 / 0.01 = 12900)
  tracker.update(class_a(445'000'001, 38.9990, 124.0), t0);
  tracker.update(class_a(445'000'002, 39.0010, 124.0), t0);  // 222 m north, other cell
  tracker.update(class_a(445'000'003, 39.0100, 124.0), t0);  // 1.2 km
  EXPECT_EQ(neighbours(tracker, 38.9990, 124.0, 500.0),
            (std::vector<uint32_t>{445'000'001, 445'000'002}));
  // Column border at lon 124.05.
  tracker.update(class_a(445'000'004, 38.9990, 124.0499, 1.0, 1.0, 1), t0);
  tracker.update(class_a(445'000'005, 38.9990, 124.0501, 1.0, 1.0, 2), t0);
  EXPECT_EQ(neighbours(tracker, 38.9990, 124.0499, 100.0),
            (std::vector<uint32_t>{445'000'004, 445'000'005}));
}

TEST(SpatialGrid, RadiusLargerThanACell) {
  Tracker tracker;
  tracker.update(class_a(445'000'001, 39.0, 124.0), t0);
  tracker.update(class_a(445'000'002, 39.2, 124.0), t0);  // 22 km, four cells away
  EXPECT_EQ(neighbours(tracker, 39.0, 124.0, 25'000.0).size(), 2u);
  EXPECT_EQ(neighbours(tracker, 39.0, 124.0, 20'000.0).size(), 1u);
}

TEST(SpatialGrid, LongitudeScalesWithLatitude) {
  // At 70 N, 0.12 degrees of longitude is 4.6 km: more columns than the same radius at the
  // equator would cover.
  Tracker tracker;
  tracker.update(class_a(257'000'001, 70.0, 20.0), t0);
  tracker.update(class_a(257'000'002, 70.0, 20.12), t0);
  EXPECT_EQ(neighbours(tracker, 70.0, 20.0, 5'000.0).size(), 2u);
  EXPECT_EQ(neighbours(tracker, 70.0, 20.0, 4'000.0).size(), 1u);
}

TEST(SpatialGrid, NoWrapProblemAtTheAntimeridian) {
  Tracker tracker;
  tracker.update(class_a(273'000'001, 52.0, 179.999), t0);
  tracker.update(class_a(273'000'002, 52.0, -179.999), t0);  // 137 m east across the line
  tracker.update(class_a(273'000'003, 52.0, 180.0), t0);     // the line itself
  EXPECT_EQ(neighbours(tracker, 52.0, 179.999, 300.0).size(), 3u);
  EXPECT_EQ(neighbours(tracker, 52.0, -179.999, 300.0).size(), 3u);
  EXPECT_EQ(neighbours(tracker, 52.0, -180.0, 50.0).size(), 1u);
  // And nothing spurious from the far side of the world.
  EXPECT_TRUE(neighbours(tracker, 52.0, 0.0, 300'000.0).empty());
}

TEST(SpatialGrid, NearThePolesEveryColumnIsSearched) {
  Tracker tracker;
  tracker.update(class_a(257'000'001, 89.99, 0.0), t0);
  tracker.update(class_a(257'000'002, 89.99, 180.0), t0);  // 2.2 km across the pole
  tracker.update(class_a(257'000'003, 90.0, 45.0), t0);
  EXPECT_EQ(neighbours(tracker, 89.99, 0.0, 2'500.0).size(), 3u);
  EXPECT_EQ(neighbours(tracker, -89.999, 10.0, 1'000.0).size(), 0u);
}

TEST(SpatialGrid, FollowsMovesBetweenCells) {
  Tracker tracker;
  const uint32_t ship = 445'000'001;
  for (int i = 0; i < 30; ++i) {  // 10 knots east for 30 minutes, crossing cells
    tracker.update(class_a(ship, 39.0, 124.0 + 0.0036 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
                   t0 + i * minute);
  }
  EXPECT_TRUE(neighbours(tracker, 39.0, 124.0, 500.0).empty());
  EXPECT_EQ(neighbours(tracker, 39.0, 124.0 + 0.0036 * 29, 50.0), std::vector<uint32_t>{ship});
  EXPECT_EQ(tracker.occupied_cells(), 1u);  // old cells are freed
}

class SpatialGridCells : public ::testing::TestWithParam<double> {};

TEST_P(SpatialGridCells, MatchesBruteForceOnARandomFleet) {
  std::mt19937_64 rng(20'240'301);
  std::uniform_real_distribution<double> lat(-1.0, 1.0), lon(-0.5, 0.5);
  TrackerConfig config;
  config.grid_cell_deg = GetParam();
  Tracker tracker(config);
  std::vector<std::pair<double, double>> pos;
  for (uint32_t i = 0; i < 3'000; ++i) {
    // Clustered near (0, 179.8) so the antimeridian is crossed.
    double x = 179.8 + lon(rng);
    if (x > 180.0) x -= 360.0;
    const double y = lat(rng) * 0.5;
    tracker.update(class_a(200'000'000 + i, y, x), t0);
    pos.emplace_back(y, x);
  }
  for (int q = 0; q < 200; ++q) {
    const auto& c = pos[static_cast<std::size_t>(q) * 13];
    const double radius = 200.0 + 100.0 * q;
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < pos.size(); ++i) {
      if (haversine_m(c.first, c.second, pos[i].first, pos[i].second) <= radius) {
        expected.push_back(200'000'000 + i);
      }
    }
    ASSERT_EQ(neighbours(tracker, c.first, c.second, radius), expected) << q;
  }
}
INSTANTIATE_TEST_SUITE_P(CellSizes, SpatialGridCells, ::testing::Values(0.01, 0.05, 0.5));

TEST_P(SpatialGridCells, MatchesBruteForceNearAPole) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> lat(88.5, 90.0), lon(-180.0, 180.0);
  TrackerConfig config;
  config.grid_cell_deg = GetParam();
  Tracker tracker(config);
  std::vector<std::pair<double, double>> pos;
  for (uint32_t i = 0; i < 1'000; ++i) {
    pos.emplace_back(lat(rng), lon(rng));
    tracker.update(class_a(200'000'000 + i, pos.back().first, pos.back().second), t0);
  }
  for (int q = 0; q < 50; ++q) {
    const auto& c = pos[static_cast<std::size_t>(q) * 7];
    const double radius = 1'000.0 + 2'000.0 * q;
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < pos.size(); ++i) {
      if (haversine_m(c.first, c.second, pos[i].first, pos[i].second) <= radius) {
        expected.push_back(200'000'000 + i);
      }
    }
    ASSERT_EQ(neighbours(tracker, c.first, c.second, radius), expected) << q;
  }
}

TEST(SpatialGrid, CellTableSurvivesHeavyChurn) {
  // Insert and remove many cells so the hash table's backward-shift deletion is exercised.
  SpatialGrid grid(0.01);
  grid.ensure_slots(2'000);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-80.0, 80.0), lon(-180.0, 180.0);
  std::vector<std::pair<double, double>> where(2'000);
  for (int round = 0; round < 20; ++round) {
    for (uint32_t s = 0; s < 2'000; ++s) {
      where[s] = {lat(rng), lon(rng)};
      grid.place(s, where[s].first, where[s].second);
    }
    for (uint32_t s = 0; s < 2'000; s += 2) grid.remove(s);
    for (uint32_t s = 1; s < 2'000; s += 2) {
      bool found = false;
      grid.for_each_candidate(where[s].first, where[s].second, 1.0,
                              [&](uint32_t c) { found |= c == s; });
      ASSERT_TRUE(found) << round << " " << s;
    }
  }
  EXPECT_LE(grid.occupied_cells(), 1'000u);
}

}  // namespace
}  // namespace aiswatch::track
