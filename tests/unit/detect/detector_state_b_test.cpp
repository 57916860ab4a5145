// Checkpoints of the geofence, identity change, draught change and spoofing detectors: each over
// a simulated scenario with the shipped rules that plants its episodes, restored from saved
// state every N lines and at a line where an episode is under way (a crossing not yet confirmed,
// a known identity or draught about to change, a spoofing episode open), gives exactly the alert
// events of the uninterrupted run — and the scenario did raise the detector's alerts, so the
// comparison is not of two empty runs.
#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"
#include "sim/watch_zones.h"
#include "unit/detect/split_run.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::Alert;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_DRAUGHT_CHANGE;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_DWELL;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_ENTRY;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_EXIT;
using aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE;
using aiswatch::v1::ALERT_TYPE_SPOOFING;
using aiswatch::v1::AlertType;

struct Scenario {
  std::shared_ptr<const ruleset::Ruleset> rules;
  std::vector<std::string> lines;
};

std::shared_ptr<const ruleset::Ruleset> load(const std::filesystem::path& directory) {
  const ruleset::LoadResult loaded = ruleset::load_ruleset(directory);
  EXPECT_TRUE(loaded.ok());
  return loaded.ruleset;
}

Scenario simulate(std::shared_ptr<const ruleset::Ruleset> rules, sim::TrafficConfig config) {
  sim::use_watch_zones(*rules, config);
  Scenario s{std::move(rules), {}};
  sim::simulate_traffic(config, [&](std::string_view line) { s.lines.emplace_back(line); });
  return s;
}

// The shipped rules with geofence dwell alerts on after an hour (they ship off), in a fresh
// directory under the system's temporary one.
std::shared_ptr<const ruleset::Ruleset> rules_with_dwell() {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("aiswatch_state_b_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(AISWATCH_RULES_DIR, dir, fs::copy_options::recursive);
  std::stringstream yaml;
  yaml << std::ifstream(dir / "detectors.yaml").rdbuf();
  std::string text = yaml.str();
  const std::string off = "dwell_alert_h: 0";
  const std::size_t at = text.find(off);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) text.replace(at, off.size(), "dwell_alert_h: 1");
  std::ofstream(dir / "detectors.yaml", std::ios::trunc) << text;
  auto rules = load(dir);
  fs::remove_all(dir);
  return rules;
}

// An event of the uninterrupted run and the index of the line whose push emitted it.
struct Emitted {
  Alert alert;
  std::size_t line = 0;
};

std::vector<Emitted> emitted(const Scenario& s) {
  test::RecordingSink sink;
  Engine engine(s.rules, make_detectors(*s.rules), sink);
  std::vector<Emitted> out;
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    const std::size_t before = sink.events.size();
    engine.push_line(s.lines[i], "sim");
    for (std::size_t e = before; e < sink.events.size(); ++e) out.push_back({sink.events[e], i});
  }
  return out;
}

// Lines at which a restore lands inside an episode of one of `types`: just before the line that
// confirms a geofence crossing (the crossing started minutes earlier and is pending), and half
// way between an open and its close. At most `limit` of them.
std::vector<std::size_t> splits_inside(const std::vector<Emitted>& events, std::size_t lines,
                                       const std::set<AlertType>& types, std::size_t limit) {
  std::vector<std::size_t> out;
  for (const Emitted& e : events) {
    if (out.size() >= limit) break;
    if (types.count(e.alert.type()) == 0 || e.alert.state() != ALERT_STATE_OPEN) continue;
    std::size_t closed = lines;  // still open at the end of input: closed by Engine::finish
    for (const Emitted& c : events)
      if (c.alert.alert_id() == e.alert.alert_id() && c.alert.state() == ALERT_STATE_CLOSED)
        closed = c.line;
    // An instant alert (closed with its open) was pending up to the line that raised it.
    const std::size_t at = closed > e.line + 1 ? (e.line + closed) / 2 : e.line;
    if (at > 0) out.push_back(at);
  }
  return out;
}

std::size_t count_of(const std::vector<Alert>& events, const std::set<AlertType>& types) {
  std::size_t n = 0;
  for (const Alert& a : events) n += types.count(a.type());
  return n;
}

// The scenario raises `types`, and the restored chains give the uninterrupted run's events when
// split every few thousand lines, and every `at` lines for each line `at` inside an episode.
void expect_restores_preserve(const Scenario& s, const std::set<AlertType>& types) {
  const std::vector<Emitted> events = emitted(s);
  const std::vector<std::size_t> inside = splits_inside(events, s.lines.size(), types, 4);
  ASSERT_FALSE(inside.empty()) << "the scenario raised no alert of the detector under test";
  std::vector<std::size_t> every = inside;
  every.push_back(997);
  every.push_back(6'143);
  for (const std::size_t n : every) {
    SCOPED_TRACE("restored every " + std::to_string(n) + " lines");
    const test::SplitRun run = test::split_run(s.rules, s.lines, n);
    EXPECT_GT(run.restores, 0u);
    EXPECT_GT(count_of(run.whole, types), 0u);
    test::expect_same_events(run);
  }
}

TEST(DetectorStateB, GeofenceCrossingsSurviveRestores) {
  sim::TrafficConfig config;
  config.seed = 3;
  config.vessels = 20;
  config.duration_s = 5 * 3'600;
  config.zone_crossings = 4;
  config.boundary_anchorages = 2;
  const Scenario s = simulate(load(AISWATCH_RULES_DIR), config);
  expect_restores_preserve(s, {ALERT_TYPE_GEOFENCE_ENTRY, ALERT_TYPE_GEOFENCE_EXIT});
}

// Dwell alerts stay open while the vessel is inside: restores land inside them.
TEST(DetectorStateB, GeofenceDwellSurvivesRestores) {
  sim::TrafficConfig config;
  config.seed = 4;
  config.vessels = 15;
  config.duration_s = 5 * 3'600;
  config.zone_crossings = 3;
  const Scenario s = simulate(rules_with_dwell(), config);
  expect_restores_preserve(s, {ALERT_TYPE_GEOFENCE_DWELL});
}

TEST(DetectorStateB, IdentityChangesSurviveRestores) {
  sim::TrafficConfig config;
  config.seed = 6;
  config.vessels = 15;
  config.duration_s = 8 * 3'600;
  config.renamed_tankers = 2;
  config.flag_mismatches = 1;
  config.shared_mmsis = 1;
  const Scenario s = simulate(load(AISWATCH_RULES_DIR), config);
  expect_restores_preserve(s, {ALERT_TYPE_IDENTITY_CHANGE});
}

TEST(DetectorStateB, DraughtChangesSurviveRestores) {
  sim::TrafficConfig config;
  config.seed = 7;
  config.vessels = 15;
  config.duration_s = 8 * 3'600;
  config.draught_changes = 2;
  const Scenario s = simulate(load(AISWATCH_RULES_DIR), config);
  expect_restores_preserve(s, {ALERT_TYPE_DRAUGHT_CHANGE});
}

TEST(DetectorStateB, SpoofingEpisodesSurviveRestores) {
  sim::TrafficConfig config;
  config.seed = 8;
  config.vessels = 15;
  config.duration_s = 10 * 3'600;
  config.position_offsets = 1;
  config.shared_mmsis = 1;
  config.land_positions = 1;
  config.gps_glitches = 1;
  const Scenario s = simulate(load(AISWATCH_RULES_DIR), config);
  expect_restores_preserve(s, {ALERT_TYPE_SPOOFING});
}

}  // namespace
}  // namespace aiswatch::detect
