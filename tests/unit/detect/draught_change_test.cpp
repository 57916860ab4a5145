#include "detect/draught_change.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "alert/alert_id.h"
#include "detector_test_support.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_STATE_UPDATE;
using aiswatch::v1::ALERT_TYPE_DARK_PERIOD;
using aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS;
using aiswatch::v1::ALERT_TYPE_DRAUGHT_CHANGE;
using aiswatch::v1::ALERT_TYPE_LOITERING;
using aiswatch::v1::ALERT_TYPE_RENDEZVOUS;

constexpr double lat0 = 38.5, lon0 = 124.0;          // Korea Bay
constexpr double port_lat = 38.7, port_lon = 125.2;  // a port zone in port_rules()
constexpr uint32_t tanker = 445'000'001;
constexpr uint32_t other = 445'000'002;

ais::StaticVoyageData voyage(uint32_t mmsi, std::optional<double> draught) {
  ais::StaticVoyageData m;
  m.header = track::test::header(5, mmsi);
  m.shipname = track::test::text<20>("CHON MA SAN");
  m.callsign = track::test::text<7>("HMAB");
  m.shiptype = 80;
  m.draught = draught;
  return m;
}

constexpr double anchorage_lat = 38.3, anchorage_lon = 124.8;  // anchorage zones in port_rules()
constexpr double watched_lon = 125.8;  // the second anchorage, inside a watch zone

// A port inside a watch zone (as Nampo lies inside the West Sea watch zone), an anchorage
// outside any watch zone and one inside it.
ruleset::Ruleset port_rules() {
  return make_rules(square_zone("nampo", "port", port_lat, port_lon, 0.1) + "," +
                    square_zone("west-sea", "watch", port_lat, port_lon + 0.3, 0.5) + "," +
                    square_zone("roads", "anchorage", anchorage_lat, anchorage_lon, 0.05) + "," +
                    square_zone("watched-roads", "anchorage", port_lat, watched_lon, 0.05));
}

struct Fixture {
  DraughtChangeDetector detector;
  Harness h;
  explicit Fixture(ruleset::Ruleset rules = make_rules()) : h(std::move(rules), detector) {}
  void at(uint32_t mmsi, int64_t t, double lat = lat0, double lon = lon0) {
    h.send(class_a(mmsi, lat, lon, 0.5, 90.0, static_cast<uint8_t>(t / s % 60)), t);
  }
  std::vector<aiswatch::v1::Alert> draught_alerts() const {
    std::vector<aiswatch::v1::Alert> out;
    for (const auto& a : h.sink.of(ALERT_STATE_OPEN))
      if (a.type() == ALERT_TYPE_DRAUGHT_CHANGE) out.push_back(a);
    return out;
  }
  // An alert of another detector, reported into the same manager.
  alert::EpisodeKey other_alert(aiswatch::v1::AlertType type, uint32_t mmsi, uint32_t counterpart,
                                int64_t start, int64_t end, bool close) {
    alert::EpisodeReport r;
    r.key = {type, mmsi, counterpart, "", start};
    r.time_ms = end;
    r.lat = lat0;
    r.lon = lon0;
    r.vessel.mmsi = mmsi;
    h.alerts.report(r);
    if (close) h.alerts.close(r.key, end, "test");
    return r.key;
  }
};

TEST(DraughtChange, LadenAtSeaIsAnInstantAlertWithFacts) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 6.2), t0 + minute);  // the first draught: a baseline
  EXPECT_TRUE(f.h.sink.events.empty());
  const int64_t t = t0 + 5 * hour;
  f.at(tanker, t - minute);
  f.h.send(voyage(tanker, 11.8), t);
  const auto alerts = f.draught_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const auto& a = alerts[0];
  EXPECT_EQ(a.mmsi(), tanker);
  EXPECT_EQ(a.start_time().seconds(), t / 1000);
  EXPECT_EQ(f.h.sink.fact(a, "draught_before_m"), 6.2);
  EXPECT_EQ(f.h.sink.fact(a, "draught_after_m"), 11.8);
  EXPECT_NEAR(f.h.sink.fact(a, "change_m").value_or(0), 5.6, 1e-9);
  EXPECT_EQ(a.reason(), "draught 6.2 m -> 11.8 m: deeper by 5.6 m (90 %)");
  ASSERT_EQ(a.evidence_size(), 1);
  EXPECT_EQ(a.evidence(0).time().seconds(), (t - minute) / 1000);  // the current position
  EXPECT_NEAR(a.lat(), lat0, 1e-6);
  EXPECT_TRUE(a.related_alert_ids().empty());
}

