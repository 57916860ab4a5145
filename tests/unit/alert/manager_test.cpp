#include "alert/manager.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace aiswatch::alert {
namespace {

using namespace aiswatch::v1;

constexpr int64_t t0 = 1'709'251'200'000;  // 2024-03-01T00:00:00Z
constexpr int64_t minute = 60'000;
constexpr uint32_t tanker_a = 445'123'000;  // a KP-flagged MMSI
constexpr uint32_t tanker_b = 352'001'234;  // a PA-flagged MMSI

struct RecordingSink : AlertSink {
  std::vector<Alert> events;
  void on_alert(const Alert& alert) override { events.push_back(alert); }
};

struct FakeWatchlist : WatchlistLookup {
  std::map<uint32_t, std::string> by_mmsi;
  std::map<uint32_t, std::string> by_imo;
  std::optional<std::string_view> reason(uint32_t mmsi, std::optional<uint32_t> imo) const override {
    if (auto it = by_mmsi.find(mmsi); it != by_mmsi.end()) return it->second;
    if (imo)
      if (auto it = by_imo.find(*imo); it != by_imo.end()) return it->second;
    return std::nullopt;
  }
};

EpisodeKey rendezvous_key(int64_t start = t0) {
  return {ALERT_TYPE_RENDEZVOUS, tanker_a, tanker_b, "", start};
}

EpisodeReport rendezvous(int64_t time_ms, double lat = 38.5, double lon = 124.0,
                         Phase phase = PHASE_PROVISIONAL) {
  EpisodeReport r;
  r.key = rendezvous_key();
  r.phase = phase;
  r.time_ms = time_ms;
  r.lat = lat;
  r.lon = lon;
  r.vessel = {tanker_a, "CHON MA SAN", 8660313, "HMYD", "KP", 80};
  r.counterpart = VesselSnapshot{tanker_b, "XIN YUAN 18", std::nullopt, "", "PA", 80};
  r.evidence.push_back({tanker_a, time_ms, lat, lon, 0.4, std::nullopt});
  r.facts = {{"duration_s", static_cast<double>(time_ms - t0) / 1000.0}, {"distance_m", 120}};
  r.reason = "within 120 m, both under 1 kn";
  return r;
}

TEST(AlertManager, OpensOnceWithIdentityAndPosition) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  ASSERT_EQ(sink.events.size(), 1u);
  const Alert& a = sink.events[0];
  EXPECT_EQ(a.state(), ALERT_STATE_OPEN);
  EXPECT_EQ(a.alert_id(), alert_id(rendezvous_key()));
  EXPECT_EQ(a.type(), ALERT_TYPE_RENDEZVOUS);
  EXPECT_EQ(a.mmsi(), tanker_a);
  EXPECT_EQ(a.counterpart_mmsi(), tanker_b);
  EXPECT_EQ(a.vessel().name(), "CHON MA SAN");
  EXPECT_EQ(a.vessel().imo(), 8660313u);
  EXPECT_EQ(a.counterpart().flag(), "PA");
  EXPECT_EQ(a.start_time().seconds(), t0 / 1000);
  EXPECT_EQ(a.end_time().seconds(), (t0 + 30 * minute) / 1000);
  EXPECT_EQ(a.severity(), SEVERITY_MEDIUM);
  EXPECT_EQ(a.sequence(), 1u);
  // Facts sorted by name whatever order the detector gave them in.
  ASSERT_EQ(a.facts_size(), 2);
  EXPECT_EQ(a.facts(0).name(), "distance_m");
  EXPECT_EQ(a.facts(1).name(), "duration_s");
  EXPECT_EQ(manager.open_count(), 1u);
}

