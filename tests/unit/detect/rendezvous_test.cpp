#include "detect/rendezvous.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "alert/manager.h"
#include "detect/engine.h"
#include "ruleset/ruleset.h"
#include "ruleset/zones.h"
#include "sim/traffic.h"
#include "track/geo.h"
#include "track/tracker.h"
#include "unit/track/track_test_support.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::Alert;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_STATE_UPDATE;
using aiswatch::v1::ALERT_TYPE_RENDEZVOUS;
using aiswatch::v1::PHASE_CONFIRMED;
using aiswatch::v1::PHASE_PROVISIONAL;
using track::test::hour;
using track::test::minute;
using track::test::t0;

constexpr double lat0 = 38.5, lon0 = 124.5;  // Korea Bay, outside any zone unless a test adds one
constexpr uint32_t tanker_a = 441'000'001, tanker_b = 441'000'002;

int64_t to_ms(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000 + ts.nanos() / 1'000'000;
}

// (lat, lon) moved `north_m`, `east_m` from (lat0, lon0).
std::pair<double, double> offset(double north_m, double east_m) {
  return {lat0 + north_m / track::metres_per_degree,
          lon0 + east_m / (track::metres_per_degree * std::cos(lat0 * track::degrees_to_radians))};
}

class RecordingSink : public alert::AlertSink {
 public:
  void on_alert(const Alert& alert) override { alerts.push_back(alert); }
  std::vector<Alert> alerts;
};

// Zones for the suppression tests: a port box around (lat0, lon0), optionally a watch zone too.
ruleset::ZoneIndex zones(bool with_port, bool with_watch) {
  const auto box = [](const std::string& id, const std::string& kind, double half_deg) {
    const auto p = [](double lon, double lat) {
      return "[" + std::to_string(lon) + ", " + std::to_string(lat) + "]";
    };
    const double w = lon0 - half_deg, e = lon0 + half_deg, s = lat0 - half_deg, n = lat0 + half_deg;
    return R"({"type": "Feature", "properties": {"id": ")" + id + R"(", "name": "z", "kind": ")" +
           kind + R"("}, "geometry": {"type": "Polygon", "coordinates": [[)" + p(w, s) + ", " +
           p(e, s) + ", " + p(e, n) + ", " + p(w, n) + ", " + p(w, s) + "]]}}";
  };
  std::string features;
  if (with_port) features += box("test-port", "port", 0.05);
  if (with_watch) features += (features.empty() ? "" : ", ") + box("test-watch", "watch", 0.1);
  ruleset::LoadErrors errors;
  ruleset::ZoneIndexBuilder builder;
  builder.add_file("test.geojson",
                   R"({"type": "FeatureCollection", "features": [)" + features + "]}", errors);
  EXPECT_TRUE(errors.empty());
  return std::move(builder).build();
}

// A tracker, an alert manager with a recording sink and the detector, driven message by message
// the way the engine drives them.
struct Harness {
  ruleset::Ruleset rules;
  track::Tracker tracker;
  RecordingSink sink;
  alert::AlertManager alerts{sink};
  std::unique_ptr<RendezvousDetector> detector;

  explicit Harness(bool with_port = false, bool with_watch = false) {
    rules.zones = zones(with_port, with_watch);
    detector = std::make_unique<RendezvousDetector>(rules.thresholds);
  }

