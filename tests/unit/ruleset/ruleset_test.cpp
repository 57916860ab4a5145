#include "ruleset/ruleset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace aiswatch::ruleset {
namespace {

namespace fs = std::filesystem;

const fs::path shipped_rules = fs::path(AISWATCH_RULES_DIR);

// A fresh directory per test under the system temporary directory.
fs::path make_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("aiswatch_ruleset_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ShippedRules, AreValidAndKnowTheKoreanTheatre) {
  const auto result = load_ruleset(shipped_rules);
  ASSERT_TRUE(result.ok()) << result.errors[0].to_string();
  const Ruleset& rules = *result.ruleset;
  EXPECT_GE(rules.zones.count(ZoneKind::watch), 5u);
  EXPECT_GE(rules.zones.count(ZoneKind::port), 10u);
  EXPECT_TRUE(rules.thresholds.differences().empty()) << "detectors.yaml should hold defaults";
  EXPECT_FALSE(rules.watchlist.empty());

  // Off Nampo, in the Taedong estuary approaches: a watch zone.
  EXPECT_EQ(rules.zones.zones_containing(38.60, 125.00).first(ZoneKind::watch)->id, "kp-west-sea");
  // Nampo harbour itself: port and watch both (nothing is suppressed there).
  const auto nampo = rules.zones.zones_containing(38.72, 125.40);
  EXPECT_TRUE(nampo.any(ZoneKind::watch));
  EXPECT_TRUE(nampo.any(ZoneKind::port));
  // Busan North Port: a port zone, and no watch zone.
  const auto busan = rules.zones.zones_containing(35.10, 129.05);
  EXPECT_EQ(busan.first(ZoneKind::port)->id, "kr-busan");
  EXPECT_FALSE(busan.any(ZoneKind::watch));
  // 250 km east of Shanghai, where Japan reported transfers in 2018.
  EXPECT_TRUE(rules.zones.zones_containing(31.2, 124.1).any(ZoneKind::watch));
  // Open Pacific: nothing.
  EXPECT_TRUE(rules.zones.zones_containing(30.0, 150.0).empty());
}

// rules/land.geojson: deep inland is land; the sea, ports, estuaries and the rivers ships use up
// to their ports are not, however close to the coast.
TEST(ShippedRules, LandIsDeepInlandOnlyAndLeavesPortsAndRiversOut) {
  const auto result = load_ruleset(shipped_rules);
  ASSERT_TRUE(result.ok()) << result.errors[0].to_string();
  const ZoneIndex& zones = result.ruleset->zones;
  EXPECT_GE(zones.count(ZoneKind::land), 5u);
  struct Place {
    const char* what;
    double lat, lon;
  };
  for (const Place& p :
       {Place{"South Hwanghae, 40 km inland", 38.40, 125.60},
        Place{"east of Pyongyang", 39.10, 126.50}, Place{"north of Seoul", 37.90, 127.10},
        Place{"Taebaek mountains", 37.30, 128.60}, Place{"Liaoning, Xiuyan", 40.80, 123.50},
        Place{"Shandong, Linyi", 35.30, 118.30}, Place{"Kyushu, Aso", 32.88, 131.10},
        Place{"Honshu, Chugoku mountains", 35.00, 133.00},
        Place{"Primorye, Partizansk", 43.30, 133.20}}) {
    EXPECT_NE(zones.land_at(p.lat, p.lon), nullptr) << p.what;
  }
  for (const Place& p :
       {Place{"Korea Bay, the simulator's area", 38.50, 124.00}, Place{"Yellow Sea", 35.00, 124.50},
        Place{"Sea of Japan", 38.00, 131.00}, Place{"1-2 km off the Ongjin coast", 38.05, 124.80},
        Place{"Nampo harbour (a port zone)", 38.73, 125.40},
        Place{"Taedong at Songrim", 38.75, 125.62}, Place{"Taedong at Pyongyang", 39.00, 125.747},
        Place{"Yalu at Dandong", 40.093, 124.372}, Place{"Yalu estuary", 39.85, 124.25},
        Place{"Incheon (a port zone)", 37.45, 126.60}, Place{"Han at Seoul", 37.52, 127.00},
        Place{"Geum estuary, Gunsan", 36.00, 126.70}, Place{"Dalian (a port zone)", 38.92, 121.65},
        Place{"Liao at Yingkou", 40.67, 122.23}, Place{"Vladivostok (a port zone)", 43.10, 131.90},
        Place{"Shanghai, not covered", 31.25, 121.00}, Place{"Busan", 35.10, 129.05}}) {
    EXPECT_EQ(zones.land_at(p.lat, p.lon), nullptr) << p.what;
  }
  // The simulator's default area (sim/traffic.h), with a margin: its traffic is never on land.
  for (double lat = 37.95; lat <= 39.45; lat += 0.01)
    for (double lon = 123.55; lon <= 125.05; lon += 0.01)
      ASSERT_EQ(zones.land_at(lat, lon), nullptr) << lat << "," << lon;
}

TEST(LoadRuleset, EmptyDirectoryIsValidWithDefaults) {
  const auto result = load_ruleset(make_dir("empty"));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.ruleset->zones.zones().empty());
  EXPECT_TRUE(result.ruleset->watchlist.empty());
  EXPECT_FALSE(result.ruleset->has_watchlist);
  EXPECT_FALSE(result.ruleset->has_detectors);
  EXPECT_TRUE(result.ruleset->thresholds.differences().empty());
}

