#include "ruleset/zones.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace aiswatch::ruleset {
namespace {

std::string feature(const std::string& id, const std::string& kind, const std::string& geometry,
                    const std::string& name = "A zone") {
  return R"({"type": "Feature", "properties": {"id": ")" + id + R"(", "name": ")" + name +
         R"(", "kind": ")" + kind + R"("}, "geometry": )" + geometry + "}";
}
std::string collection(const std::string& features) {
  return R"({"type": "FeatureCollection", "features": [)" + features + "]}";
}
std::string box(double w, double s, double e, double n) {
  const auto p = [](double x, double y) {
    return "[" + std::to_string(x) + ", " + std::to_string(y) + "]";
  };
  return "[" + p(w, s) + ", " + p(e, s) + ", " + p(e, n) + ", " + p(w, n) + ", " + p(w, s) + "]";
}
std::string polygon(const std::string& rings) {
  return R"({"type": "Polygon", "coordinates": [)" + rings + "]}";
}

struct Built {
  ZoneIndex index;
  LoadErrors errors;
};
Built build(const std::string& text, const std::string& file = "zones.geojson") {
  Built built;
  ZoneIndexBuilder builder;
  builder.add_file(file, text, built.errors);
  built.index = std::move(builder).build();
  return built;
}
std::string only_error(const Built& built) {
  EXPECT_EQ(built.errors.size(), 1u);
  return built.errors.empty() ? "" : built.errors[0].to_string();
}

TEST(Zones, PointInsideAndOutsideAPolygon) {
  const auto built = build(collection(feature("a", "watch", polygon(box(124, 38, 125, 39)))));
  ASSERT_TRUE(built.errors.empty());
  const auto inside = built.index.zones_containing(38.5, 124.5);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ((*inside.begin())->id, "a");
  EXPECT_EQ((*inside.begin())->kind, ZoneKind::watch);
  EXPECT_TRUE(built.index.zones_containing(39.5, 124.5).empty());
  EXPECT_TRUE(built.index.zones_containing(38.5, 125.5).empty());
}

TEST(Zones, PointsNearTheBoundary) {
  const auto built = build(collection(feature("a", "port", polygon(box(124, 38, 125, 39)))));
  EXPECT_EQ(built.index.zones_containing(38.5, 124.999999).size(), 1u);
  EXPECT_TRUE(built.index.zones_containing(38.5, 125.000001).empty());
  EXPECT_EQ(built.index.zones_containing(38.5, 125.0).size(), 1u);  // on the edge counts inside
}

TEST(Zones, EitherWindingIsAccepted) {
  // Clockwise exterior ring (RFC 7946 says counter-clockwise but asks parsers to accept both).
  const auto built = build(collection(feature(
      "cw", "watch", polygon("[[124, 38], [124, 39], [125, 39], [125, 38], [124, 38]]"))));
  ASSERT_TRUE(built.errors.empty());
  EXPECT_EQ(built.index.zones_containing(38.5, 124.5).size(), 1u);
}

TEST(Zones, HolesAreOutside) {
  const auto built = build(collection(
      feature("ring", "anchorage", polygon(box(120, 30, 130, 40) + "," + box(124, 34, 126, 36)))));
  ASSERT_TRUE(built.errors.empty()) << built.errors[0].to_string();
  EXPECT_EQ(built.index.zones_containing(32, 122).size(), 1u);
  EXPECT_TRUE(built.index.zones_containing(35, 125).empty());
}

TEST(Zones, MultiPolygonCoversEachPart) {
  const std::string multi = R"({"type": "MultiPolygon", "coordinates": [[)" +
                            box(120, 30, 121, 31) + "], [" + box(130, 40, 131, 41) + "]]}";
  const auto built = build(collection(feature("two", "port", multi)));
  ASSERT_TRUE(built.errors.empty()) << built.errors[0].to_string();
  EXPECT_EQ(built.index.zones_containing(30.5, 120.5).size(), 1u);
  EXPECT_EQ(built.index.zones_containing(40.5, 130.5).size(), 1u);
  EXPECT_TRUE(built.index.zones_containing(35, 125).empty());  // between the parts, in the bbox
}