TEST(AlertManager, ReportsWithoutMaterialChangeAreSuppressed) {
  RecordingSink sink;
  AlertManager manager(sink);
  // A report every 10 s for 20 minutes, GPS jitter of ~100 m, new evidence each time.
  for (int i = 0; i < 120; ++i)
    manager.report(rendezvous(t0 + 30 * minute + i * 10'000, 38.5 + (i % 2) * 0.001, 124.0));
  EXPECT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(manager.stats().reports_suppressed, 119u);
}

TEST(AlertManager, ConfirmationIsAnUpdateWithHigherSeverity) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  manager.report(rendezvous(t0 + 120 * minute, 38.5, 124.0, PHASE_CONFIRMED));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  EXPECT_EQ(sink.events[1].phase(), PHASE_CONFIRMED);
  EXPECT_EQ(sink.events[1].severity(), SEVERITY_HIGH);
  EXPECT_EQ(sink.events[1].alert_id(), sink.events[0].alert_id());
  EXPECT_EQ(sink.events[1].sequence(), 2u);
}

TEST(AlertManager, MovingPastTheThresholdFromTheLastEventIsMaterial) {
  RecordingSink sink;
  AlertManager manager(sink);  // move_threshold_m = 1000
  manager.report(rendezvous(t0 + 30 * minute, 38.5, 124.0));
  // 0.008 degrees of latitude is ~890 m: not yet.
  manager.report(rendezvous(t0 + 31 * minute, 38.508, 124.0));
  EXPECT_EQ(sink.events.size(), 1u);
  // Drift accumulates against the last emitted position: 0.010 degrees is ~1110 m.
  manager.report(rendezvous(t0 + 32 * minute, 38.510, 124.0));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  EXPECT_DOUBLE_EQ(sink.events[1].lat(), 38.510);
}

TEST(AlertManager, HeartbeatNeedsTimeAndNewEvidence) {
  RecordingSink sink;
  AlertManager manager(sink);  // heartbeat 30 min
  manager.report(rendezvous(t0 + 30 * minute));
  EpisodeReport quiet = rendezvous(t0 + 61 * minute);
  quiet.evidence.clear();
  manager.report(quiet);  // 31 minutes later but nothing new was heard
  EXPECT_EQ(sink.events.size(), 1u);
  manager.report(rendezvous(t0 + 62 * minute));  // now with a fresh track point
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  // Evidence within the heartbeat after that is not material.
  manager.report(rendezvous(t0 + 70 * minute));
  EXPECT_EQ(sink.events.size(), 2u);
}

TEST(AlertManager, IdentityChangeIsMaterialFactsAreNot) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  EpisodeReport r = rendezvous(t0 + 31 * minute);
  r.facts = {{"distance_m", 480}};
  r.reason = "different words";
  manager.report(r);
  EXPECT_EQ(sink.events.size(), 1u);
  r = rendezvous(t0 + 32 * minute);
  r.counterpart->name = "NEW NAME";
  manager.report(r);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].counterpart().name(), "NEW NAME");
}

TEST(AlertManager, ClosesOnceAndNeverReopens) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  EXPECT_TRUE(manager.close(rendezvous_key(), t0 + 180 * minute, "separated"));
  ASSERT_EQ(sink.events.size(), 2u);
  const Alert closed = sink.events[1];  // a copy: sink.events grows below
  EXPECT_EQ(closed.state(), ALERT_STATE_CLOSED);
  EXPECT_EQ(closed.close_reason(), "separated");
  EXPECT_EQ(closed.end_time().seconds(), (t0 + 180 * minute) / 1000);
  EXPECT_EQ(manager.open_count(), 0u);

  EXPECT_FALSE(manager.close(rendezvous_key(), t0 + 181 * minute, "separated"));
  manager.report(rendezvous(t0 + 200 * minute));  // same key after close: dropped
  EXPECT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(manager.stats().reports_after_close, 1u);
  EXPECT_EQ(manager.stats().close_unknown, 1u);

  // A later meeting of the same pair is a new episode: new start time, new id.
  EpisodeReport again = rendezvous(t0 + 600 * minute);
  again.key.start_time_ms = t0 + 570 * minute;
  manager.report(again);
  ASSERT_EQ(sink.events.size(), 3u);
  EXPECT_EQ(sink.events[2].state(), ALERT_STATE_OPEN);
  EXPECT_NE(sink.events[2].alert_id(), closed.alert_id());
}

TEST(AlertManager, LateReportDoesNotMoveEndTimeBack) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 60 * minute));
  manager.report(rendezvous(t0 + 40 * minute));  // satellite AIS, heard late
  manager.close(rendezvous_key(), t0 + 90 * minute, "separated");
  ASSERT_EQ(sink.events.size(), 2u);
  manager.report(rendezvous(t0 + 91 * minute));
  EXPECT_EQ(sink.events.size(), 2u);
}