  void position(uint32_t mmsi, int64_t t, double north_m, double east_m,
                std::optional<double> speed, uint8_t status = 0) {
    const auto [lat, lon] = offset(north_m, east_m);
    ais::PositionReport m =
        track::test::class_a(mmsi, lat, lon, speed, 90.0, static_cast<uint8_t>((t / 1'000) % 60));
    m.status = status;
    deliver(tracker.update(m, t), t);
  }
  void ship_type(uint32_t mmsi, int64_t t, uint8_t type) {
    ais::StaticVoyageData m;
    m.header = track::test::header(5, mmsi);
    m.shiptype = type;
    deliver(tracker.update(m, t), t);
  }
  void deliver(const track::UpdateResult& r, int64_t) {
    Context context{rules, tracker, alerts};
    if (r.vessel != nullptr) {
      ruleset::ZoneMatches matches;
      if (r.vessel->position) {
        matches = rules.zones.zones_containing(r.vessel->position->lat, r.vessel->position->lon);
      }
      detector->on_update(Observation{r, matches}, context);
    }
    detector->on_watermark(tracker.watermark(), context);
  }
  void advance(int64_t now_ms) {
    Context context{rules, tracker, alerts};
    detector->on_watermark(tracker.advance_watermark(now_ms), context);
  }
  std::vector<Alert> of_state(aiswatch::v1::AlertState state) const {
    std::vector<Alert> out;
    for (const Alert& a : sink.alerts)
      if (a.state() == state) out.push_back(a);
    return out;
  }
  std::set<std::string> ids() const {
    std::set<std::string> out;
    for (const Alert& a : sink.alerts) out.insert(a.alert_id());
    return out;
  }
};

// Two tankers lying 100 m apart, reporting every minute from `from` to `to` (exclusive).
void alongside(Harness& h, int64_t from, int64_t to, std::optional<double> speed = 0.3) {
  for (int64_t t = from; t < to; t += minute) {
    h.position(tanker_a, t, 0, 0, speed);
    h.position(tanker_b, t + 5'000, 100, 0, speed);
  }
}

TEST(Rendezvous, ProvisionalAtThirtyMinutesThenConfirmedAtTwoHours) {
  Harness h;
  alongside(h, t0, t0 + 150 * minute);
  const auto opened = h.of_state(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  const Alert& open = opened[0];
  EXPECT_EQ(open.type(), ALERT_TYPE_RENDEZVOUS);
  EXPECT_EQ(open.phase(), PHASE_PROVISIONAL);
  EXPECT_EQ(open.mmsi(), tanker_a);  // the lower MMSI is primary
  EXPECT_EQ(open.counterpart_mmsi(), tanker_b);
  EXPECT_EQ(to_ms(open.start_time()), t0 + 5'000);  // the first fix of the second vessel
  EXPECT_GE(to_ms(open.end_time()), t0 + 30 * minute);
  EXPECT_LE(to_ms(open.end_time()), t0 + 32 * minute);
  bool confirmed = false;
  for (const Alert& a : h.of_state(ALERT_STATE_UPDATE)) {
    EXPECT_EQ(a.alert_id(), open.alert_id());
    if (a.phase() == PHASE_CONFIRMED && !confirmed) {
      confirmed = true;
      EXPECT_GE(to_ms(a.end_time()), t0 + 2 * hour);
      EXPECT_LE(to_ms(a.end_time()), t0 + 2 * hour + 2 * minute);
    }
  }
  EXPECT_TRUE(confirmed);
  EXPECT_TRUE(h.of_state(ALERT_STATE_CLOSED).empty());
}

TEST(Rendezvous, ClosesWhenThePairHasPartedForTheMergeWindowWithTheLastContactAsEnd) {
  Harness h;
  alongside(h, t0, t0 + hour);
  // The tanker's next report still finds the counterpart's last slow fix, 55 s old.
  const int64_t last = t0 + hour;
  // The counterpart leaves at 10 kn; the tanker stays.
  for (int64_t t = t0 + hour, k = 1; t < t0 + 3 * hour; t += minute, ++k) {
    h.position(tanker_a, t, 0, 0, 0.3);
    h.position(tanker_b, t + 5'000, 100 + static_cast<double>(k) * 308.0, 0, 10.0);
  }
  EXPECT_TRUE(h.of_state(ALERT_STATE_CLOSED).empty());  // a later contact could still merge
  h.advance(last + 6 * hour + 2 * minute + 60'000);
  const auto closed = h.of_state(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(to_ms(closed[0].end_time()), last);
  EXPECT_EQ(closed[0].close_reason(), "parted");
  EXPECT_EQ(h.detector->pair_count(), 0u);  // forgotten
}

TEST(Rendezvous, ReceptionGapsUnderTheBridgeCountAsContact) {
  Harness bridged;  // 15 min, 40 min silent, 10 min: 65 min of contact
  alongside(bridged, t0, t0 + 15 * minute);
  alongside(bridged, t0 + 55 * minute, t0 + 65 * minute);
  EXPECT_EQ(bridged.of_state(ALERT_STATE_OPEN).size(), 1u);

  Harness broken;  // 15 min, 70 min silent, 10 min: 25 min of contact, under 30
  alongside(broken, t0, t0 + 15 * minute);
  alongside(broken, t0 + 85 * minute, t0 + 95 * minute);
  EXPECT_TRUE(broken.sink.alerts.empty());
}

TEST(Rendezvous, ContactsWithinTheMergeWindowAreOneEpisode) {
  Harness h;
  alongside(h, t0, t0 + hour);                               // provisional
  alongside(h, t0 + 4 * hour, t0 + 5 * hour + 10 * minute);  // 3 h later: same episode, confirms
  EXPECT_EQ(h.ids().size(), 1u);
  EXPECT_EQ(h.of_state(ALERT_STATE_OPEN).size(), 1u);
  bool confirmed = false;
  for (const Alert& a : h.sink.alerts) {
    EXPECT_EQ(to_ms(a.start_time()), t0 + 5'000);
    confirmed = confirmed || a.phase() == PHASE_CONFIRMED;
  }
  EXPECT_TRUE(confirmed);
  // More than the merge window later: a new episode with its own id.
  alongside(h, t0 + 12 * hour, t0 + 13 * hour);
  EXPECT_EQ(h.ids().size(), 2u);
  EXPECT_EQ(h.of_state(ALERT_STATE_CLOSED).size(), 1u);
}

TEST(Rendezvous, PassingTrafficDoesNotAlert) {
  Harness h;
  // A ship at anchor; another passes 100 m off at 12 kn, reporting every 10 s.
  for (int64_t t = t0, k = 0; t < t0 + hour; t += 10'000, ++k) {
    if (k % 6 == 0) h.position(tanker_a, t, 0, 0, 0.0, 1);
    h.position(tanker_b, t + 1'000, 100, -3'000 + static_cast<double>(k) * 61.7, 12.0);
  }
  EXPECT_TRUE(h.sink.alerts.empty());
}

TEST(Rendezvous, TugAlongsideForTwentyMinutesDoesNotAlert) {
  Harness h;
  const uint32_t tug = 441'000'052;
  for (int64_t t = t0, k = 0; t < t0 + 20 * minute; t += 30'000, ++k) {
    const double along = static_cast<double>(k) * 23.0;  // 1.5 kn
    h.position(tanker_a, t, along, 0, 1.5);
    h.position(tug, t + 2'000, along + 30, 15, 1.5);
  }
  for (int64_t t = t0 + 20 * minute, k = 0; t < t0 + 2 * hour; t += 30'000, ++k) {
    h.position(tanker_a, t, 920 + static_cast<double>(k) * 123.0, 0, 8.0);
    h.position(tug, t + 2'000, 950 - static_cast<double>(k) * 154.0, 15, 10.0);
  }
  h.advance(t0 + 10 * hour);
  EXPECT_TRUE(h.sink.alerts.empty());
}

TEST(Rendezvous, PairTrawlersUnderWayDoNotAlert) {
  Harness h;
  const uint32_t trawler_a = 441'000'030, trawler_b = 441'000'031;
  h.ship_type(trawler_a, t0 - minute, 30);
  h.ship_type(trawler_b, t0 - minute, 30);
  for (int64_t t = t0, k = 0; t < t0 + 4 * hour; t += 30'000, ++k) {
    const double along = static_cast<double>(k) * 3.5 * 1852.0 / 120.0;  // 3.5 kn
    h.position(trawler_a, t, along, 0, 3.5);
    h.position(trawler_b, t + 2'000, along, 300, 3.4);
  }
  EXPECT_TRUE(h.sink.alerts.empty());
}

TEST(Rendezvous, PairDriftingTogetherWithTheCurrentAlerts) {
  Harness h;
  for (int64_t t = t0, k = 0; t < t0 + 3 * hour; t += minute, ++k) {
    const double along = static_cast<double>(k) * 2.3 * 1852.0 / 60.0;  // 2.3 kn
    h.position(tanker_a, t, along, 0, 2.3);
    h.position(tanker_b, t + 5'000, along + 80, 0, 2.4);
  }
  EXPECT_EQ(h.of_state(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Rendezvous, AnchoredAlongsideInOpenWaterAlerts) {
  Harness h;
  for (int64_t t = t0; t < t0 + 3 * hour; t += 3 * minute) {
    h.position(tanker_a, t, 0, 0, 0.0, 1);           // at anchor
    h.position(tanker_b, t + 5'000, 80, 0, 0.0, 5);  // moored
  }
  EXPECT_EQ(h.of_state(ALERT_STATE_OPEN).size(), 1u);
}

TEST(Rendezvous, PortSuppressesUnlessInsideAWatchZone) {
  Harness port(/*with_port=*/true, /*with_watch=*/false);
  alongside(port, t0, t0 + 3 * hour);
  EXPECT_TRUE(port.sink.alerts.empty());
  EXPECT_GT(port.detector->stats().suppressed_zone, 0u);

  Harness watched(/*with_port=*/true, /*with_watch=*/true);
  alongside(watched, t0, t0 + 3 * hour);
  const auto opened = watched.of_state(ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].zone_id(), "test-watch");
}

TEST(Rendezvous, MissingSpeedIsInferredFromTheTrackNotTakenAsZero) {
  Harness stopped;  // no speed reported, not moving: a rendezvous
  alongside(stopped, t0, t0 + hour, std::nullopt);
  EXPECT_EQ(stopped.of_state(ALERT_STATE_OPEN).size(), 1u);

  Harness moving;  // no speed reported, together at 3.5 kn: pair trawlers, not a rendezvous
  for (int64_t t = t0, k = 0; t < t0 + 3 * hour; t += 30'000, ++k) {
    const double along = static_cast<double>(k) * 3.5 * 1852.0 / 120.0;
    moving.position(tanker_a, t, along, 0, std::nullopt);
    moving.position(tanker_b, t + 2'000, along, 300, std::nullopt);
  }
  EXPECT_TRUE(moving.sink.alerts.empty());
}

TEST(Rendezvous, FishingFleetIsNotHundredsOfRendezvous) {
  Harness h;
  // Twelve fishing vessels within about a kilometre, drifting at 0.6 kn for 5 hours.
  std::vector<std::pair<double, double>> place;
  for (unsigned k = 0; k < 12; ++k) {
    place.emplace_back(-900.0 + 150.0 * k, (k % 2 == 0 ? 1.0 : -1.0) * 60.0 * (k % 5));
    h.ship_type(441'000'100 + k, t0 - minute, 30);
  }
  for (int64_t t = t0, step = 0; t < t0 + 5 * hour; t += minute, ++step) {
    const double drift = static_cast<double>(step) * 0.6 * 1852.0 / 60.0;
    for (unsigned k = 0; k < 12; ++k) {
      h.position(441'000'100 + k, t + k * 1'000, place[k].first + drift, place[k].second, 0.6, 7);
    }
  }
  EXPECT_TRUE(h.sink.alerts.empty());
  EXPECT_GT(h.detector->stats().fleet_suppressed, 0u);
}

// The simulator's scenario, through the engine: every planted rendezvous must be found on its pair
// while it happens, and no alert may name a pair that was not planted (confounders included).
struct Measured {
  std::size_t planted = 0, found = 0;
  std::size_t alerts = 0, true_alerts = 0, confounder_alerts = 0;
  std::map<std::string, std::size_t> confounders;  // planted, by kind
};

Measured measure(uint64_t seed) {
  sim::TrafficConfig config;
  config.seed = seed;
  config.vessels = 30;
  config.duration_s = 18 * 3'600;
  config.rendezvous = 6;
  config.fishing_fleets = 2;
  config.tug_assists = 3;
  config.pair_trawlers = 2;
  config.roadsteads = 1;

  auto rules = std::make_shared<ruleset::Ruleset>();  // no zones: nothing suppressed
  RecordingSink sink;
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<RendezvousDetector>(rules->thresholds));
  Engine engine(rules, std::move(detectors), sink);
  const sim::TrafficSummary summary =
      simulate_traffic(config, [&](std::string_view line) { engine.push_line(line, "sim"); });
  engine.finish();

  struct Episode {
    uint32_t a = 0, b = 0;
    int64_t start_ms = 0, end_ms = 0;
  };
  std::map<std::string, Episode> episodes;
  for (const Alert& a : sink.alerts) {
    if (a.type() != ALERT_TYPE_RENDEZVOUS) continue;
    Episode& e = episodes[a.alert_id()];
    e.a = std::min(a.mmsi(), a.counterpart_mmsi());
    e.b = std::max(a.mmsi(), a.counterpart_mmsi());
    e.start_ms = to_ms(a.start_time());
    e.end_ms = std::max(e.end_ms, to_ms(a.end_time()));
  }
  Measured m;
  m.alerts = episodes.size();
  std::vector<bool> true_alert(episodes.size(), false);
  for (const sim::TruthEvent& truth : summary.truth) {
    if (truth.type == "RENDEZVOUS") {
      ++m.planted;
      const uint32_t a = std::min(truth.mmsis[0], truth.mmsis[1]);
      const uint32_t b = std::max(truth.mmsis[0], truth.mmsis[1]);
      bool found = false;
      std::size_t i = 0;
      for (const auto& [id, e] : episodes) {
        if (e.a == a && e.b == b && e.start_ms <= truth.end_time_s * 1'000 &&
            e.end_ms >= truth.start_time_s * 1'000) {
          found = true;
          true_alert[i] = true;
        }
        ++i;
      }
      if (found) ++m.found;
    } else if (truth.type == "CONFOUNDER") {
      ++m.confounders[truth.kind];
      const std::set<uint32_t> involved(truth.mmsis.begin(), truth.mmsis.end());
      for (const auto& [id, e] : episodes) {
        if (involved.contains(e.a) && involved.contains(e.b)) ++m.confounder_alerts;
      }
    }
  }
  m.true_alerts = static_cast<std::size_t>(std::count(true_alert.begin(), true_alert.end(), true));
  return m;
}

TEST(RendezvousScenario, SimulatedTrafficPrecisionAndRecall) {
  Measured total;
  for (uint64_t seed : {11u, 12u}) {
    const Measured m = measure(seed);
    total.planted += m.planted;
    total.found += m.found;
    total.alerts += m.alerts;
    total.true_alerts += m.true_alerts;
    total.confounder_alerts += m.confounder_alerts;
    for (const auto& [kind, n] : m.confounders) total.confounders[kind] += n;
  }
  // Every kind of look-alike was planted, so "zero on confounders" means something.
  for (const char* kind :
       {"fishing_fleet", "tug_alongside_20_min", "pair_trawlers", "roadstead_anchorage"}) {
    EXPECT_GT(total.confounders[kind], 0u) << kind;
    std::printf("planted %s: %zu\n", kind, total.confounders[kind]);
  }
  ASSERT_GT(total.planted, 0u);
  const double recall = static_cast<double>(total.found) / static_cast<double>(total.planted);
  const double precision = total.alerts == 0 ? 0.0
                                             : static_cast<double>(total.true_alerts) /
                                                   static_cast<double>(total.alerts);
  std::printf(
      "rendezvous: planted %zu found %zu recall %.3f; alerts %zu true %zu precision %.3f; "
      "confounder alerts %zu\n",
      total.planted, total.found, recall, total.alerts, total.true_alerts, precision,
      total.confounder_alerts);
  EXPECT_GE(recall, 0.95);
  EXPECT_GE(precision, 0.95);
  EXPECT_EQ(total.confounder_alerts, 0u);
}

}  // namespace
}  // namespace aiswatch::detect
