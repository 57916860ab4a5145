// The deception detectors of issue 4 over a simulated day and a half of traffic with the shipped
// rules and every detector on: dark ship-to-ship transfers, two ships switching off to meet, long
// silences among traffic, false positions, positions spoofed onto land, one MMSI on two ships, a
// renamed tanker, a flag that does not match, draught changes at sea — and the look-alikes that
// must stay silent: a single GPS glitch, a coverage hole where every ship goes quiet at once, a
// draught change in port, ships with poor GPS close along the coast and up rivers to their ports.
// Precision and recall of at least 0.95 per alert type, and nothing on the look-alikes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/registry.h"
#include "detector_test_support.h"
#include "ruleset/ruleset.h"
#include "scenario_score.h"
#include "sim/traffic.h"
#include "sim/watch_zones.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::Alert;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_DARK_PERIOD;
using aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS;
using aiswatch::v1::ALERT_TYPE_DRAUGHT_CHANGE;
using aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE;
using aiswatch::v1::ALERT_TYPE_SPOOFING;
using aiswatch::v1::AlertType;
using test::matches;
using test::names;
using test::print;
using test::Score;
using test::score;

struct ScenarioRun {
  sim::TrafficSummary summary;
  std::vector<Alert> episodes;  // each alert once, as last emitted (CLOSED carries everything)
};

ScenarioRun run_with_shipped_rules(sim::TrafficConfig config) {
  const ruleset::LoadResult loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(loaded.ok());
  sim::use_watch_zones(*loaded.ruleset, config);
  test::RecordingSink sink;
  Engine engine(loaded.ruleset, make_detectors(*loaded.ruleset), sink);
  ScenarioRun run;
  run.summary =
      sim::simulate_traffic(config, [&](std::string_view line) { engine.push_line(line, "sim"); });
  engine.finish();
  std::map<std::string, Alert> last_event;
  for (const auto& a : sink.events) last_event[a.alert_id()] = a;
  for (const auto& [id, a] : last_event) run.episodes.push_back(a);
  return run;
}

bool escalated(const Alert& a) {
  return a.type() == ALERT_TYPE_DARK_PERIOD && a.severity() > aiswatch::v1::SEVERITY_MEDIUM;
}

// Deliberate silence: a dark period escalated above its type's MEDIUM.
Score score_escalations(const ScenarioRun& run) {
  Score s;
  for (const auto& a : run.episodes) {
    if (!escalated(a)) continue;
    ++s.alerts;
    bool right = false;
    for (const auto& e : run.summary.truth)
      right = right || (e.kind == "deliberate_silence" && matches(a, e, 600));
    if (right) {
      ++s.right;
    } else {
      std::cout << "escalated without cause " << a.ShortDebugString() << "\n";
    }
  }
  for (const auto& e : run.summary.truth) {
    if (e.kind != "deliberate_silence") continue;
    ++s.truths;
    bool found = false;
    for (const auto& a : run.episodes) found = found || (escalated(a) && matches(a, e, 600));
    if (found) {
      ++s.found;
    } else {
      std::cout << "not escalated: deliberate silence of " << e.mmsis[0] << " " << e.start_time_s
                << ".." << e.end_time_s << " at " << e.lat << "," << e.lon << "\n";
      for (const auto& a : run.episodes)
        if (a.type() == ALERT_TYPE_DARK_PERIOD && matches(a, e, 600))
          std::cout << "  its dark period: " << a.ShortDebugString() << "\n";
    }
  }
  return s;
}

// Alerts of issue 4's types, or escalations, on the vessels of look-alikes: a GPS glitch, a
// coverage hole, a draught change in port, coastal and river traffic. Ships in a coverage hole
// do fall silent, so their dark periods may open; nothing else may.
std::size_t alerts_on_look_alikes(const ScenarioRun& run) {
  std::size_t n = 0;
  for (const auto& e : run.summary.truth) {
    if (e.kind != "gps_glitch" && e.kind != "coverage_hole" && e.kind != "draught_change_in_port" &&
        e.kind != "coastal_and_river_port")
      continue;
    for (const auto& a : run.episodes) {
      if (!names(e, a)) continue;
      const bool new_type =
          a.type() == ALERT_TYPE_DARK_RENDEZVOUS || a.type() == ALERT_TYPE_SPOOFING ||
          a.type() == ALERT_TYPE_IDENTITY_CHANGE || a.type() == ALERT_TYPE_DRAUGHT_CHANGE;
      if (new_type || escalated(a)) {
        ++n;
        ADD_FAILURE() << "alert on look-alike " << e.kind << ": " << a.ShortDebugString();
      }
    }
  }
  std::cout << "alerts on look-alikes: " << n << "\n";
  return n;
}