TEST(AlertManager, OverCapacityEvictsTheLeastRecentlyReported) {
  RecordingSink sink;
  UpdatePolicy policy;
  policy.max_open = 2;
  AlertManager manager(sink, policy);
  auto loiter = [](uint32_t mmsi, int64_t time_ms) {
    EpisodeReport r;
    r.key = {ALERT_TYPE_LOITERING, mmsi, 0, "", t0};
    r.time_ms = time_ms;
    r.vessel.mmsi = mmsi;
    r.evidence.push_back({mmsi, time_ms, 30.0, 125.0, 0.5, 90.0});
    return r;
  };
  manager.report(loiter(1, t0 + 1 * minute));
  manager.report(loiter(2, t0 + 2 * minute));
  manager.report(loiter(1, t0 + 3 * minute));  // 1 is now more recent than 2
  manager.report(loiter(3, t0 + 4 * minute));  // over capacity: 2 goes
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events[2].state(), ALERT_STATE_CLOSED);
  EXPECT_EQ(sink.events[2].mmsi(), 2u);
  EXPECT_EQ(sink.events[2].close_reason(), "evicted");
  // An evicted alert did not end then: end_time stays at its last observation.
  EXPECT_EQ(sink.events[2].end_time().seconds(), (t0 + 2 * minute) / 1000);
  EXPECT_EQ(sink.events[2].event_time().seconds(), (t0 + 4 * minute) / 1000);
  EXPECT_EQ(sink.events[3].state(), ALERT_STATE_OPEN);
  EXPECT_EQ(sink.events[3].mmsi(), 3u);
  EXPECT_EQ(manager.open_count(), 2u);
  EXPECT_EQ(manager.stats().evicted, 1u);
  EXPECT_TRUE(manager.is_open({ALERT_TYPE_LOITERING, 1, 0, "", t0}));
  EXPECT_FALSE(manager.is_open({ALERT_TYPE_LOITERING, 2, 0, "", t0}));
}

TEST(AlertManager, EvidenceIsBoundedKeepingTheFirstAndLatest) {
  RecordingSink sink;
  UpdatePolicy policy;
  policy.max_evidence = 4;
  AlertManager manager(sink, policy);
  for (int i = 0; i < 10; ++i) manager.report(rendezvous(t0 + (30 + i) * minute));
  manager.close(rendezvous_key(), t0 + 50 * minute, "separated");
  const Alert& closed = sink.events.back();
  ASSERT_EQ(closed.evidence_size(), 4);
  EXPECT_EQ(closed.evidence(0).time().seconds(), (t0 + 30 * minute) / 1000);
  EXPECT_EQ(closed.evidence(1).time().seconds(), (t0 + 37 * minute) / 1000);
  EXPECT_EQ(closed.evidence(3).time().seconds(), (t0 + 39 * minute) / 1000);
  EXPECT_TRUE(closed.evidence(0).has_sog());
  EXPECT_FALSE(closed.evidence(0).has_cog());  // absent stays absent, not 0
}

TEST(AlertManager, EvidenceCapOfOneKeepsTheTriggerAndFactsFollowTheLatestReport) {
  RecordingSink sink;
  UpdatePolicy policy;
  policy.max_evidence = 1;
  AlertManager manager(sink, policy);
  manager.report(rendezvous(t0 + 30 * minute));
  EpisodeReport r = rendezvous(t0 + 40 * minute);
  r.facts = {{"speed_kn", 0.3}};  // fewer facts than before: the old ones go
  manager.report(r);
  manager.close(rendezvous_key(), t0 + 50 * minute, "separated");
  const Alert& closed = sink.events.back();
  ASSERT_EQ(closed.evidence_size(), 1);
  EXPECT_EQ(closed.evidence(0).time().seconds(), (t0 + 30 * minute) / 1000);
  ASSERT_EQ(closed.facts_size(), 1);
  EXPECT_EQ(closed.facts(0).name(), "speed_kn");
  EXPECT_EQ(closed.reason(), "within 120 m, both under 1 kn");
}

TEST(AlertManager, WatchlistedCounterpartRaisesSeverityAndCarriesTheReason) {
  RecordingSink sink;
  FakeWatchlist watchlist;
  watchlist.by_mmsi[tanker_b] = "UN 1718 Committee designation (example)";
  AlertManager manager(sink);
  manager.set_watchlist(&watchlist);
  manager.report(rendezvous(t0 + 30 * minute));
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].severity(), SEVERITY_HIGH);  // provisional MEDIUM, raised
  EXPECT_EQ(sink.events[0].counterpart().watchlist_reason(),
            "UN 1718 Committee designation (example)");
  EXPECT_EQ(sink.events[0].vessel().watchlist_reason(), "");
}