TEST(DraughtChange, DischargedIsShallower) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 11.0), t0 + minute);
  f.h.send(voyage(tanker, 7.0), t0 + 3 * hour);
  const auto alerts = f.draught_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].reason(), "draught 11.0 m -> 7.0 m: shallower by 4.0 m (36 %)");
  EXPECT_EQ(f.h.sink.fact(alerts[0], "change_m"), 4.0);  // a magnitude, never negative
}

TEST(DraughtChange, BothThresholdsMustBeMet) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 10.0), t0 + minute);
  f.h.send(voyage(tanker, 10.4), t0 + 3 * hour);  // 0.4 m: under 0.5 m
  f.h.send(voyage(tanker, 11.3), t0 + 6 * hour);  // 0.9 m but 8.7 %: under 10 %
  EXPECT_TRUE(f.draught_alerts().empty());
  f.at(other, t0);
  f.h.send(voyage(other, 3.0), t0 + minute);
  f.h.send(voyage(other, 3.4), t0 + 3 * hour);  // 13 % but 0.4 m
  EXPECT_TRUE(f.draught_alerts().empty());
  f.h.send(voyage(other, 3.9), t0 + 6 * hour);  // exactly 0.5 m (and 15 %) is enough
  ASSERT_EQ(f.draught_alerts().size(), 1u);
  f.h.send(voyage(tanker, 12.43), t0 + 9 * hour);  // 11.3 -> 12.4 in tenths: 1.1 m, 9.7 %
  EXPECT_EQ(f.draught_alerts().size(), 1u);
  f.h.send(voyage(tanker, 5.0), t0 + 12 * hour);
  EXPECT_EQ(f.draught_alerts().size(), 2u);
}

TEST(DraughtChange, ExactlyTenPercentIsEnough) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 5.0), t0 + minute);
  f.h.send(voyage(tanker, 5.5), t0 + 3 * hour);  // 0.5 m, 10 %: both met at the limit
  EXPECT_EQ(f.draught_alerts().size(), 1u);
}

TEST(DraughtChange, ThresholdsAreReadFromTheRules) {
  ruleset::Ruleset rules = make_rules();
  ruleset::LoadErrors errors;
  rules.thresholds = ruleset::Thresholds::parse(
      "detectors.yaml", "draught_change:\n  min_change_m: 2\n  min_change_pct: 1\n", errors);
  ASSERT_TRUE(errors.empty());
  Fixture f(std::move(rules));
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 10.0), t0 + minute);
  f.h.send(voyage(tanker, 11.5), t0 + 3 * hour);  // 1.5 m < 2 m
  EXPECT_TRUE(f.draught_alerts().empty());
  f.h.send(voyage(tanker, 13.6), t0 + 6 * hour);  // 2.1 m, 18 %
  EXPECT_EQ(f.draught_alerts().size(), 1u);
}

TEST(DraughtChange, NormalInPortAndAtAnchorageButAWatchedAnchorageIsWatched) {
  Fixture f(port_rules());
  // At a berth, inside the watch zone: loading is what ports are for.
  f.at(tanker, t0, port_lat, port_lon);
  f.h.send(voyage(tanker, 6.0), t0 + minute);
  f.h.send(voyage(tanker, 11.0), t0 + 6 * hour);
  EXPECT_TRUE(f.draught_alerts().empty());
  // The in-port draught is the new baseline: at sea later, 11.0 -> 11.2 is nothing.
  f.at(tanker, t0 + 7 * hour);
  f.h.send(voyage(tanker, 11.2), t0 + 8 * hour);
  EXPECT_TRUE(f.draught_alerts().empty());
  // At an anchorage outside watch zones: normal too.
  f.at(other, t0, anchorage_lat, anchorage_lon);
  f.h.send(voyage(other, 6.0), t0 + minute);
  f.h.send(voyage(other, 11.0), t0 + 6 * hour);
  EXPECT_TRUE(f.draught_alerts().empty());
  // At an anchorage inside the watch zone (lightering off Nampo): alerted.
  constexpr uint32_t third = 445'000'003;
  f.at(third, t0, port_lat, watched_lon);
  f.h.send(voyage(third, 6.0), t0 + minute);
  f.h.send(voyage(third, 11.0), t0 + 6 * hour);
  EXPECT_EQ(f.draught_alerts().size(), 1u);
}

TEST(DraughtChange, NoPositionNoAlert) {
  Fixture f;
  f.h.send(voyage(tanker, 6.0), t0);
  f.h.send(voyage(tanker, 11.0), t0 + 6 * hour);
  EXPECT_TRUE(f.draught_alerts().empty());
  // 11.0 was taken as the baseline.
  f.at(tanker, t0 + 7 * hour);
  f.h.send(voyage(tanker, 6.0), t0 + 9 * hour);
  const auto alerts = f.draught_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(f.h.sink.fact(alerts[0], "draught_before_m"), 11.0);
}

