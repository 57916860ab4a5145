#include "app/rules_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/command_run.h"

namespace aiswatch::app {
namespace {

namespace fs = std::filesystem;

testing::CommandRun run(const std::vector<std::string>& args) {
  return testing::run_command(run_rules, args);
}

fs::path make_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("aiswatch_rules_command_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

const std::string zones =
    R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "w", "name": "W", "kind": "watch"},
   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}},
  {"type": "Feature", "properties": {"id": "p", "name": "P", "kind": "port"},
   "geometry": {"type": "Polygon", "coordinates": [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]}}]})";

TEST(RulesCommand, ValidDirectoryPrintsASummary) {
  const auto dir = make_dir("valid");
  write(dir / "zones.geojson", zones);
  write(dir / "watchlist.csv", "mmsi,imo,name,reason\n445123456,,A,r\n");
  write(dir / "detectors.yaml", "rendezvous:\n  max_distance_m: 800\n");
  const auto result = run({"check", dir.string()});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(result.err.empty());
  EXPECT_NE(result.out.find(": valid"), std::string::npos);
  EXPECT_NE(result.out.find(
                "zones: 2 (watch 1, port 1, anchorage 0, land 0) from 1 file(s) zones.geojson"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("watchlist: 1 entry"), std::string::npos);
  EXPECT_NE(result.out.find("rendezvous.max_distance_m: 800 m (default 500)"), std::string::npos)
      << result.out;
}

TEST(RulesCommand, EmptyDirectorySaysDefaults) {
  const auto result = run({"check", make_dir("empty").string()});
  EXPECT_EQ(result.code, 0);
  EXPECT_NE(result.out.find("watchlist: none (no watchlist.csv)"), std::string::npos);
  EXPECT_NE(result.out.find("no detectors.yaml, every threshold at its default"),
            std::string::npos);
}

TEST(RulesCommand, InvalidDirectoryPrintsEveryErrorAndExitsOne) {
  const auto dir = make_dir("invalid");
  write(dir / "zones.geojson",
        R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "a", "name": "A", "kind": "watch"},
   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
  {"type": "Feature", "properties": {"id": "b", "name": "B", "kind": "watch"},
   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}]})");
  write(dir / "watchlist.csv",
        "mmsi,imo,name,reason\n445123456,,A,r\n445123457,,B,r\n445123458,,C,r\n445123459,,D,r\n"
        "445123460,,E,r\n,1234568,F,r\n");
  write(dir / "detectors.yaml", "rendezvous:\n  max_distance_m: 50000\n");
  const auto result = run({"check", dir.string()});
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(result.out.empty());
  EXPECT_NE(result.err.find("zones.geojson: feature 1 (id=b): self-intersecting polygon\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("watchlist.csv:7: imo 1234568 fails its check digit\n"),
            std::string::npos);
  EXPECT_NE(result.err.find(
                "detectors.yaml: rendezvous.max_distance_m: 50000 is out of range [50, 5000]\n"),
            std::string::npos);
  EXPECT_NE(result.err.find("3 error(s)"), std::string::npos);
}

TEST(RulesCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run({}).code, 2);
  EXPECT_EQ(run({"check"}).code, 2);
  EXPECT_EQ(run({"verify", "x"}).code, 2);
  EXPECT_EQ(run({"check", "a", "b"}).code, 2);
  const auto help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: aiswatchd rules check DIR"), std::string::npos);
}

TEST(RulesCommand, MissingDirectoryIsInvalid) {
  const auto result = run({"check", "/nonexistent/aiswatch/rules"});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("/nonexistent/aiswatch/rules: not a directory"), std::string::npos);
}

TEST(RulesCommand, DefaultsPrintsEveryKeyAndTheShippedFileMatchesIt) {
  const auto result = run({"defaults"});
  EXPECT_EQ(result.code, 0);
  EXPECT_NE(result.out.find("  max_distance_m: 500\n"), std::string::npos);
  // rules/detectors.yaml was written by `aiswatchd rules defaults`; regenerate it when the
  // threshold table changes.
  std::ifstream shipped(fs::path(AISWATCH_RULES_DIR) / "detectors.yaml");
  const std::string text((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, result.out);
}

}  // namespace
}  // namespace aiswatch::app
