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
            "a.geojson: feature 0 (id=x): unknown kind 'bay' (watch, port or anchorage)");
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
