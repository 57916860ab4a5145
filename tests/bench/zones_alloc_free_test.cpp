// ruleset::ZoneIndex::zones_containing runs once per vessel update (detect/engine.cpp) and
// promises not to allocate (ruleset/zones.h). This binary links alloc_counter.cpp, which counts
// every global operator new, and queries the default rules' zones at points inside, outside, on
// their vertices and edges, and at degenerate coordinates.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/alloc_counter_check.h"
#include "ruleset/ruleset.h"
#include "ruleset/zones.h"

namespace aiswatch::bench {
namespace {

struct Point {
  double lat, lon;
};

// The vertices of every polygon ring of the zones zones_containing answers for (watch, port,
// anchorage; land has its own lookup, land_at) in the rules' GeoJSON files (read here,
// independently of the loader), and the midpoints of their edges: points on a boundary.
void boundary_points(std::vector<Point>& vertices, std::vector<Point>& midpoints) {
  for (const auto& entry : std::filesystem::directory_iterator(AISWATCH_RULES_DIR)) {
    if (entry.path().extension() != ".geojson") continue;
    std::ifstream in(entry.path());
    const nlohmann::json doc = nlohmann::json::parse(in);
    for (const auto& feature : doc.at("features")) {
      if (feature.at("properties").value("kind", "") == "land") continue;
      const auto& geometry = feature.at("geometry");
      std::vector<nlohmann::json> polygons;
      if (geometry.at("type") == "Polygon") polygons.push_back(geometry.at("coordinates"));
      if (geometry.at("type") == "MultiPolygon") {
        for (const auto& p : geometry.at("coordinates")) polygons.push_back(p);
      }
      for (const auto& polygon : polygons) {
        for (const auto& ring : polygon) {
          for (std::size_t i = 0; i < ring.size(); ++i) {
            const Point p{ring[i][1].get<double>(), ring[i][0].get<double>()};
            vertices.push_back(p);
            if (i + 1 < ring.size()) {
              midpoints.push_back({0.5 * (p.lat + ring[i + 1][1].get<double>()),
                                   0.5 * (p.lon + ring[i + 1][0].get<double>())});
            }
          }
        }
      }
    }
  }
}

// Results escape through a volatile so the queries cannot be optimised away.
volatile std::size_t sink = 0;

TEST(ZonesAllocFree, ZonesContainingNeverAllocates) {
  const ruleset::LoadResult loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  ASSERT_TRUE(loaded.ok());
  const ruleset::ZoneIndex& zones = loaded.ruleset->zones;
  ASSERT_GT(zones.zones().size(), 0u);

  std::vector<Point> vertices, midpoints, points;
  boundary_points(vertices, midpoints);
  ASSERT_GT(vertices.size(), 3 * zones.zones().size());
  // A 0.02 degree grid over the zones' extent and a degree beyond it: inside, outside, and near
  // edges.
  double south = 90, north = -90, west = 180, east = -180;
  for (const Point& p : vertices) {
    south = std::min(south, p.lat);
    north = std::max(north, p.lat);
    west = std::min(west, p.lon);
    east = std::max(east, p.lon);
  }
  for (double lat = south - 1.0; lat <= north + 1.0; lat += 0.02) {
    for (double lon = west - 1.0; lon <= east + 1.0; lon += 0.02) points.push_back({lat, lon});
  }
  // Far away and degenerate: the poles, the antimeridian, the null island, NaN, out of range.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Point p : {Point{0, 0}, Point{90, 0}, Point{-90, 0}, Point{0, 180}, Point{0, -180},
                        Point{-33.85, 151.2}, Point{nan, 125}, Point{38, nan}, Point{nan, nan},
                        Point{inf, 125}, Point{38, -inf}, Point{91, 200}, Point{-1e300, 1e300}}) {
    points.push_back(p);
  }

  zones.zones_containing(38.0, 125.0);  // anything lazily built is built now
  const uint64_t before = allocation_count();
  std::size_t inside = 0, outside = 0, vertices_matched = 0, total = 0;
  for (const Point& p : points) {
    const ruleset::ZoneMatches m = zones.zones_containing(p.lat, p.lon);
    (m.empty() ? outside : inside) += 1;
    total += m.size();
  }
  for (const Point& p : vertices) {
    const ruleset::ZoneMatches m = zones.zones_containing(p.lat, p.lon);
    vertices_matched += m.empty() ? 0 : 1;
    total += m.size();
  }
  for (const Point& p : midpoints) total += zones.zones_containing(p.lat, p.lon).size();
  for (const Point& p : points) total += zones.land_at(p.lat, p.lon) != nullptr ? 1 : 0;
  const uint64_t allocations = allocation_count() - before;
  sink = total;

  EXPECT_EQ(allocations, 0u) << "zones_containing or land_at allocated " << allocations
                             << " times over " << points.size() + vertices.size() + midpoints.size()
                             << " queries";
  // The queries exercised both answers, and the boundary (a vertex is on it, and a point on a
  // boundary counts as inside).
  EXPECT_GT(inside, 1'000u);
  EXPECT_GT(outside, 1'000u);
  EXPECT_EQ(vertices_matched, vertices.size());
}

}  // namespace
}  // namespace aiswatch::bench
