// Checkpoints of the rendezvous, dark period, loitering and dark rendezvous detectors: for each,
// a simulated scenario that plants its episodes, run once uninterrupted and once as a chain of
// engines restored from saved state, split while its episodes are open (between two events of
// one alert) and at a short regular interval. Every alert event must be the uninterrupted run's,
// and the scenario must have produced the detector's alert type, so that a split cannot pass
// for want of anything to carry across it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
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

using aiswatch::v1::Alert;
using aiswatch::v1::AlertType;
using test::RecordingSink;

struct Scenario {
  std::shared_ptr<const ruleset::Ruleset> rules;
  std::vector<std::string> lines;
};

// The shipped rules (watch zones, thresholds) over simulated traffic near Korea.
Scenario simulate(sim::TrafficConfig config) {
  const ruleset::LoadResult loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(loaded.ok());
  sim::use_watch_zones(*loaded.ruleset, config);
  Scenario s{loaded.ruleset, {}};
  sim::simulate_traffic(config, [&](std::string_view line) { s.lines.emplace_back(line); });
  return s;
}

std::size_t count_of(const std::vector<Alert>& events, AlertType type) {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                [&](const Alert& e) { return e.type() == type; }));
}

// Split intervals that restore while an alert of `type` is open, for up to `most` alerts each:
// the line halfway between two consecutive events of one alert (its OPEN and the next UPDATE or
// CLOSED), and the line `before_close` lines before an alert's CLOSED (a run ending while the
// state says it is about to: the hysteresis of a ship getting under way). The first restore of
// a chain split every N lines comes after line N.
std::vector<std::size_t> mid_episode_splits(const Scenario& s, AlertType type, std::size_t most,
                                            std::size_t before_close = 500) {
  RecordingSink sink;
  Engine engine(s.rules, make_detectors(*s.rules), sink);
  std::map<std::string, std::size_t> last_event_line;  // alert id -> line of its last event
  std::vector<std::size_t> halfway, near_close;
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    const std::size_t before = sink.events.size();
    engine.push_line(s.lines[i], "sim");
    for (std::size_t e = before; e < sink.events.size(); ++e) {
      const Alert& a = sink.events[e];
      if (a.type() != type) continue;
      auto [it, first] = last_event_line.try_emplace(a.alert_id(), i);
      if (!first && i - it->second >= 2 && halfway.size() < most)
        halfway.push_back((it->second + i) / 2);
      if (a.state() == aiswatch::v1::ALERT_STATE_CLOSED && i > before_close &&
          i - before_close > it->second && near_close.size() < most)
        near_close.push_back(i - before_close);
      it->second = i;
    }
  }
  engine.finish();
  std::vector<std::size_t> splits = halfway;
  splits.insert(splits.end(), near_close.begin(), near_close.end());
  std::sort(splits.begin(), splits.end());
  splits.erase(std::unique(splits.begin(), splits.end()), splits.end());
  return splits;
}

// The scenario split at each interval of `every` and at its mid-episode points gives the
// uninterrupted run's events, among them `min_events` or more of `type`. Returns the
// uninterrupted run's events.
std::vector<Alert> expect_restores_transparent(const Scenario& s, AlertType type,
                                               std::vector<std::size_t> every,
                                               std::size_t min_events) {
  const std::vector<std::size_t> mid = mid_episode_splits(s, type, 3);
  EXPECT_FALSE(mid.empty()) << "no alert of type " << type << " spans two events";
  every.insert(every.end(), mid.begin(), mid.end());
  std::vector<Alert> whole;
  for (const std::size_t n : every) {
    SCOPED_TRACE("split every " + std::to_string(n) + " of " + std::to_string(s.lines.size()) +
                 " lines");
    const test::SplitRun run = test::split_run(s.rules, s.lines, n);
    EXPECT_GT(run.restores, 0u);
    EXPECT_GE(count_of(run.whole, type), min_events) << "the scenario must produce the type";
    test::expect_same_events(run);
    whole = run.whole;
  }
  return whole;
}