TEST(Zones, OverlappingZonesAllMatchInFileOrder) {
  const auto built = build(collection(feature("outer", "watch", polygon(box(120, 30, 130, 40))) +
                                      "," +
                                      feature("inner", "port", polygon(box(124, 34, 126, 36)))));
  const auto matches = built.index.zones_containing(35, 125);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches.zones[0]->id, "outer");
  EXPECT_EQ(matches.zones[1]->id, "inner");
  EXPECT_TRUE(matches.any(ZoneKind::port));
  EXPECT_FALSE(matches.any(ZoneKind::anchorage));
  EXPECT_EQ(matches.first(ZoneKind::port)->id, "inner");
  EXPECT_EQ(built.index.count(ZoneKind::watch), 1u);
  EXPECT_EQ(built.index.find("inner")->kind, ZoneKind::port);
}

TEST(Zones, RtreeQueryOverManyZonesMatchesABruteForceCount) {
  // A 20 x 20 grid of one-degree boxes: every query point falls in exactly one.
  std::string features;
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < 20; ++j) {
      if (!features.empty()) features += ",";
      features += feature("z" + std::to_string(i) + "_" + std::to_string(j), "watch",
                          polygon(box(100 + i, 20 + j, 101 + i, 21 + j)));
    }
  }
  const auto built = build(collection(features));
  ASSERT_TRUE(built.errors.empty());
  ASSERT_EQ(built.index.zones().size(), 400u);
  for (int i = 0; i < 20; ++i) {
    const auto matches = built.index.zones_containing(20.5 + i, 100.5 + (19 - i));
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(matches.zones[0]->id, "z" + std::to_string(19 - i) + "_" + std::to_string(i));
  }
  EXPECT_TRUE(built.index.zones_containing(45, 110).empty());
}

TEST(Zones, NotANumberMatchesNothing) {
  const auto built = build(collection(feature("a", "watch", polygon(box(-180, -90, 180, 90)))));
  EXPECT_TRUE(built.index.zones_containing(std::nan(""), 0).empty());
  EXPECT_EQ(built.index.zones_containing(0, 0).size(), 1u);
}

// Land: a concave "C" around a bay (open to the east) with a lake, and a port box on its shore.
std::string land_c() {
  const std::string outer =
      "[[120, 30], [124, 30], [124, 31], [121, 31], [121, 33], [124, 33], [124, 34], [120, 34], "
      "[120, 30]]";
  return feature("c", "land", polygon(outer + "," + box(120.3, 32.0, 120.6, 32.5)), "Land C");
}

// The same "C" by a plain ray cast: what land_at must agree with away from the port.
bool in_land_c(double lat, double lon) {
  const auto in_ring = [&](const std::vector<std::pair<double, double>>& ring) {
    bool inside = false;
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const auto [xi, yi] = ring[i];
      const auto [xj, yj] = ring[j];
      if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)
        inside = !inside;
    }
    return inside;
  };
  return in_ring({{120, 30},
                  {124, 30},
                  {124, 31},
                  {121, 31},
                  {121, 33},
                  {124, 33},
                  {124, 34},
                  {120, 34}}) &&
         !in_ring({{120.3, 32.0}, {120.6, 32.0}, {120.6, 32.5}, {120.3, 32.5}});
}

TEST(LandZones, AreNotAmongTheZonesAPositionIsIn) {
  const auto built =
      build(collection(land_c() + "," + feature("w", "watch", polygon(box(119, 29, 125, 35)))));
  ASSERT_TRUE(built.errors.empty());
  EXPECT_EQ(built.index.count(ZoneKind::land), 1u);
  EXPECT_EQ(built.index.find("c")->kind, ZoneKind::land);
  const auto here = built.index.zones_containing(30.5, 122.0);  // inside the land and the watch
  ASSERT_EQ(here.size(), 1u);
  EXPECT_EQ(here.zones[0]->id, "w");
  ASSERT_NE(built.index.land_at(30.5, 122.0), nullptr);
  EXPECT_EQ(built.index.land_at(30.5, 122.0)->id, "c");
}