TEST(LoadRuleset, MissingDirectoryIsAnError) {
  const auto result = load_ruleset("/nonexistent/aiswatch/rules");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.ruleset, nullptr);
  EXPECT_EQ(result.errors[0].message, "not a directory");
}

TEST(LoadRuleset, ErrorsFromEveryFileAreCollectedAndNoRulesetIsGiven) {
  const auto dir = make_dir("errors");
  write(dir / "a.geojson",
        R"({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": "x", "name": "X", "kind": "bay"},
            "geometry": {"type": "Polygon",
                         "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]})");
  write(dir / "watchlist.csv", "mmsi,imo,name,reason\n,1234568,A,r\n");
  write(dir / "detectors.yaml", "loitering:\n  min_duration_h: 100\n");
  write(dir / "notes.txt", "not a rules file");
  const auto result = load_ruleset(dir);
  EXPECT_EQ(result.ruleset, nullptr);
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].to_string(),
            "a.geojson: feature 0 (id=x): unknown kind 'bay' (watch, port, anchorage or land)");
  EXPECT_EQ(result.errors[1].to_string(), "watchlist.csv:2: imo 1234568 fails its check digit");
  EXPECT_EQ(result.errors[2].to_string(),
            "detectors.yaml: loitering.min_duration_h: 100 is out of range [0.5, 72]");
}

TEST(LoadRuleset, SnapshotIsShareableAndConst) {
  const auto dir = make_dir("snapshot");
  write(dir / "z.geojson",
        R"({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": "p", "name": "P", "kind": "port"},
            "geometry": {"type": "Polygon",
                         "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]})");
  const auto result = load_ruleset(dir);
  ASSERT_TRUE(result.ok());
  std::shared_ptr<const Ruleset> current = result.ruleset;
  const auto held_by_a_batch = current;
  current = load_ruleset(make_dir("snapshot_reloaded")).ruleset;  // a reload swaps the pointer
  EXPECT_EQ(held_by_a_batch->zones.zones_containing(0.5, 0.5).size(), 1u);
  EXPECT_TRUE(current->zones.zones_containing(0.5, 0.5).empty());
  EXPECT_EQ(held_by_a_batch->zone_files, std::vector<std::string>{"z.geojson"});
}

}  // namespace
}  // namespace aiswatch::ruleset