TEST(DetectorStateA, RendezvousSurvivesRestores) {
  sim::TrafficConfig config;
  config.seed = 11;
  config.vessels = 12;
  config.duration_s = 10 * 3'600;
  config.rendezvous = 2;
  config.fishing_fleets = 1;  // pairs in a cluster: the fleet samples must carry over too
  const Scenario s = simulate(config);
  expect_restores_transparent(s, aiswatch::v1::ALERT_TYPE_RENDEZVOUS, {4'999}, 4);
}

TEST(DetectorStateA, DarkPeriodSurvivesRestores) {
  sim::TrafficConfig config;
  config.seed = 12;
  config.vessels = 15;
  config.duration_s = 22 * 3'600;
  config.dark_periods = 2;
  config.deliberate_silences = 1;  // judged from the reception record 12 h into the silence
  const Scenario s = simulate(config);
  const std::vector<Alert> events =
      expect_restores_transparent(s, aiswatch::v1::ALERT_TYPE_DARK_PERIOD, {7'919}, 4);
  // The deliberate silence was judged (an UPDATE raising the severity) in the split runs too.
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const Alert& e) {
    return e.type() == aiswatch::v1::ALERT_TYPE_DARK_PERIOD &&
           e.severity() > aiswatch::v1::SEVERITY_MEDIUM;
  }));
}

TEST(DetectorStateA, LoiteringSurvivesRestores) {
  sim::TrafficConfig config;
  config.seed = 13;
  config.vessels = 12;
  config.duration_s = 10 * 3'600;
  config.loiterings = 2;
  const Scenario s = simulate(config);
  expect_restores_transparent(s, aiswatch::v1::ALERT_TYPE_LOITERING, {4'999}, 4);
}

TEST(DetectorStateA, DarkRendezvousSurvivesRestores) {
  sim::TrafficConfig config;
  config.seed = 14;
  config.vessels = 15;
  config.duration_s = 18 * 3'600;
  config.dark_sts = 1;
  config.both_dark_meetings = 1;
  const Scenario s = simulate(config);
  expect_restores_transparent(s, aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS, {6'007}, 4);
}

// Robustness of the four detectors' parts of a state saved while their episodes are open.

// Every planted behaviour of the four detectors at once, saved 60 % of the way through.
struct SavedState {
  Scenario scenario;
  std::size_t lines_pushed = 0;
  std::string bytes;
};

const SavedState& saved_with_open_episodes() {
  static const SavedState saved = [] {
    sim::TrafficConfig config;
    config.seed = 15;
    config.vessels = 15;
    config.duration_s = 18 * 3'600;
    config.rendezvous = 1;
    config.dark_periods = 1;
    config.loiterings = 1;
    config.dark_sts = 1;
    config.both_dark_meetings = 1;
    config.deliberate_silences = 1;
    SavedState s{simulate(config), 0, {}};
    s.lines_pushed = s.scenario.lines.size() * 6 / 10;
    RecordingSink sink;
    Engine engine(s.scenario.rules, make_detectors(*s.scenario.rules), sink);
    for (std::size_t i = 0; i < s.lines_pushed; ++i) engine.push_line(s.scenario.lines[i], "sim");
    state::StateWriter out;
    engine.save_state(out);
    s.bytes = out.take();
    return s;
  }();
  return saved;
}

// An engine state cut into what precedes the detectors and the detectors' parts (the engine
// writes them last: "dets", a count, one length-prefixed part each).
struct EngineParts {
  std::string head;
  std::vector<std::string> parts;

  std::string join() const {
    state::StateWriter out;
    out.section("dets");
    out.put<uint64_t>(parts.size());
    for (const std::string& part : parts) out.put_string(part);
    return head + out.bytes();
  }
  // The index of the part that begins with `tag` (the detector's section).
  std::size_t find(std::string_view tag) const {
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (std::string_view(parts[i]).substr(0, 4) == tag) return i;
    ADD_FAILURE() << "no detector part " << tag;
    return 0;
  }
};

EngineParts cut(const std::string& bytes) {
  const std::size_t detectors = make_detectors(ruleset::Ruleset{}).size();
  for (std::size_t at = bytes.find("dets"); at != std::string::npos;
       at = bytes.find("dets", at + 1)) {
    state::StateReader in(std::string_view(bytes).substr(at));
    in.section("dets");
    const std::size_t n = in.count(detectors, 8);
    if (!in.ok() || n != detectors) continue;
    EngineParts cut{bytes.substr(0, at), {}};
    for (std::size_t i = 0; i < n && in.ok(); ++i) cut.parts.push_back(in.get_string(1u << 30));
    if (in.ok() && in.at_end()) return cut;
  }
  ADD_FAILURE() << "no detector parts found";
  return {};
}

constexpr std::string_view our_tags[] = {"rdvz", "dkpd", "loit", "dkrv"};

bool restores(const std::string& bytes, std::string* error = nullptr) {
  const Scenario& s = saved_with_open_episodes().scenario;
  RecordingSink sink;
  Engine engine(s.rules, make_detectors(*s.rules), sink);
  state::StateReader in(bytes);
  const bool ok = engine.restore_state(in);
  if (error != nullptr) *error = in.error();
  EXPECT_TRUE(sink.events.empty()) << "a restore emits nothing";
  return ok;
}

TEST(DetectorStateA, SavedAgainAfterARestoreGivesTheSameBytes) {
  const SavedState& saved = saved_with_open_episodes();
  const EngineParts before = cut(saved.bytes);
  const Scenario& s = saved.scenario;
  RecordingSink sink;
  Engine engine(s.rules, make_detectors(*s.rules), sink);
  state::StateReader in(saved.bytes);
  ASSERT_TRUE(engine.restore_state(in)) << in.error();
  state::StateWriter out;
  engine.save_state(out);
  const EngineParts after = cut(out.bytes());
  // An empty detector's part, to show that each one saved carries episodes.
  RecordingSink empty_sink;
  Engine empty(s.rules, make_detectors(*s.rules), empty_sink);
  state::StateWriter empty_out;
  empty.save_state(empty_out);
  const EngineParts nothing = cut(empty_out.bytes());
  for (const std::string_view tag : our_tags) {
    const std::size_t i = before.find(tag);
    EXPECT_GT(before.parts[i].size(), nothing.parts[i].size() + 64) << tag;
    EXPECT_EQ(before.parts[i], after.parts[i]) << tag;
  }
}

TEST(DetectorStateA, TruncatedPartIsRefusedWithTheDetectorNamed) {
  const EngineParts whole = cut(saved_with_open_episodes().bytes);
  ASSERT_TRUE(restores(whole.join()));
  for (const std::string_view tag : our_tags) {
    const std::size_t i = whole.find(tag);
    const std::size_t size = whole.parts[i].size();
    for (const std::size_t keep : {std::size_t{0}, std::size_t{3}, std::size_t{4}, std::size_t{12},
                                   size / 3, size / 2, size - 1}) {
      EngineParts truncated = whole;
      truncated.parts[i].resize(keep);
      std::string error;
      EXPECT_FALSE(restores(truncated.join(), &error)) << tag << " cut to " << keep;
      EXPECT_NE(error.find("detector " + std::to_string(i + 1)), std::string::npos)
          << tag << " cut to " << keep << ": " << error;
    }
  }
}

TEST(DetectorStateA, CorruptPartNeverCrashes) {
  const SavedState& saved = saved_with_open_episodes();
  const EngineParts whole = cut(saved.bytes);
  const Scenario& s = saved.scenario;
  uint64_t x = 0x9E37'79B9'7F4A'7C15ull;  // xorshift: the same flips on every run
  for (const std::string_view tag : our_tags) {
    const std::size_t i = whole.find(tag);
    std::size_t refused = 0;
    for (int trial = 0; trial < 150; ++trial) {
      EngineParts corrupt = whole;
      std::string& part = corrupt.parts[i];
      aiswatch::testing::flip_bits(part, x, 1 + trial % 3);
      RecordingSink sink;
      Engine engine(s.rules, make_detectors(*s.rules), sink);
      const std::string bytes = corrupt.join();
      state::StateReader in(bytes);
      if (!engine.restore_state(in)) {
        ++refused;
        EXPECT_NE(in.error().find("detector " + std::to_string(i + 1)), std::string::npos)
            << in.error();
        continue;
      }
      // A flip that still parses (a time, a position) must leave an engine that runs on.
      for (std::size_t l = saved.lines_pushed; l < saved.lines_pushed + 3'000; ++l)
        if (l < s.lines.size()) engine.push_line(s.lines[l], "sim");
      engine.finish();
    }
    EXPECT_GT(refused, 0u) << tag;
  }
}

}  // namespace
}  // namespace aiswatch::detect