TEST(DraughtChange, SharedMmsiAlternationAlertsOnce) {
  Fixture f;
  f.at(tanker, t0);
  // Two ships under one MMSI, their type 5s alternating every 3 minutes for two hours.
  for (int i = 0; i < 40; ++i)
    f.h.send(voyage(tanker, i % 2 == 0 ? 6.0 : 11.0), t0 + minute + i * 3 * minute);
  EXPECT_EQ(f.draught_alerts().size(), 1u);
}

TEST(DraughtChange, BackAfterATransferIsAChange) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 6.0), t0 + minute);
  f.h.send(voyage(tanker, 11.0), t0 + 2 * hour);  // loaded from one ship ...
  f.h.send(voyage(tanker, 6.0), t0 + 10 * hour);  // ... and discharged to another
  EXPECT_EQ(f.draught_alerts().size(), 2u);
}

TEST(DraughtChange, LateAndDuplicatedStaticMessagesAreNotChanges) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 11.0), t0 + 2 * hour);
  f.h.send(voyage(tanker, 11.0), t0 + 2 * hour + 2 * s);  // a copy from another station
  // A late copy of a report from before the transfer.
  const track::UpdateResult late = f.h.send(voyage(tanker, 6.0), t0 + hour);
  EXPECT_TRUE(late.late);
  EXPECT_TRUE(f.draught_alerts().empty());
}

TEST(DraughtChange, OnlyShipMmsisAreJudged) {
  Fixture f;
  constexpr uint32_t transponder_default = 1193046;  // shared by unconfigured transponders
  f.at(transponder_default, t0);
  f.h.send(voyage(transponder_default, 4.5), t0 + minute);
  f.h.send(voyage(transponder_default, 24.8), t0 + 3 * hour);
  EXPECT_TRUE(f.draught_alerts().empty());
}

TEST(DraughtChange, LinkedToRecentMeetingsAndSilencesBothWays) {
  Fixture f;
  f.at(tanker, t0);
  f.h.send(voyage(tanker, 6.0), t0 + minute);
  const int64_t t = t0 + 40 * hour;
  // Open: a rendezvous naming the tanker as counterpart, and a loitering (not linked).
  const auto rendezvous =
      f.other_alert(ALERT_TYPE_RENDEZVOUS, 412'000'001, tanker, t - 3 * hour, t - minute, false);
  const auto loitering =
      f.other_alert(ALERT_TYPE_LOITERING, tanker, 0, t - 6 * hour, t - minute, false);
  // Closed: a dark period that ended 10 h before (linked), and a dark rendezvous that ended
  // 30 h before (older than the 24 h window: not linked).
  const auto dark =
      f.other_alert(ALERT_TYPE_DARK_PERIOD, tanker, 0, t - 20 * hour, t - 10 * hour, true);
  const auto old =
      f.other_alert(ALERT_TYPE_DARK_RENDEZVOUS, tanker, 0, t - 38 * hour, t - 30 * hour, true);
  f.at(tanker, t - minute);
  const std::size_t events_before = f.h.sink.events.size();
  f.h.send(voyage(tanker, 11.0), t);
  const auto alerts = f.draught_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const auto& ids = alerts[0].related_alert_ids();
  const std::vector<std::string> related(ids.begin(), ids.end());
  EXPECT_EQ(related.size(), 2u);
  auto has = [&](const alert::EpisodeKey& key) {
    return std::find(related.begin(), related.end(), alert::alert_id(key)) != related.end();
  };
  EXPECT_TRUE(has(rendezvous));
  EXPECT_TRUE(has(dark));
  EXPECT_FALSE(has(old));
  EXPECT_FALSE(has(loitering));
  EXPECT_EQ(alerts[0].reason(),
            "draught 6.0 m -> 11.0 m: deeper by 5.0 m (83 %), during or after 2 related alerts");
  // The open rendezvous names the draught change in turn, in an UPDATE after the draught alert.
  const std::string draught_id = alerts[0].alert_id();
  std::vector<aiswatch::v1::Alert> after(
      f.h.sink.events.begin() + static_cast<std::ptrdiff_t>(events_before), f.h.sink.events.end());
  ASSERT_GE(after.size(), 3u);  // draught OPEN, CLOSED, rendezvous UPDATE
  EXPECT_EQ(after[0].alert_id(), draught_id);
  const auto& update = after.back();
  EXPECT_EQ(update.state(), ALERT_STATE_UPDATE);
  EXPECT_EQ(update.alert_id(), alert::alert_id(rendezvous));
  ASSERT_EQ(update.related_alert_ids_size(), 1);
  EXPECT_EQ(update.related_alert_ids(0), draught_id);
  EXPECT_EQ(update.event_time().seconds(), t / 1000);
  // The loitering alert was not touched.
  for (const auto& e : after) EXPECT_NE(e.alert_id(), alert::alert_id(loitering));
}

}  // namespace
}  // namespace aiswatch::detect