TEST(AlertManager, WatchlistMatchesByImoAndALaterListingIsAnUpdate) {
  RecordingSink sink;
  FakeWatchlist watchlist;
  AlertManager manager(sink);
  manager.set_watchlist(&watchlist);
  manager.report(rendezvous(t0 + 120 * minute, 38.5, 124.0, PHASE_CONFIRMED));
  EXPECT_EQ(sink.events[0].severity(), SEVERITY_HIGH);
  // Rules reloaded: the primary vessel is now listed by its IMO number (its MMSI is not).
  watchlist.by_imo[8660313] = "ship-to-ship transfers reported by the UN Panel of Experts";
  manager.report(rendezvous(t0 + 121 * minute, 38.5, 124.0, PHASE_CONFIRMED));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  EXPECT_EQ(sink.events[1].severity(), SEVERITY_CRITICAL);
  EXPECT_EQ(sink.events[1].vessel().watchlist_reason(),
            "ship-to-ship transfers reported by the UN Panel of Experts");
}

TEST(AlertManager, InstantAlertOpensAndClosesOnce) {
  RecordingSink sink;
  AlertManager manager(sink);
  EpisodeReport entry;
  entry.key = {ALERT_TYPE_GEOFENCE_ENTRY, tanker_a, 0, "kp-west-sea", t0};
  entry.time_ms = t0;
  entry.vessel.mmsi = tanker_a;
  manager.instant(entry);
  manager.instant(entry);  // the same message heard twice
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].state(), ALERT_STATE_OPEN);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_CLOSED);
  EXPECT_EQ(sink.events[1].close_reason(), "instantaneous");
  EXPECT_EQ(sink.events[1].zone_id(), "kp-west-sea");
  EXPECT_EQ(manager.open_count(), 0u);
}

TEST(AlertManager, CloseAllClosesEveryOpenAlertInOrder) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  EpisodeReport dark;
  dark.key = {ALERT_TYPE_DARK_PERIOD, tanker_b, 0, "", t0};
  dark.time_ms = t0 + 360 * minute;
  manager.report(dark);
  manager.close_all(t0 + 400 * minute, "shutdown");
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events[2].type(), ALERT_TYPE_RENDEZVOUS);
  EXPECT_EQ(sink.events[3].type(), ALERT_TYPE_DARK_PERIOD);
  EXPECT_EQ(sink.events[3].close_reason(), "shutdown");
  EXPECT_EQ(manager.open_count(), 0u);
}

TEST(AlertManager, SameReportsGiveIdenticalEvents) {
  auto run = [] {
    RecordingSink sink;
    UpdatePolicy policy;
    policy.max_open = 3;
    AlertManager manager(sink, policy);
    for (int i = 0; i < 50; ++i) {
      EpisodeReport r = rendezvous(t0 + (30 + i) * minute, 38.5 + i * 0.002, 124.0,
                                   i < 25 ? PHASE_PROVISIONAL : PHASE_CONFIRMED);
      r.key.mmsi = tanker_a + static_cast<uint32_t>(i % 5);
      manager.report(r);
    }
    manager.close_all(t0 + 100 * minute, "end of input");
    std::string bytes;
    for (const Alert& a : sink.events) {
      std::string one;
      EXPECT_TRUE(a.SerializeToString(&one));
      bytes += one;
    }
    return bytes;
  };
  const std::string first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(run(), first);
}

TEST(AlertManager, SeverityRaiseIsAMaterialUpdate) {
  RecordingSink sink;
  AlertManager manager(sink);
  EpisodeReport r = rendezvous(t0 + 30 * minute, 38.5, 124.0, PHASE_CONFIRMED);
  manager.report(r);
  r.time_ms += minute;
  r.severity_raise = 1;
  r.reason = "raised";
  manager.report(r);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].severity(), SEVERITY_HIGH);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  EXPECT_EQ(sink.events[1].severity(), SEVERITY_CRITICAL);
  EXPECT_EQ(sink.events[1].reason(), "raised");
}

