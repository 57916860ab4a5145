// Dark period and loitering over a simulated day of traffic: the planted events must be found
// (recall), what is found must be planted (precision), and the look-alikes must stay silent.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "detect/dark_period.h"
#include "detect/engine.h"
#include "detect/loitering.h"
#include "detector_test_support.h"
#include "scenario_score.h"
#include "sim/traffic.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_DARK_PERIOD;
using aiswatch::v1::ALERT_TYPE_LOITERING;
using test::names;
using test::print;
using test::Score;
using test::score;

// Measured (seed 7): DARK_PERIOD 8/8 found, 8/8 right; LOITERING 8/8 found, 8/8 right; no
// alert on a confounder. Seeds 1-8 gave the same.
TEST(DarkPeriodLoiteringScenario, PrecisionAndRecallOverASimulatedDay) {
  sim::TrafficConfig config;
  config.seed = 7;
  config.vessels = 30;
  config.duration_s = 24 * 3'600;
  config.dark_periods = 8;
  config.loiterings = 8;
  config.roadsteads = 2;
  config.fishing_fleets = 3;
  config.tug_assists = 2;
  config.pair_trawlers = 2;
  config.rendezvous = 2;  // pairs idle together: the rendezvous detector's, not loitering

  test::RecordingSink sink;
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<DarkPeriodDetector>());
  detectors.push_back(std::make_unique<LoiteringDetector>());
  Engine engine(std::make_shared<const ruleset::Ruleset>(), std::move(detectors), sink);
  const sim::TrafficSummary summary =
      sim::simulate_traffic(config, [&](std::string_view line) { engine.push_line(line, "sim"); });
  engine.finish();

  const auto opened = sink.of(ALERT_STATE_OPEN);
  // Dark periods start at the last transmission, which reception loss may hide: a few minutes.
  const Score dark = score(opened, summary, ALERT_TYPE_DARK_PERIOD, "DARK_PERIOD", 600);
  const Score loitering = score(opened, summary, ALERT_TYPE_LOITERING, "LOITERING", 600);
  std::size_t on_confounders = 0;
  for (const auto& a : opened)
    for (const auto& e : summary.truth)
      if (e.type == "CONFOUNDER" && names(e, a)) {
        ++on_confounders;
        ADD_FAILURE() << "alert type " << a.type() << " on confounder " << e.kind << " mmsi "
                      << a.mmsi();
      }
  print("DARK_PERIOD", dark);  // misses and unplanned alerts are printed by score()
  print("LOITERING", loitering);
  std::cout << "alerts on confounders: " << on_confounders << "\n";
  EXPECT_GE(dark.truths, 6u);
  EXPECT_GE(loitering.truths, 6u);
  EXPECT_GE(dark.recall(), 0.95);
  EXPECT_GE(dark.precision(), 0.95);
  EXPECT_GE(loitering.recall(), 0.95);
  EXPECT_GE(loitering.precision(), 0.95);
  EXPECT_EQ(on_confounders, 0u);
}

}  // namespace
}  // namespace aiswatch::detect
