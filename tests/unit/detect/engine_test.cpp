#include "detect/engine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "detect/registry.h"
#include "nmea/framer.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"
#include "unit/track/track_test_support.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_LOITERING;

std::shared_ptr<const ruleset::Ruleset> shipped_rules() {
  auto result = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(result.ok());
  return result.ruleset;
}

// What the fake detector saw.
struct Record {
  uint64_t updates = 0;
  uint64_t late_updates = 0;
  uint64_t updates_with_position = 0;
  uint64_t updates_in_a_zone = 0;
  uint64_t zone_mismatches = 0;  // zones handed over differ from a fresh lookup
  uint64_t updates_unchanged = 0;  // changes == 0: zones must be empty
  uint64_t updates_without_vessel = 0;
  uint64_t watermarks = 0;
  uint64_t watermark_regressions = 0;
  uint64_t updates_after_watermark_behind = 0;  // an update seen with a stale watermark
  int64_t last_watermark = INT64_MIN;
  uint64_t ends = 0;
  int64_t end_watermark = 0;
  std::vector<uint32_t> reported;  // vessels it opened an alert for
};

// Records every call; opens a LOITERING alert for the first few vessels it sees with a
// position, and never closes them itself (finish() must).
class FakeDetector : public Detector {
 public:
  explicit FakeDetector(Record& record) : record_(record) {}
  void on_update(const Observation& o, Context& context) override {
    ++record_.updates;
    if (o.update.late) ++record_.late_updates;
    if (o.update.vessel == nullptr) {
      ++record_.updates_without_vessel;
      return;
    }
    if (context.tracker.watermark() != record_.last_watermark &&
        record_.last_watermark != INT64_MIN) {
      // The engine announces a watermark after the update that caused it, so the tracker may be
      // ahead by exactly one advance here; never behind.
      if (context.tracker.watermark() < record_.last_watermark)
        ++record_.updates_after_watermark_behind;
    }
    const auto& position = o.update.vessel->position;
    if (!position) {
      if (!o.zones.empty()) ++record_.zone_mismatches;
      return;
    }
    ++record_.updates_with_position;
    if (!o.zones.empty()) ++record_.updates_in_a_zone;
    if (o.update.changes == 0) {  // nothing changed (a duplicate copy): no lookup, no zones
      if (!o.zones.empty()) ++record_.zone_mismatches;
      ++record_.updates_unchanged;
      return;
    }
    const auto fresh = context.rules.zones.zones_containing(position->lat, position->lon);
    if (fresh.size() != o.zones.size() ||
        !std::equal(fresh.begin(), fresh.end(), o.zones.begin())) {
      ++record_.zone_mismatches;
    }
    if (record_.reported.size() < 3 && o.update.outcome == track::UpdateOutcome::accepted) {
      alert::EpisodeReport report;
      report.key.type = ALERT_TYPE_LOITERING;
      report.key.mmsi = o.update.vessel->mmsi;
      report.key.start_time_ms = o.update.event_time_ms;
      report.time_ms = o.update.event_time_ms;
      report.lat = position->lat;
      report.lon = position->lon;
      report.vessel.mmsi = o.update.vessel->mmsi;
      context.alerts.report(report);
      record_.reported.push_back(o.update.vessel->mmsi);
    }
  }
  void on_watermark(int64_t watermark_ms, Context& context) override {
    ++record_.watermarks;
    if (watermark_ms <= record_.last_watermark) ++record_.watermark_regressions;
    if (watermark_ms != context.tracker.watermark()) ++record_.watermark_regressions;
    record_.last_watermark = watermark_ms;
  }
  void on_end(int64_t watermark_ms, Context& context) override {
    ++record_.ends;
    record_.end_watermark = watermark_ms;
    EXPECT_EQ(context.alerts.open_count(), record_.reported.size());
  }

 private:
  Record& record_;
};

class CollectingSink : public alert::AlertSink {
 public:
  void on_alert(const aiswatch::v1::Alert& alert) override { events.push_back(alert); }
  std::vector<aiswatch::v1::Alert> events;
};

sim::TrafficConfig small_scenario() {
  sim::TrafficConfig config;
  config.seed = 7;
  config.vessels = 30;
  config.duration_s = 1'800;
  config.malformed_probability = 0.01;
  return config;
}