TEST(LandZones, DeepInsideTheBayAndTheLakeAreNotLand) {
  const auto built = build(collection(land_c()));
  ASSERT_TRUE(built.errors.empty());
  EXPECT_NE(built.index.land_at(33.5, 120.5), nullptr);    // deep inland
  EXPECT_EQ(built.index.land_at(32.0, 123.0), nullptr);    // the bay, inside the bounding box
  EXPECT_EQ(built.index.land_at(32.25, 120.45), nullptr);  // the lake
  EXPECT_EQ(built.index.land_at(35.0, 122.0), nullptr);    // outside everything
  EXPECT_EQ(built.index.land_at(std::nan(""), 122.0), nullptr);
  EXPECT_EQ(built.index.land_at(30.5, std::nan("")), nullptr);
  EXPECT_EQ(build(collection("")).index.land_at(30.5, 122.0), nullptr);  // no land zones
}

// The grid answers from cells wholly inside or outside; only cells a boundary crosses are tested
// exactly. Either way the answer is the polygon's, near its edges too.
TEST(LandZones, TheGridAgreesWithAnExactTestEverywhere) {
  const auto built = build(collection(land_c()));
  ASSERT_TRUE(built.errors.empty());
  std::size_t on_land = 0, checked = 0;
  for (double lat = 29.5; lat <= 34.5; lat += 0.0137) {
    for (double lon = 119.5; lon <= 124.5; lon += 0.0113) {
      const bool expected = in_land_c(lat, lon);
      ASSERT_EQ(built.index.land_at(lat, lon) != nullptr, expected) << lat << "," << lon;
      on_land += expected ? 1 : 0;
      ++checked;
    }
  }
  EXPECT_GT(on_land, checked / 4);
  // Within a metre of an edge, on either side.
  for (double lon = 121.2; lon < 124.0; lon += 0.1) {
    EXPECT_NE(built.index.land_at(30.99999, lon), nullptr) << lon;
    EXPECT_EQ(built.index.land_at(31.00001, lon), nullptr) << lon;
  }
}

TEST(LandZones, APortOrAnchorageWinsOverLand) {
  const auto built = build(
      collection(land_c() + "," + feature("p", "port", polygon(box(120.9, 31.5, 121.1, 31.7))) +
                 "," + feature("a", "anchorage", polygon(box(121.5, 33.4, 121.7, 33.6)))));
  ASSERT_TRUE(built.errors.empty());
  EXPECT_EQ(built.index.land_at(31.6, 120.95), nullptr);  // in the port, on the land's edge
  EXPECT_EQ(built.index.land_at(33.5, 121.6), nullptr);   // in the anchorage
  EXPECT_NE(built.index.land_at(31.6, 120.5), nullptr);   // beside the port, inland
}

TEST(LandZones, ErrorsNameTheFileAndFeatureLikeAnyZone) {
  EXPECT_EQ(
      only_error(build(
          collection(feature("bad-land", "land",
                             polygon("[[120, 30], [121, 31], [121, 30], [120, 31], [120, 30]]"))),
          "land.geojson")),
      "land.geojson: feature 0 (id=bad-land): self-intersecting polygon");
}

TEST(Zones, EmptyCollectionIsValid) {
  const auto built = build(collection(""));
  EXPECT_TRUE(built.errors.empty());
  EXPECT_TRUE(built.index.zones_containing(35, 125).empty());
}

TEST(ZoneErrors, SelfIntersectingPolygonNamesFileFeatureAndId) {
  // A bow tie: edges (124,38)-(125,39) and (125,38)-(124,39) cross.
  const auto built = build(
      collection(feature("ok", "watch", polygon(box(0, 0, 1, 1))) + "," +
                 feature("bowtie", "watch",
                         polygon("[[124, 38], [125, 39], [125, 38], [124, 39], [124, 38]]"))),
      "bad.geojson");
  EXPECT_EQ(only_error(built), "bad.geojson: feature 1 (id=bowtie): self-intersecting polygon");
  EXPECT_EQ(built.index.zones().size(), 1u);  // the good feature still loads
}

TEST(ZoneErrors, UnknownKind) {
  EXPECT_EQ(
      only_error(build(collection(feature("a", "harbour", polygon(box(0, 0, 1, 1)))))),
      "zones.geojson: feature 0 (id=a): unknown kind 'harbour' (watch, port, anchorage or land)");
}