TEST(AlertManager, RelateLinksAnOpenAlertOnceWithAnUpdate) {
  RecordingSink sink;
  AlertManager manager(sink);
  manager.report(rendezvous(t0 + 30 * minute));
  EXPECT_TRUE(manager.relate(rendezvous_key(), "00000000000000aa", t0 + 40 * minute));
  EXPECT_TRUE(manager.relate(rendezvous_key(), "00000000000000aa", t0 + 41 * minute));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].state(), ALERT_STATE_UPDATE);
  ASSERT_EQ(sink.events[1].related_alert_ids_size(), 1);
  EXPECT_EQ(sink.events[1].related_alert_ids(0), "00000000000000aa");
  manager.close(rendezvous_key(), t0 + 50 * minute, "separated");
  EXPECT_EQ(sink.events.back().related_alert_ids_size(), 1);  // carried to the end
  EXPECT_FALSE(manager.relate(rendezvous_key(), "00000000000000bb", t0 + 60 * minute));
  EXPECT_EQ(sink.events.size(), 3u);
}

TEST(AlertManager, RelatedIdsOfAReportAreAddedOnceAndAreMaterial) {
  RecordingSink sink;
  AlertManager manager(sink);
  EpisodeReport r = rendezvous(t0 + 30 * minute);
  r.related_alert_ids = {"00000000000000aa"};
  manager.report(r);
  r.time_ms += minute;
  manager.report(r);  // the same id again: nothing new
  r.related_alert_ids = {"00000000000000bb"};
  manager.report(r);
  ASSERT_EQ(sink.events.size(), 2u);
  ASSERT_EQ(sink.events[1].related_alert_ids_size(), 2);
  EXPECT_EQ(sink.events[1].related_alert_ids(1), "00000000000000bb");
}

TEST(AlertManager, RecentAlertsOfAVesselNewestFirstBothSidesOfAPair) {
  RecordingSink sink;
  UpdatePolicy policy;
  policy.recent_per_vessel = 2;
  AlertManager manager(sink, policy);
  manager.report(rendezvous(t0 + 30 * minute));
  auto recent_of = [&](uint32_t mmsi) {
    std::vector<RecentAlert> out;
    manager.for_each_recent(mmsi, [&](const RecentAlert& r) { out.push_back(r); });
    return out;
  };
  ASSERT_EQ(recent_of(tanker_b).size(), 1u);  // named as counterpart
  EXPECT_EQ(recent_of(tanker_b)[0].alert_id, alert_id(rendezvous_key()));
  EXPECT_TRUE(recent_of(tanker_a)[0].open);
  manager.close(rendezvous_key(), t0 + 90 * minute, "separated");
  EXPECT_FALSE(recent_of(tanker_a)[0].open);
  EXPECT_EQ(recent_of(tanker_a)[0].end_ms, t0 + 90 * minute);
  for (int k = 1; k <= 2; ++k) {
    EpisodeReport dark;
    dark.key = {ALERT_TYPE_DARK_PERIOD, tanker_a, 0, "", t0 + k * 120 * minute};
    dark.time_ms = dark.key.start_time_ms + 360 * minute;
    manager.report(dark);
  }
  const auto recent = recent_of(tanker_a);
  ASSERT_EQ(recent.size(), 2u);  // the bound: the rendezvous is forgotten
  EXPECT_EQ(recent[0].key.start_time_ms, t0 + 240 * minute);
  EXPECT_EQ(recent[1].key.start_time_ms, t0 + 120 * minute);
  EXPECT_TRUE(recent_of(999'999'999).empty());
}

TEST(AlertManager, NoRecentAlertsKeptWhenNoVesselMayBeHeld) {
  RecordingSink sink;
  UpdatePolicy policy;
  policy.max_recent_vessels = 0;
  AlertManager manager(sink, policy);
  manager.report(rendezvous(t0 + 30 * minute));
  manager.close(rendezvous_key(), t0 + 90 * minute, "separated");
  std::size_t recent = 0;
  manager.for_each_recent(tanker_a, [&](const RecentAlert&) { ++recent; });
  EXPECT_EQ(recent, 0u);
  EXPECT_EQ(sink.events.size(), 2u) << "the alert itself is still published";
}

}  // namespace
}  // namespace aiswatch::alert