struct Outcome {
  Record record;
  CollectingSink sink;
  EngineStats stats;
  sim::TrafficSummary summary;
  uint64_t open_after_finish = 0;
  int64_t watermark = 0;
  int64_t max_event_time = 0;
};

void run(Outcome& out, const EngineConfig& config = {}) {
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<FakeDetector>(out.record));
  Engine engine(shipped_rules(), std::move(detectors), out.sink, config);
  out.summary = sim::simulate_traffic(
      small_scenario(), [&](std::string_view line) { engine.push_line(line, "sim"); });
  engine.finish();
  out.stats = engine.stats();
  out.open_after_finish = engine.alerts().open_count();
  out.watermark = engine.watermark();
  out.max_event_time = engine.tracker().max_event_time();
}

uint64_t with_vessel(const track::TrackerStats& t) {
  using track::UpdateOutcome;
  return t[UpdateOutcome::accepted] + t[UpdateOutcome::late_accepted] +
         t[UpdateOutcome::duplicate] + t[UpdateOutcome::implausible_kept_aside] +
         t[UpdateOutcome::no_position];
}

TEST(Engine, EveryUpdateWithAVesselReachesTheDetectorWithItsZones) {
  Outcome r;
  run(r);
  EXPECT_GT(r.stats.messages, 1000u);
  EXPECT_EQ(r.record.updates, with_vessel(r.stats.tracking));
  EXPECT_EQ(r.record.updates_without_vessel, 0u);
  EXPECT_GT(r.record.updates_with_position, 0u);
  EXPECT_GT(r.record.updates_in_a_zone, 0u) << "the scenario crosses the shipped kp-west-sea zone";
  EXPECT_LT(r.record.updates_in_a_zone, r.record.updates_with_position);
  EXPECT_EQ(r.record.zone_mismatches, 0u);
  EXPECT_GT(r.record.updates_unchanged, 0u) << "the scenario has duplicate copies";
}

TEST(Engine, WatermarkIsAnnouncedMonotonicallyAndMatchesTheTracker) {
  Outcome r;
  run(r);
  EXPECT_GT(r.record.watermarks, 10u);
  EXPECT_EQ(r.record.watermark_regressions, 0u);
  EXPECT_EQ(r.record.updates_after_watermark_behind, 0u);
  EXPECT_EQ(r.record.last_watermark, r.watermark);
  EXPECT_EQ(r.stats.watermark_advances, r.record.watermarks);
  // Default lateness: 60 s behind the newest tag-block time of the scenario.
  EXPECT_LE(r.watermark, (small_scenario().start_time_s + small_scenario().duration_s) * 1000);
}

TEST(Engine, LateUpdatesAreForwarded) {
  // With no lateness allowed, the simulator's out-of-order arrivals (up to 4 s) are late.
  EngineConfig config;
  config.tracker = tracker_config(ruleset::Thresholds{});
  config.tracker->allowed_lateness_ms = 0;
  Outcome r;
  run(r, config);
  EXPECT_GT(r.stats.tracking.late, 0u);
  EXPECT_GT(r.record.late_updates, 0u);
  EXPECT_LE(r.record.late_updates, r.stats.tracking.late);
  EXPECT_EQ(r.record.updates, with_vessel(r.stats.tracking));
}

TEST(Engine, FinishEndsDetectorsThenClosesOpenAlerts) {
  Outcome r;
  run(r);
  ASSERT_EQ(r.record.reported.size(), 3u);
  EXPECT_EQ(r.record.ends, 1u);
  EXPECT_EQ(r.record.end_watermark, r.watermark);
  EXPECT_EQ(r.watermark, r.max_event_time) << "end of input: the watermark reaches the newest time";
  for (const auto& event : r.sink.events) {
    EXPECT_GE(event.end_time().seconds(), event.start_time().seconds()) << event.DebugString();
  }
  EXPECT_EQ(r.open_after_finish, 0u);
  ASSERT_EQ(r.sink.events.size(), 6u);
  for (std::size_t i = 3; i < 6; ++i) {
    EXPECT_EQ(r.sink.events[i].state(), ALERT_STATE_CLOSED);
    EXPECT_EQ(r.sink.events[i].close_reason(), "end of input");
  }
  EXPECT_EQ(r.stats.alerts.of(ALERT_TYPE_LOITERING, ALERT_STATE_OPEN), 3u);
  EXPECT_EQ(r.stats.alerts.of(ALERT_TYPE_LOITERING, ALERT_STATE_CLOSED), 3u);
  EXPECT_EQ(r.stats.alerts.of(ALERT_TYPE_LOITERING), 6u);
  EXPECT_EQ(r.stats.alerts.total, 6u);
}

