// Engine::save_state / restore_state: a scenario with every alert type, restored from its own
// state every few thousand lines, gives exactly the alert events of the uninterrupted run; a
// corrupt or truncated state is refused with a reason and never crashes.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"
#include "sim/watch_zones.h"
#include "state/archive.h"
#include "support/bit_flips.h"
#include "unit/detect/split_run.h"

namespace aiswatch::detect {
namespace {

using test::RecordingSink;

struct Scenario {
  std::shared_ptr<const ruleset::Ruleset> rules;
  std::vector<std::string> lines;
};

// Fourteen hours near Korea with every kind of episode planted, as the shipped rules see it.
const Scenario& every_type_scenario() {
  static const Scenario scenario = [] {
    const ruleset::LoadResult loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
    EXPECT_TRUE(loaded.ok());
    sim::TrafficConfig config;
    config.seed = 5;
    config.vessels = 25;
    config.duration_s = 14 * 3'600;
    sim::use_watch_zones(*loaded.ruleset, config);
    config.rendezvous = 2;
    config.dark_periods = 2;
    config.loiterings = 1;
    config.zone_crossings = 2;
    config.dark_sts = 1;
    config.both_dark_meetings = 1;
    config.deliberate_silences = 1;
    config.position_offsets = 1;
    config.shared_mmsis = 1;
    config.renamed_tankers = 1;
    config.flag_mismatches = 1;
    config.draught_changes = 1;
    config.gps_glitches = 2;
    config.land_positions = 1;
    config.malformed_probability = 0.001;
    Scenario s{loaded.ruleset, {}};
    sim::simulate_traffic(config, [&](std::string_view line) { s.lines.emplace_back(line); });
    return s;
  }();
  return scenario;
}

TEST(CheckpointState, RestoredChainGivesTheUninterruptedRunsEvents) {
  const Scenario& s = every_type_scenario();
  const test::SplitRun run = test::split_run(s.rules, s.lines, 7'919);
  EXPECT_GT(run.restores, 10u);
  // Every detector had something to carry across a restore.
  std::set<int> types;
  for (const auto& e : run.whole) types.insert(e.type());
  EXPECT_GE(types.size(), 8u) << "the scenario should exercise every detector";
  test::expect_same_events(run);
}

TEST(CheckpointState, SplittingInsideMultiSentenceMessagesLosesNone) {
  const Scenario& s = every_type_scenario();
  // Every 7th line: splits land between the sentences of type 5 messages.
  std::vector<std::string> head(s.lines.begin(),
                                s.lines.begin() + std::min<std::size_t>(s.lines.size(), 30'000));
  test::expect_same_events(test::split_run(s.rules, head, 7));
}

std::string saved_state(std::size_t lines) {
  const Scenario& s = every_type_scenario();
  RecordingSink sink;
  Engine engine(s.rules, make_detectors(*s.rules), sink);
  for (std::size_t i = 0; i < lines && i < s.lines.size(); ++i) engine.push_line(s.lines[i], "sim");
  state::StateWriter out;
  engine.save_state(out);
  return out.take();
}

TEST(CheckpointState, TruncatedStateIsRefusedWithAReason) {
  const std::string bytes = saved_state(20'000);
  const Scenario& s = every_type_scenario();
  for (const std::size_t keep :
       {std::size_t{0}, std::size_t{3}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    RecordingSink sink;
    Engine engine(s.rules, make_detectors(*s.rules), sink);
    state::StateReader in(std::string_view(bytes).substr(0, keep));
    EXPECT_FALSE(engine.restore_state(in)) << keep;
    EXPECT_NE(in.error(), "") << keep;
    EXPECT_TRUE(sink.events.empty());
  }
}

TEST(CheckpointState, CorruptBytesNeverCrash) {
  const std::string bytes = saved_state(20'000);
  const Scenario& s = every_type_scenario();
  uint64_t x = 88172645463325252ull;  // xorshift: the same flips on every run
  std::size_t refused = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::string corrupt = bytes;
    aiswatch::testing::flip_bits(corrupt, x, 4);
    RecordingSink sink;
    Engine engine(s.rules, make_detectors(*s.rules), sink);
    state::StateReader in(corrupt);
    if (!engine.restore_state(in)) {
      ++refused;
      continue;
    }
    // A flip that still parses (a position, a time) must leave an engine that runs on.
    for (std::size_t i = 20'000; i < 21'000 && i < s.lines.size(); ++i)
      engine.push_line(s.lines[i], "sim");
    engine.finish();
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace aiswatch::detect