TEST(ZoneErrors, DuplicateIdAcrossFiles) {
  Built built;
  ZoneIndexBuilder builder;
  builder.add_file("a.geojson", collection(feature("x", "port", polygon(box(0, 0, 1, 1)))),
                   built.errors);
  builder.add_file("b.geojson", collection(feature("x", "port", polygon(box(2, 2, 3, 3)))),
                   built.errors);
  EXPECT_EQ(only_error(built),
            "b.geojson: feature 0 (id=x): duplicate id (first defined in a.geojson feature 0)");
}

TEST(ZoneErrors, LongitudeOutsideRange) {
  EXPECT_EQ(only_error(build(collection(feature("a", "watch", polygon(box(179, 0, 181, 1)))))),
            "zones.geojson: feature 0 (id=a): longitude 181.0 is outside [-180, 180]");
}

TEST(ZoneErrors, LatitudeOutsideRange) {
  EXPECT_NE(only_error(build(collection(feature("a", "watch", polygon(box(0, 89, 1, 91))))))
                .find("latitude 91.0 is outside [-90, 90]"),
            std::string::npos);
}

TEST(ZoneErrors, OpenRingAndTooFewPositions) {
  EXPECT_EQ(only_error(build(collection(feature(
                "a", "watch", polygon("[[0, 0], [1, 0], [1, 1], [0, 1]]"))))),
            "zones.geojson: feature 0 (id=a): ring is not closed (its last position differs from "
            "its first)");
  EXPECT_EQ(only_error(build(collection(feature("a", "watch", polygon("[[0, 0], [1, 0], [0, 0]]"))))),
            "zones.geojson: feature 0 (id=a): ring has 3 positions; a closed ring needs at least 4");
}

TEST(ZoneErrors, HoleOutsideItsPolygon) {
  EXPECT_EQ(only_error(build(collection(
                feature("a", "watch", polygon(box(0, 0, 1, 1) + "," + box(5, 5, 6, 6)))))),
            "zones.geojson: feature 0 (id=a): hole lies outside its polygon");
}

TEST(ZoneErrors, WrongGeometryTypeAndMissingProperties) {
  const auto built = build(collection(
      R"({"type": "Feature", "properties": {"name": "n", "kind": "watch"},
          "geometry": {"type": "Point", "coordinates": [1, 2]}})"));
  ASSERT_EQ(built.errors.size(), 2u);
  EXPECT_EQ(built.errors[0].to_string(), "zones.geojson: feature 0: property 'id' is missing");
  EXPECT_EQ(built.errors[1].to_string(),
            "zones.geojson: feature 0: geometry type 'Point' is not Polygon or MultiPolygon");
}

TEST(ZoneErrors, ANumberTooLargeForADoubleIsAnErrorNotACrash) {
  // Found by fuzz_rules: nlohmann throws out_of_range, not parse_error, for this.
  const auto built = build(R"({"type": "FeatureCollection", "features": [1e999]})");
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].message.rfind("not valid JSON: ", 0), 0u) << built.errors[0].message;
}

TEST(ZoneErrors, NotJsonAndNotAFeatureCollection) {
  const auto bad_json = build("{\"type\": ");
  ASSERT_EQ(bad_json.errors.size(), 1u);
  EXPECT_EQ(bad_json.errors[0].message.rfind("not valid JSON: ", 0), 0u);
  EXPECT_EQ(only_error(build(R"({"type": "Feature"})")),
            "zones.geojson: not a GeoJSON FeatureCollection");
}

TEST(ZoneErrors, EveryBadFeatureIsReported) {
  const auto built = build(collection(feature("a", "dock", polygon(box(0, 0, 1, 1))) + "," +
                                      feature("b", "watch", polygon(box(0, 0, 200, 1))) + "," +
                                      feature("c", "watch", polygon(box(0, 0, 1, 1)))));
  ASSERT_EQ(built.errors.size(), 2u);
  EXPECT_EQ(built.errors[0].where, "feature 0 (id=a)");
  EXPECT_EQ(built.errors[1].where, "feature 1 (id=b)");
  EXPECT_EQ(built.index.zones().size(), 1u);
}

}  // namespace
}  // namespace aiswatch::ruleset