TEST(Engine, StatsAddUp) {
  Outcome r;
  run(r);
  const EngineStats& s = r.stats;
  EXPECT_EQ(s.lines, r.summary.lines);
  EXPECT_EQ(s.framing.lines, s.lines);
  EXPECT_EQ(s.messages, s.decoding.decoded());
  EXPECT_EQ(s.framing.payloads, s.decoding.decoded() + s.decoding.failed());
  EXPECT_EQ(s.untimed, 0u) << "every simulated line has a tag-block time";
  EXPECT_EQ(s.tracking.messages, s.messages - s.untimed);
  uint64_t outcomes = 0;
  for (const uint64_t n : s.tracking.by_outcome) outcomes += n;
  EXPECT_EQ(outcomes, s.tracking.messages);
  EXPECT_GT(s.tracking[track::UpdateOutcome::duplicate], 0u) << "two stations hear most reports";
  EXPECT_GT(s.framing.rejected_total(), 0u) << "malformed lines were planted";
  EXPECT_EQ(s.rejected(), s.framing.rejected_total() + s.decoding.failed());
  EXPECT_EQ(s.vessels, r.summary.vessels);
}

TEST(Engine, MessagesWithoutAnyTimeAreCountedAndNotTracked) {
  const std::string body = "AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0";
  char checksum[3];
  std::snprintf(checksum, sizeof checksum, "%02X", nmea::nmea_checksum(body));
  const std::string line = "!" + body + "*" + checksum;
  Record record;
  CollectingSink sink;
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<FakeDetector>(record));
  Engine engine(shipped_rules(), std::move(detectors), sink);
  engine.push_line(line, "file");
  EXPECT_EQ(engine.stats().messages, 1u);
  EXPECT_EQ(engine.stats().untimed, 1u);
  EXPECT_EQ(engine.stats().tracking.messages, 0u);
  EXPECT_EQ(record.updates, 0u);
  // With an arrival time (live input) the same line is tracked at that time.
  engine.push_line(line, "file", 1'767'225'600'000);
  EXPECT_EQ(engine.stats().untimed, 1u);
  EXPECT_EQ(engine.stats().tracking.messages, 1u);
  EXPECT_EQ(record.updates, 1u);
  EXPECT_EQ(engine.watermark(), 1'767'225'600'000 - 60'000);
  EXPECT_EQ(record.last_watermark, engine.watermark());
}

TEST(Engine, DecodedMessagesCanBePushedDirectly) {
  using track::test::class_a;
  using track::test::minute;
  using track::test::t0;
  Record record;
  CollectingSink sink;
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<FakeDetector>(record));
  Engine engine(shipped_rules(), std::move(detectors), sink);
  // Off Nampo, inside the shipped kp-west-sea watch zone.
  engine.push_message(ais::Message{class_a(445000001, 38.60, 125.00)}, t0, "test");
  engine.push_message(ais::Message{class_a(445000001, 38.601, 125.00)}, t0 + 2 * minute, "test");
  EXPECT_EQ(record.updates, 2u);
  EXPECT_EQ(record.updates_in_a_zone, 2u);
  EXPECT_EQ(record.zone_mismatches, 0u);
  EXPECT_EQ(engine.stats().messages, 2u);
  EXPECT_EQ(engine.stats().vessels, 1u);
  EXPECT_EQ(record.last_watermark, t0 + 2 * minute - minute);
  engine.finish();
  EXPECT_EQ(engine.watermark(), t0 + 2 * minute);
  EXPECT_EQ(engine.alerts().open_count(), 0u);
  // The fake opens one alert per accepted update (its first three), each closed at the end.
  EXPECT_EQ(engine.stats().alerts.of(ALERT_TYPE_LOITERING, ALERT_STATE_CLOSED), 2u);
}