// Measured (seed 11): DARK_RENDEZVOUS 7/7 found, 8/8 right; SPOOFING 10/10, 10/10 (the 4
// positions on land all with reason "reported positions on land"); IDENTITY_CHANGE 6/6, 9/9;
// DRAUGHT_CHANGE 8/8, 9/9; deliberate silence 3/3, 3/3; 4/4 draught changes linked to their dark
// transfer; nothing on look-alikes (the 4 coastal and river ships included). Seeds 1-8
// (AISWATCH_SCENARIO_SEED): recall and precision 1.0 for every type.
TEST(DeceptionScenario, PrecisionAndRecallPerTypeAndSilenceOnLookAlikes) {
  sim::TrafficConfig config;
  // AISWATCH_SCENARIO_SEED: try other seeds by hand (the measured ones are in the note above).
  const char* seed = std::getenv("AISWATCH_SCENARIO_SEED");
  config.seed = seed != nullptr ? std::strtoull(seed, nullptr, 10) : 11;
  config.vessels = 50;
  config.duration_s = 30 * 3'600;
  config.dark_sts = 4;
  config.both_dark_meetings = 3;
  config.deliberate_silences = 3;
  config.position_offsets = 4;
  config.shared_mmsis = 2;
  config.renamed_tankers = 4;
  config.flag_mismatches = 2;
  config.draught_changes = 4;
  config.gps_glitches = 6;
  config.port_draught_changes = 3;
  config.land_positions = 4;
  config.coastal_traffic = 4;
  config.malformed_probability = 0.001;
  const ScenarioRun run = run_with_shipped_rules(config);
  const auto& episodes = run.episodes;
  const auto& summary = run.summary;

  // Dark: the alert starts at the last transmission before the silence or when the visible
  // ship began to idle, up to an hour before the dark ship switched off.
  const Score dark_rendezvous =
      score(episodes, summary, ALERT_TYPE_DARK_RENDEZVOUS, "DARK_RENDEZVOUS", 3'600);
  const Score spoofing = score(episodes, summary, ALERT_TYPE_SPOOFING, "SPOOFING", 600);
  const Score identity =
      score(episodes, summary, ALERT_TYPE_IDENTITY_CHANGE, "IDENTITY_CHANGE", 0, {"shared_mmsi"});
  // Two ships on one MMSI also report two draughts: the first switch is a draught change.
  const Score draught =
      score(episodes, summary, ALERT_TYPE_DRAUGHT_CHANGE, "DRAUGHT_CHANGE", 0, {"shared_mmsi"});
  const Score deliberate = score_escalations(run);
  print("DARK_RENDEZVOUS", dark_rendezvous);
  print("SPOOFING", spoofing);
  print("IDENTITY_CHANGE", identity);
  print("DRAUGHT_CHANGE", draught);
  print("DELIBERATE SILENCE (escalated DARK_PERIOD)", deliberate);

  // A draught change after a dark transfer is linked to it.
  std::set<std::string> dark_rendezvous_ids;
  for (const auto& a : episodes)
    if (a.type() == ALERT_TYPE_DARK_RENDEZVOUS) dark_rendezvous_ids.insert(a.alert_id());
  std::size_t laden = 0, linked = 0;
  for (const auto& e : summary.truth) {
    if (e.kind != "laden_after_dark_sts") continue;
    ++laden;
    for (const auto& a : episodes) {
      if (a.type() != ALERT_TYPE_DRAUGHT_CHANGE || !matches(a, e, 0)) continue;
      bool to_transfer = false;
      for (const auto& id : a.related_alert_ids())
        to_transfer = to_transfer || dark_rendezvous_ids.contains(id);
      if (to_transfer) ++linked;
      break;
    }
  }
  std::cout << "draught changes after a dark transfer linked to it: " << linked << "/" << laden
            << "\n";

  EXPECT_GE(dark_rendezvous.truths, 5u);
  EXPECT_GE(spoofing.truths, 9u);
  std::size_t on_land = 0, by_land = 0, coastal = 0;
  for (const auto& e : summary.truth) {
    coastal += e.kind == "coastal_and_river_port" ? 1 : 0;
    if (e.kind != "circling_on_land" && e.kind != "frozen_on_land") continue;
    ++on_land;
    for (const auto& a : episodes)
      if (a.type() == ALERT_TYPE_SPOOFING && matches(a, e, 600) &&
          a.reason() == "reported positions on land")
        ++by_land;
  }
  std::cout << "positions on land found as such: " << by_land << "/" << on_land << "\n";
  EXPECT_EQ(on_land, 4u);
  EXPECT_EQ(coastal, 4u);
  EXPECT_EQ(by_land, on_land);
  EXPECT_GE(identity.truths, 5u);
  EXPECT_GE(draught.truths, 6u);
  EXPECT_GE(deliberate.truths, 2u);
  for (const Score* s : {&dark_rendezvous, &spoofing, &identity, &draught, &deliberate}) {
    EXPECT_GE(s->recall(), 0.95);
    EXPECT_GE(s->precision(), 0.95);
  }
  EXPECT_GE(static_cast<double>(linked), 0.95 * static_cast<double>(laden));
  EXPECT_EQ(alerts_on_look_alikes(run), 0u);
}

// A receiver down for 14-16 h: four trawlers working in its 0.4 degree box go quiet together,
// as does every ship passing through. Long silences among traffic elsewhere escalate; theirs
// must not, and going quiet together is no dark rendezvous.
TEST(DeceptionScenario, ACoverageHoleNeitherEscalatesNorLinks) {
  sim::TrafficConfig config;
  config.seed = 5;
  config.vessels = 60;
  config.min_lon = 122.4;  // a wider area: room for silences clear of the hole
  config.duration_s = 24 * 3'600;
  config.coverage_holes = 1;
  config.deliberate_silences = 3;
  const ScenarioRun run = run_with_shipped_rules(config);
  const Score deliberate = score_escalations(run);
  print("DELIBERATE SILENCE (escalated DARK_PERIOD)", deliberate);
  std::size_t hole_dark_periods = 0;
  for (const auto& e : run.summary.truth)
    if (e.kind == "coverage_hole")
      for (const auto& a : run.episodes)
        if (names(e, a) && a.type() == ALERT_TYPE_DARK_PERIOD) ++hole_dark_periods;
  std::cout << "dark periods of the trawlers in the hole: " << hole_dark_periods << "\n";
  EXPECT_EQ(hole_dark_periods, 4u) << "they are silent past 6 h: the test must exercise this";
  EXPECT_GE(deliberate.truths, 2u);
  EXPECT_GE(deliberate.recall(), 0.95);
  EXPECT_GE(deliberate.precision(), 0.95);
  EXPECT_EQ(alerts_on_look_alikes(run), 0u);
}

}  // namespace
}  // namespace aiswatch::detect