TEST(Engine, PeekedMmsiIsTheOneTheLineCarries) {
  // Tagged, and the first sentence of two (type 5); the MMSIs are what `aiswatchd decode` says.
  EXPECT_EQ(
      Engine::peek_mmsi("\\c:1767225600,s:rx2*00\\!AIVDM,1,1,,B,16ks:rP000`pauhEwEV:@gv00>2d,0*5C"),
      457100010u);
  EXPECT_EQ(Engine::peek_mmsi(
                "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E"),
            369190000u);
  EXPECT_FALSE(Engine::peek_mmsi("!AIVDM,1,1,,B,16ks:r"));         // too short to hold an MMSI
  EXPECT_FALSE(Engine::peek_mmsi("!AIVDM,1,1,,B"));                // no payload field
  EXPECT_FALSE(Engine::peek_mmsi("$GPGGA,1,2,3,4,5,6"));           // not AIS
  EXPECT_FALSE(Engine::peek_mmsi("!AIVDM,1,1,,B,1~~~~~~~,0*00"));  // not six-bit characters
}

TEST(Engine, TrackerConfigComesFromTheThresholds) {
  const ruleset::Thresholds defaults;
  const auto config = tracker_config(defaults);
  EXPECT_EQ(config.allowed_lateness_ms, 60'000);
  EXPECT_EQ(config.dedup_window_ms, 30'000);
  EXPECT_DOUBLE_EQ(config.max_speed_knots, 50.0);
  EXPECT_EQ(config.eviction_horizon_ms, 48LL * 3'600'000);
}

TEST(Registry, MakesEveryDetectorWithoutNulls) {
  const auto rules = shipped_rules();
  for (const auto& detector : make_detectors(*rules)) EXPECT_NE(detector, nullptr);
}

// Counts the rules it is told about.
class RulesWatcher : public Detector {
 public:
  void on_update(const Observation&, Context& context) override { seen = &context.rules; }
  void on_watermark(int64_t, Context&) override {}
  void on_rules(const ruleset::Ruleset& rules) override {
    ++reloads;
    told = &rules;
  }
  int reloads = 0;
  const ruleset::Ruleset* told = nullptr;
  const ruleset::Ruleset* seen = nullptr;
};

TEST(Engine, ReplacedRulesReachEveryDetectorAndTheWatchlistFromTheNextLineOn) {
  const auto first = shipped_rules();
  const auto second = shipped_rules();
  auto detectors = make_detectors(*first);
  auto watcher = std::make_unique<RulesWatcher>();
  RulesWatcher* w = watcher.get();
  detectors.push_back(std::move(watcher));
  CollectingSink sink;
  Engine engine(first, std::move(detectors), sink);
  auto line_at = [](int64_t time_s) {
    const std::string tag = "c:" + std::to_string(time_s);
    const std::string sentence = "AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0";
    char text[128];
    std::snprintf(text, sizeof text, "\\%s*%02X\\!%s*%02X", tag.c_str(), nmea::nmea_checksum(tag),
                  sentence.c_str(), nmea::nmea_checksum(sentence));
    return std::string(text);
  };
  engine.push_line(line_at(1767225600));
  EXPECT_EQ(w->seen, first.get());
  engine.replace_rules(second);
  EXPECT_EQ(w->reloads, 1);
  EXPECT_EQ(w->told, second.get());
  EXPECT_EQ(&engine.rules(), second.get());
  engine.push_line(line_at(1767225610));
  EXPECT_EQ(w->seen, second.get());
}

TEST(RulesetWatchlist, ARebindLooksUpTheNewList) {
  ruleset::LoadErrors errors;
  const auto empty = ruleset::Watchlist::parse("a.csv", "mmsi,imo,name,reason\n", errors);
  const auto listed = ruleset::Watchlist::parse(
      "b.csv", "mmsi,imo,name,reason\n445123000,,CHON MA SAN,UN 1718 designation\n", errors);
  ASSERT_TRUE(errors.empty());
  RulesetWatchlist watchlist(empty);
  EXPECT_FALSE(watchlist.reason(445123000, std::nullopt));
  watchlist.rebind(listed);
  EXPECT_EQ(watchlist.reason(445123000, std::nullopt), "UN 1718 designation");
}

}  // namespace
}  // namespace aiswatch::detect
