// Unit tests of the tracker: event time and the watermark, late messages, de-duplication,
// position sanity, absent values, static data merging, eviction, the silence index and memory
// bounds. Every time is data; nothing reads a clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <vector>

#include "track/tracker.h"
#include "track_test_support.h"

namespace aiswatch::track {
namespace {

using namespace test;

constexpr uint32_t kp_tanker = 445'123'000;  // MID 445: Korea (DPR)
constexpr uint32_t pa_tanker = 352'001'000;  // MID 352: Panama

// ---- Watermark and event time -----------------------------------------------------------------

TEST(TrackerWatermark, IsMaxEventTimeMinusLatenessAndNeverMovesBack) {
  Tracker tracker;
  EXPECT_EQ(tracker.watermark(), INT64_MIN);
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  EXPECT_EQ(tracker.watermark(), t0 - 60 * s);
  tracker.update(class_a(kp_tanker, 39.0, 124.0001, 10.0, 90.0, 5), t0 + 5 * s);
  EXPECT_EQ(tracker.watermark(), t0 + 5 * s - 60 * s);
  tracker.update(class_a(pa_tanker, 30.0, 125.0), t0 - 30 * s);  // older, not late
  EXPECT_EQ(tracker.watermark(), t0 + 5 * s - 60 * s);
  EXPECT_EQ(tracker.max_event_time(), t0 + 5 * s);
}

TEST(TrackerWatermark, AdvancesOnIdleInputButNotBackwards) {
  TrackerConfig c;
  c.allowed_lateness_ms = 30 * s;
  Tracker tracker(c);
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  EXPECT_EQ(tracker.advance_watermark(t0 + hour), t0 + hour - 30 * s);
  EXPECT_EQ(tracker.advance_watermark(t0), t0 + hour - 30 * s);
  // Now a message at t0 + 10 s is late.
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.0, 124.0001, 10.0, 90.0, 10), t0 + 10 * s);
  EXPECT_TRUE(r.late);
  EXPECT_EQ(r.outcome, UpdateOutcome::late_accepted);
}

TEST(TrackerWatermark, MessagesWithinLatenessAreNotLate) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  const UpdateResult r = tracker.update(class_a(pa_tanker, 30.0, 125.0), t0 - 59 * s);
  EXPECT_FALSE(r.late);
  EXPECT_EQ(r.outcome, UpdateOutcome::accepted);
}

// ---- Late messages ------------------------------------------------------------------------------

TEST(TrackerLate, LateFixJoinsTheTrackInTimeOrderAndIsReported) {
  Tracker tracker;
  // Terrestrial reports every 10 minutes, then a satellite report of the gap arrives an hour late.
  for (int i = 0; i < 4; ++i) {
    tracker.update(class_a(kp_tanker, 39.0, 124.0 + 0.02 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
                   t0 + i * 10 * minute);
  }
  tracker.advance_watermark(t0 + 2 * hour);
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.0, 124.01, 10.0, 90.0, 30), t0 + 5 * minute);
  EXPECT_TRUE(r.late);
  EXPECT_EQ(r.outcome, UpdateOutcome::late_accepted);
  EXPECT_TRUE(r.counts_as_heard());
  ASSERT_NE(r.vessel, nullptr);
  EXPECT_TRUE(r.changes & change_track);
  EXPECT_FALSE(r.changes & change_position);  // the newest fix is still the latest
  const VesselState& v = *r.vessel;
  ASSERT_EQ(v.track_size(), 5u);
  for (std::size_t i = 1; i < v.track_size(); ++i) {
    EXPECT_LE(v.track_at(i - 1).time_ms, v.track_at(i).time_ms);
  }
  EXPECT_EQ(v.track_at(1).time_ms, t0 + 5 * minute);
  EXPECT_EQ(v.position->time_ms, t0 + 30 * minute);
  EXPECT_EQ(v.last_heard_ms, t0 + 30 * minute);  // a late message never moves it back
  EXPECT_EQ(tracker.stats().late, 1u);
}

TEST(TrackerLate, LateMessageAfterSilenceMovesLastHeardForward) {
  // The vessel went quiet at t0; a satellite report from t0 + 3 h arrives when the watermark is
  // already at t0 + 5 h: it was heard during what looked like a dark period.
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  tracker.advance_watermark(t0 + 5 * hour);
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.1, 124.1, 5.0, 45.0, 7), t0 + 3 * hour);
  EXPECT_TRUE(r.late);
  EXPECT_EQ(r.outcome, UpdateOutcome::late_accepted);
  EXPECT_EQ(r.previous_last_heard_ms, t0);  // the silence it ends: 3 hours
  EXPECT_EQ(r.vessel->last_heard_ms, t0 + 3 * hour);
  EXPECT_EQ(r.vessel->position->time_ms, t0 + 3 * hour);
  EXPECT_TRUE(r.changes & change_position);
}

TEST(TrackerLate, FixOlderThanAFullTrackIsCountedNotInserted) {
  TrackerConfig c;
  c.max_history_points = 16;
  Tracker tracker(c);
  for (int i = 0; i < 20; ++i) {
    tracker.update(class_a(kp_tanker, 39.0, 124.0 + 0.001 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
                   t0 + i * 10 * s);
  }
  const VesselState* v = tracker.find(kp_tanker);
  ASSERT_EQ(v->track_size(), 16u);
  const int64_t oldest = v->track_at(0).time_ms;
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.0, 123.999, 10.0, 90.0, 50), t0 - 10 * s);
  EXPECT_EQ(r.outcome, UpdateOutcome::late_accepted);  // 200 s behind the newest
  EXPECT_FALSE(r.changes & change_track);
  EXPECT_EQ(v->track_at(0).time_ms, oldest);
  EXPECT_EQ(v->late_outside_track, 1u);
  EXPECT_EQ(tracker.stats().late_outside_track, 1u);
  EXPECT_EQ(v->first_seen_ms, t0 - 10 * s);
}

TEST(TrackerLate, TooOldForTheHorizonIsRefused) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0 + 72 * hour);
  const UpdateResult r = tracker.update(class_a(pa_tanker, 30.0, 125.0), t0);
  EXPECT_EQ(r.outcome, UpdateOutcome::too_old);
  EXPECT_EQ(r.vessel, nullptr);
  EXPECT_EQ(tracker.find(pa_tanker), nullptr);
}

// ---- De-duplication ---------------------------------------------------------------------------

TEST(TrackerDedup, CopyFromAnotherStationWithinTheWindowCountsOnce) {
  Tracker tracker;
  const ais::Message m = class_a(kp_tanker, 39.0, 124.0);
  EXPECT_EQ(tracker.update(m, t0, "station-a").outcome, UpdateOutcome::accepted);
  const UpdateResult dup = tracker.update(m, t0 + 2 * s, "station-b");
  EXPECT_EQ(dup.outcome, UpdateOutcome::duplicate);
  EXPECT_FALSE(dup.counts_as_heard());
  const VesselState& v = *dup.vessel;
  EXPECT_EQ(v.track_size(), 1u);
  EXPECT_EQ(v.last_heard_ms, t0);
  // Both stations are remembered as having heard it.
  ASSERT_EQ(v.source_count, 2u);
  EXPECT_EQ(v.sources[0].view(), "station-a");
  EXPECT_EQ(v.sources[1].view(), "station-b");
  EXPECT_EQ(v.sources[1].last_ms, t0 + 2 * s);
}

TEST(TrackerDedup, CopyArrivingFirstWithTheLaterTimeStillMatches) {
  Tracker tracker;
  const ais::Message m = class_a(kp_tanker, 39.0, 124.0);
  tracker.update(m, t0 + 3 * s);
  EXPECT_EQ(tracker.update(m, t0).outcome, UpdateOutcome::duplicate);
}

TEST(TrackerDedup, RepeaterCopyWithHigherRepeatIndicatorIsADuplicate) {
  Tracker tracker;
  ais::PositionReport m = class_a(kp_tanker, 39.0, 124.0);
  tracker.update(m, t0);
  m.header.repeat = 1;
  EXPECT_EQ(tracker.update(m, t0 + s).outcome, UpdateOutcome::duplicate);
}

TEST(TrackerDedup, SameContentOutsideTheWindowIsNew) {
  // A moored ship's identical static report every 6 minutes is not a duplicate.
  Tracker tracker;
  ais::StaticVoyageData m;
  m.header = header(5, kp_tanker);
  m.shipname = text<20>("CHON MA SAN");
  EXPECT_EQ(tracker.update(m, t0).outcome, UpdateOutcome::accepted);
  EXPECT_EQ(tracker.update(m, t0 + 11 * s).outcome, UpdateOutcome::accepted);
  EXPECT_EQ(tracker.update(m, t0 + 6 * minute).outcome, UpdateOutcome::accepted);
}

TEST(TrackerDedup, DifferentContentWithinTheWindowIsNew) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0, 10.0, 90.0, 1), t0);
  EXPECT_EQ(tracker.update(class_a(kp_tanker, 39.0, 124.0, 10.0, 90.0, 3), t0 + 2 * s).outcome,
            UpdateOutcome::accepted);
  // Same fields, other vessel.
  EXPECT_EQ(tracker.update(class_a(pa_tanker, 39.0, 124.0, 10.0, 90.0, 1), t0).outcome,
            UpdateOutcome::accepted);
}

TEST(TrackerDedup, PayloadHashReplacesTheDecodedHash) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0, 10.0, 90.0, 1), t0, {}, 42u);
  EXPECT_EQ(
      tracker.update(class_a(kp_tanker, 39.0, 124.01, 10.0, 90.0, 9), t0 + s, {}, 42u).outcome,
      UpdateOutcome::duplicate);
}

TEST(TrackerDedup, MessageHashIgnoresRepeatButSeesEveryField) {
  ais::PositionReport a = class_a(kp_tanker, 39.0, 124.0);
  ais::PositionReport b = a;
  b.header.repeat = 2;
  EXPECT_EQ(message_hash(a), message_hash(b));
  b.radio = 1;
  EXPECT_NE(message_hash(a), message_hash(b));
  b = a;
  b.speed.reset();
  EXPECT_NE(message_hash(a), message_hash(b));
  ais::OtherMessage other;
  other.header = header(7, kp_tanker);
  EXPECT_FALSE(message_hash(other).has_value());
}

// ---- Position sanity ------------------------------------------------------------------------

TEST(TrackerSanity, ImpossibleJumpIsKeptAsideNotInTheTrack) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  // 1 degree of latitude (111 km) in one minute: 3600 knots.
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 40.0, 124.0, 10.0, 90.0, 9), t0 + minute);
  EXPECT_EQ(r.outcome, UpdateOutcome::implausible_kept_aside);
  EXPECT_TRUE(r.counts_as_heard());  // it was transmitted, even if from a lying GPS
  const VesselState& v = *r.vessel;
  EXPECT_EQ(v.track_size(), 1u);
  EXPECT_DOUBLE_EQ(v.position->lat, 39.0);
  ASSERT_EQ(v.rejected_count, 1u);
  EXPECT_EQ(v.rejected[0].reason, ImplausibleReason::impossible_speed);
  EXPECT_NEAR(v.rejected[0].implied_knots, 3602.3, 1.0);
  EXPECT_EQ(v.rejected[0].time_ms, t0 + minute);
  EXPECT_EQ(v.last_heard_ms, t0 + minute);
  EXPECT_EQ(tracker.stats()[UpdateOutcome::implausible_kept_aside], 1u);
}

TEST(TrackerSanity, JitterSecondsApartUnderTheDistanceFloorIsAccepted) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0, 0.0), t0);
  // 200 m in one second would be 389 knots; it is GPS jitter, not motion.
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.0 + 200.0 / 111'195.0, 124.0, 0.0, 90.0, 1), t0 + s);
  EXPECT_EQ(r.outcome, UpdateOutcome::accepted);
  EXPECT_EQ(r.vessel->track_size(), 2u);
}

TEST(TrackerSanity, FastButPossibleIsAccepted) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  // 40 knots for 10 minutes: 12.35 km.
  const double dlat = 40.0 * 1852.0 / 6.0 / 111'195.08;
  EXPECT_EQ(tracker.update(class_a(kp_tanker, 39.0 + dlat, 124.0, 40.0, 0.0, 1), t0 + 10 * minute)
                .outcome,
            UpdateOutcome::accepted);
}

TEST(TrackerSanity, LateFixIsCheckedAgainstItsNeighbourInTime) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  tracker.update(class_a(kp_tanker, 39.0, 124.1, 10.0, 90.0, 1), t0 + hour);
  // Plausible from the t0 point (30 minutes, 4.3 km) though implausible "from the latest".
  const UpdateResult ok =
      tracker.update(class_a(kp_tanker, 39.0, 124.05, 10.0, 90.0, 2), t0 + 30 * minute);
  EXPECT_EQ(ok.outcome, UpdateOutcome::late_accepted);
  const UpdateResult bad =
      tracker.update(class_a(kp_tanker, 35.0, 124.05, 10.0, 90.0, 3), t0 + 31 * minute);
  EXPECT_EQ(bad.outcome, UpdateOutcome::implausible_kept_aside);
  EXPECT_EQ(ok.vessel->track_size(), 3u);
}

TEST(TrackerSanity, OutOfRangeLatitudeIsImplausible) {
  Tracker tracker;
  const UpdateResult r = tracker.update(class_a(kp_tanker, 95.0, 124.0), t0);
  EXPECT_EQ(r.outcome, UpdateOutcome::implausible_kept_aside);
  EXPECT_FALSE(r.vessel->position.has_value());
  ASSERT_EQ(r.vessel->rejected_count, 1u);
  EXPECT_EQ(r.vessel->rejected[0].reason, ImplausibleReason::out_of_range);
  EXPECT_EQ(tracker.update(class_a(kp_tanker, 10.0, -181.0, 1.0, 1.0, 3), t0 + s).outcome,
            UpdateOutcome::implausible_kept_aside);
}

TEST(TrackerSanity, ConsistentRejectedFixesRestartTheTrack) {
  // A wrong first fix must not freeze the vessel there: after three consistent reports elsewhere
  // the track restarts where they are.
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 0.0, 0.0), t0);  // the GPS said Null Island
  UpdateResult r;
  for (int i = 1; i <= 3; ++i) {
    r = tracker.update(
        class_a(kp_tanker, 39.0, 124.0 + 0.001 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
        t0 + i * 10 * s);
  }
  EXPECT_EQ(r.outcome, UpdateOutcome::accepted);
  EXPECT_TRUE(r.changes & change_track_restarted);
  EXPECT_EQ(r.vessel->track_size(), 1u);
  EXPECT_NEAR(r.vessel->position->lat, 39.0, 1e-9);
  EXPECT_EQ(tracker.stats().track_restarts, 1u);
  EXPECT_EQ(r.vessel->rejected_count, 2u);
}

TEST(TrackerSanity, AlternatingPositionsOfASharedMmsiNeverRestart) {
  // Two ships transmitting one MMSI far apart: alternate fixes disagree with each other too.
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  for (int i = 1; i <= 10; ++i) {
    const bool far = i % 2 == 1;
    const UpdateResult r =
        tracker.update(class_a(kp_tanker, far ? 30.0 + 0.0001 * i : 39.0, 124.0 + 0.0001 * i, 10.0,
                               90.0, static_cast<uint8_t>(i)),
                       t0 + i * 10 * s);
    EXPECT_EQ(r.outcome, far ? UpdateOutcome::implausible_kept_aside : UpdateOutcome::accepted)
        << i;
  }
  EXPECT_EQ(tracker.stats().track_restarts, 0u);
  EXPECT_EQ(tracker.find(kp_tanker)->rejected_count, VesselState::rejected_capacity);
}

TEST(TrackerSanity, ASecondTransmitterInBurstsDoesNotTakeTheTrackOver) {
  // Two ships 60 km apart share one MMSI; the second sometimes sends three reports in a row
  // (reacquire_after). The first's track has been heard between them, so it is kept; once the
  // first falls silent for reacquire_hold_ms, the second's fixes take the track.
  Tracker tracker;
  uint8_t second = 0;
  auto send = [&](double lat, int64_t t) {
    second = static_cast<uint8_t>((second + 1) % 60);
    return tracker.update(class_a(kp_tanker, lat, 124.0, 10.0, 90.0, second), t);
  };
  int64_t t = t0;
  for (int i = 0; i < 30; ++i, t += 10 * s) {
    EXPECT_EQ(send(39.0, t).outcome, UpdateOutcome::accepted) << i;
    for (int b = 0; b < (i % 5 == 4 ? 3 : 1); ++b) {
      EXPECT_EQ(send(38.46, t + (b + 1) * 2 * s).outcome, UpdateOutcome::implausible_kept_aside);
    }
  }
  EXPECT_EQ(tracker.stats().track_restarts, 0u);
  const VesselState& v = *tracker.find(kp_tanker);
  for (std::size_t p = 0; p < v.track_size(); ++p) EXPECT_FLOAT_EQ(v.track_at(p).lat, 39.0f);
  UpdateResult r;
  const int64_t last_first = t - 10 * s;
  for (; t - last_first < TrackerConfig{}.reacquire_hold_ms; t += 10 * s) {
    r = send(38.46, t);
    EXPECT_EQ(r.outcome, UpdateOutcome::implausible_kept_aside);
  }
  r = send(38.46, t);
  EXPECT_TRUE(r.changes & change_track_restarted);
  EXPECT_FLOAT_EQ(r.vessel->track_back().lat, 38.46f);
}

// ---- Absent values ------------------------------------------------------------------------------

TEST(TrackerAbsent, AbsentSpeedCourseHeadingStatusStayAbsent) {
  Tracker tracker;
  ais::PositionReport m = class_a(kp_tanker, 39.0, 124.0, std::nullopt, std::nullopt);
  m.heading.reset();
  m.status = 15;
  const UpdateResult r = tracker.update(m, t0);
  const PositionFix& p = *r.vessel->position;
  EXPECT_FALSE(p.speed_knots.has_value());
  EXPECT_FALSE(p.course_deg.has_value());
  EXPECT_FALSE(p.heading_deg.has_value());
  EXPECT_FALSE(p.nav_status.has_value());
  EXPECT_FALSE(r.vessel->track_at(0).speed_knots().has_value());
  EXPECT_FALSE(r.vessel->track_at(0).course_deg().has_value());
}

TEST(TrackerAbsent, StoppedIsZeroNotAbsent) {
  Tracker tracker;
  const UpdateResult r = tracker.update(class_a(kp_tanker, 39.0, 124.0, 0.0, 0.0), t0);
  ASSERT_TRUE(r.vessel->position->speed_knots.has_value());
  EXPECT_EQ(*r.vessel->position->speed_knots, 0.0f);
  EXPECT_EQ(*r.vessel->track_at(0).speed_knots(), 0.0f);
  EXPECT_EQ(*r.vessel->position->nav_status, 0);
}

TEST(TrackerAbsent, ReportWithoutPositionIsHeardButKeepsTheLastFix) {
  Tracker tracker;
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  ais::PositionReport m = class_a(kp_tanker, 0.0, 0.0, 3.0, 10.0, 5);
  m.lat.reset();
  m.lon.reset();
  const UpdateResult r = tracker.update(m, t0 + minute);
  EXPECT_EQ(r.outcome, UpdateOutcome::no_position);
  EXPECT_TRUE(r.counts_as_heard());
  EXPECT_EQ(r.vessel->last_heard_ms, t0 + minute);
  EXPECT_EQ(r.vessel->position->time_ms, t0);
  EXPECT_DOUBLE_EQ(r.vessel->position->lat, 39.0);
  EXPECT_EQ(r.vessel->track_size(), 1u);
}

TEST(TrackerAbsent, NewVesselHasNoStaticData) {
  Tracker tracker;
  const VesselState& v = *tracker.update(class_a(kp_tanker, 39.0, 124.0), t0).vessel;
  EXPECT_TRUE(v.statics.name.view().empty());
  EXPECT_FALSE(v.statics.imo.has_value());
  EXPECT_FALSE(v.statics.ship_type.has_value());
  EXPECT_FALSE(v.statics.draught_m.has_value());
  EXPECT_EQ(v.statics.name_seen_ms, 0);
}

// ---- Identity and static data -------------------------------------------------------------------

TEST(TrackerStatic, FlagComesFromTheMid) {
  Tracker tracker;
  const UpdateResult r = tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  ASSERT_NE(r.vessel->flag, nullptr);
  EXPECT_EQ(r.vessel->flag->iso2, "KP");
  EXPECT_EQ(r.vessel->category, ais::MmsiCategory::ship);
  EXPECT_TRUE(r.changes & change_new_vessel);
}

TEST(TrackerStatic, Type5SetsIdentityAndVoyage) {
  Tracker tracker;
  ais::StaticVoyageData m;
  m.header = header(5, kp_tanker);
  m.imo = 8'916'607;
  m.callsign = text<7>("HMYJ");
  m.shipname = text<20>("CHON MA SAN");
  m.shiptype = 80;  // tanker
  m.to_bow = 90;
  m.to_stern = 20;
  m.to_port = 8;
  m.to_starboard = 10;
  m.draught = 6.2;
  m.destination = text<20>("NAMPO");
  const UpdateResult r = tracker.update(m, t0);
  EXPECT_EQ(r.outcome, UpdateOutcome::accepted);
  const StaticData& sd = r.vessel->statics;
  EXPECT_EQ(sd.name.view(), "CHON MA SAN");
  EXPECT_EQ(sd.callsign.view(), "HMYJ");
  EXPECT_EQ(sd.imo, 8'916'607u);
  EXPECT_EQ(sd.ship_type, 80);
  EXPECT_EQ(sd.length_m(), 110);
  EXPECT_EQ(sd.beam_m(), 18);
  EXPECT_FLOAT_EQ(*sd.draught_m, 6.2f);
  EXPECT_EQ(sd.destination.view(), "NAMPO");
  EXPECT_EQ(sd.voyage_seen_ms, t0);
  EXPECT_FALSE(r.vessel->position.has_value());
  // Draught grows after loading at sea: a detector sees the change bit.
  m.draught = 9.8;
  const UpdateResult r2 = tracker.update(m, t0 + 6 * minute);
  EXPECT_EQ(r2.changes, change_draught);
}

TEST(TrackerStatic, ClassBMergesPartsAAndBAndType19) {
  constexpr uint32_t boat = 235'009'000;
  Tracker tracker;
  ais::StaticDataReport a;
  a.header = header(24, boat);
  a.partno = 0;
  a.shipname = text<20>("SEA BREEZE");
  tracker.update(a, t0);
  ais::StaticDataReport b;
  b.header = header(24, boat);
  b.partno = 1;
  b.shiptype = 37;  // pleasure craft
  b.callsign = text<7>("MABC1");
  b.to_bow = 8;
  b.to_stern = 4;
  b.to_port = 2;
  b.to_starboard = 2;
  const UpdateResult rb = tracker.update(b, t0 + s);
  EXPECT_EQ(rb.changes, change_ship_type | change_callsign | change_dimensions);
  const StaticData& sd = rb.vessel->statics;
  EXPECT_EQ(sd.name.view(), "SEA BREEZE");  // part B did not erase part A
  EXPECT_EQ(sd.callsign.view(), "MABC1");
  EXPECT_EQ(sd.ship_type, 37);
  EXPECT_EQ(sd.length_m(), 12);

  ais::ClassBExtendedReport e;
  e.header = header(19, boat);
  e.lat = 50.0;
  e.lon = -1.0;
  e.speed = 4.5;
  e.shipname = text<20>("SEA BREEZE II");
  e.shiptype = 0;  // not available: keeps 37
  const UpdateResult re = tracker.update(e, t0 + minute);
  EXPECT_EQ(re.outcome, UpdateOutcome::accepted);
  EXPECT_EQ(re.changes & (change_name | change_position | change_ship_type),
            change_name | change_position);
  EXPECT_EQ(sd.name.view(), "SEA BREEZE II");
  EXPECT_EQ(sd.ship_type, 37);
  EXPECT_EQ(sd.callsign.view(), "MABC1");
  EXPECT_FALSE(re.vessel->position->nav_status.has_value());  // Class B has none
}

TEST(TrackerStatic, LateStaticDataDoesNotOverwriteNewer) {
  Tracker tracker;
  ais::StaticDataReport a;
  a.header = header(24, pa_tanker);
  a.shipname = text<20>("NEW NAME");
  tracker.update(a, t0 + hour);
  a.shipname = text<20>("OLD NAME");
  const UpdateResult r = tracker.update(a, t0);
  EXPECT_EQ(r.vessel->statics.name.view(), "NEW NAME");
  EXPECT_EQ(r.changes & change_name, 0);
  EXPECT_EQ(r.vessel->statics.name_seen_ms, t0 + hour);
}

TEST(TrackerStatic, EmptyTextDoesNotEraseAName) {
  Tracker tracker;
  ais::StaticDataReport a;
  a.header = header(24, pa_tanker);
  a.shipname = text<20>("KEEP");
  tracker.update(a, t0);
  a.shipname = {};
  tracker.update(a, t0 + minute);
  EXPECT_EQ(tracker.find(pa_tanker)->statics.name.view(), "KEEP");
}

TEST(TrackerStatic, BaseStationsAndAidsAreNotVessels) {
  Tracker tracker;
  ais::BaseStationReport b;
  b.header = header(4, 2'734'450);  // 00MIDxxxx coast station
  b.lat = 60.0;
  b.lon = 30.0;
  EXPECT_EQ(tracker.update(b, t0).outcome, UpdateOutcome::not_a_vessel);
  ais::AidToNavigationReport aton;
  aton.header = header(21, 992'351'000);
  EXPECT_EQ(tracker.update(aton, t0).outcome, UpdateOutcome::not_a_vessel);
  EXPECT_EQ(tracker.size(), 0u);
}

TEST(TrackerStatic, LongRangeReportCarriesStatusAndWholeKnots) {
  Tracker tracker;
  ais::LongRangeReport m;
  m.header = header(27, kp_tanker);
  m.status = 1;  // at anchor
  m.lat = 38.7;
  m.lon = 125.2;
  m.speed = 0u;
  m.course.reset();
  const UpdateResult r = tracker.update(m, t0);
  EXPECT_EQ(r.outcome, UpdateOutcome::accepted);
  EXPECT_EQ(*r.vessel->position->nav_status, 1);
  EXPECT_EQ(*r.vessel->position->speed_knots, 0.0f);
  EXPECT_FALSE(r.vessel->position->course_deg.has_value());
}

// ---- Sources ----------------------------------------------------------------------------------

TEST(TrackerSources, OldestSourceIsReplacedAndNamesAreTruncated) {
  Tracker tracker;
  for (int i = 0; i < 6; ++i) {
    const std::string name = std::to_string(i) + "-station-number-long";
    tracker.update(
        class_a(kp_tanker, 39.0, 124.0 + 0.0001 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
        t0 + i * s, name);
  }
  const VesselState& v = *tracker.find(kp_tanker);
  ASSERT_EQ(v.source_count, VesselState::source_capacity);
  std::set<int64_t> times;
  for (const SourceSeen& src : v.sources) {
    EXPECT_EQ(src.view().size(), SourceSeen::max_name);
    times.insert(src.last_ms);
  }
  EXPECT_EQ(times, (std::set<int64_t>{t0 + 2 * s, t0 + 3 * s, t0 + 4 * s, t0 + 5 * s}));
}

// ---- Silence index and eviction -------------------------------------------------------------

TEST(TrackerSilence, IteratesExactlyTheVesselsLastHeardInTheInterval) {
  Tracker tracker;
  for (uint32_t i = 0; i < 100; ++i) {
    tracker.update(class_a(pa_tanker + i, 30.0, 125.0 + 0.01 * i), t0 + i * 7 * s);
  }
  // Vessel 0 is heard again later: it must leave its old bucket.
  tracker.update(class_a(pa_tanker, 30.0, 125.0001, 10.0, 90.0, 33), t0 + 1'000 * s);
  std::vector<uint32_t> seen;
  tracker.for_each_last_heard_in(t0, t0 + 70 * s,
                                 [&](const VesselState& v) { seen.push_back(v.mmsi - pa_tanker); });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  int later = 0;
  tracker.for_each_last_heard_in(t0 + 999 * s, t0 + 1'001 * s, [&](const VesselState& v) {
    EXPECT_EQ(v.mmsi, pa_tanker);
    ++later;
  });
  EXPECT_EQ(later, 1);
  int all = 0;
  tracker.for_each_last_heard_in(INT64_MIN, INT64_MAX, [&](const VesselState&) { ++all; });
  EXPECT_EQ(all, 100);
  int none = 0;
  tracker.for_each_last_heard_in(t0 + 5 * s, t0 + 5 * s, [&](const VesselState&) { ++none; });
  tracker.for_each_last_heard_in(t0 + 2'000 * s, t0 + 3'000 * s,
                                 [&](const VesselState&) { ++none; });
  EXPECT_EQ(none, 0);
}

TEST(TrackerSilence, ADarkPeriodSweepSeesEachSilentVesselOnce) {
  // How the dark-period detector uses the index: as the watermark advances, it asks for the
  // vessels last heard in [previous threshold, watermark - 6 h). Vessels 0..9 fall silent at
  // staggered times; vessels 10..19 keep reporting every 10 minutes.
  Tracker tracker;
  for (uint32_t i = 0; i < 10; ++i) {
    tracker.update(class_a(pa_tanker + i, 30.0, 125.0 + 0.01 * i), t0 + i * 20 * minute);
  }
  std::vector<int> reported(20, 0);
  int64_t swept_to = INT64_MIN;
  for (int64_t now = t0; now <= t0 + 12 * hour; now += 10 * minute) {
    for (uint32_t i = 10; i < 20; ++i) {
      tracker.update(class_a(pa_tanker + i, 31.0, 125.0 + 0.01 * i, 10.0, 90.0,
                             static_cast<uint8_t>(now / minute % 60)),
                     now);
    }
    tracker.advance_watermark(now);
    const int64_t threshold = tracker.watermark() - 6 * hour;
    tracker.for_each_last_heard_in(swept_to, threshold, [&](const VesselState& v) {
      ++reported[v.mmsi - pa_tanker];
      // Reported once it has been silent 6 h at the watermark, not before.
      EXPECT_LE(v.last_heard_ms + 6 * hour, tracker.watermark());
    });
    swept_to = std::max(swept_to, threshold);
  }
  for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(reported[i], 1) << i;
  for (uint32_t i = 10; i < 20; ++i) EXPECT_EQ(reported[i], 0) << i;
}

TEST(TrackerEviction, VesselsSilentPastTheHorizonAreEvictedAndReported) {
  TrackerConfig c;
  c.eviction_horizon_ms = 2 * hour;
  Tracker tracker(c);
  std::vector<uint32_t> evicted;
  tracker.set_eviction_listener([&](const VesselState& v) { evicted.push_back(v.mmsi); });
  tracker.update(class_a(kp_tanker, 39.0, 124.0), t0);
  tracker.update(class_a(pa_tanker, 30.0, 125.0), t0 + hour);
  tracker.advance_watermark(t0 + 2 * hour + c.allowed_lateness_ms + minute);
  EXPECT_EQ(evicted, std::vector<uint32_t>{kp_tanker});
  EXPECT_EQ(tracker.find(kp_tanker), nullptr);
  EXPECT_NE(tracker.find(pa_tanker), nullptr);
  EXPECT_EQ(tracker.size(), 1u);
  EXPECT_EQ(tracker.stats().evicted, 1u);
  // Gone from the spatial grid too.
  int near = 0;
  tracker.for_each_neighbour(39.0, 124.0, 10'000.0, [&](const VesselState&, double) { ++near; });
  EXPECT_EQ(near, 0);
  // Heard again: a new vessel.
  const UpdateResult r =
      tracker.update(class_a(kp_tanker, 39.0, 124.0, 10.0, 90.0, 4), t0 + 3 * hour);
  EXPECT_TRUE(r.changes & change_new_vessel);
  EXPECT_EQ(r.vessel->first_seen_ms, t0 + 3 * hour);
}

TEST(TrackerEviction, EvictionByMessageTimeAndSlotReuse) {
  TrackerConfig c;
  c.eviction_horizon_ms = hour;
  Tracker tracker(c);
  // Waves of 50 new vessels every 30 minutes: at most about three waves live at once.
  for (uint32_t wave = 0; wave < 40; ++wave) {
    for (uint32_t i = 0; i < 50; ++i) {
      tracker.update(class_a(200'000'000 + wave * 1'000 + i, 10.0, 10.0 + 0.01 * i),
                     t0 + wave * 30 * minute + i * s);
    }
    EXPECT_LE(tracker.size(), 200u);
  }
  EXPECT_GE(tracker.stats().evicted, 35u * 50u);
  const std::size_t bytes = tracker.memory_bytes();
  // Memory stays that of the live set, not of the 2000 vessels ever seen.
  for (uint32_t wave = 40; wave < 80; ++wave) {
    for (uint32_t i = 0; i < 50; ++i) {
      tracker.update(class_a(200'000'000 + wave * 1'000 + i, 10.0, 10.0 + 0.01 * i),
                     t0 + wave * 30 * minute + i * s);
    }
  }
  EXPECT_EQ(tracker.memory_bytes(), bytes);
}

TEST(TrackerCapacity, TableFullRefusesNewVesselsButServesKnownOnes) {
  TrackerConfig c;
  c.max_vessels = 3;
  Tracker tracker(c);
  for (uint32_t i = 0; i < 3; ++i) tracker.update(class_a(pa_tanker + i, 30.0, 125.0), t0);
  EXPECT_EQ(tracker.update(class_a(kp_tanker, 30.0, 125.0), t0).outcome, UpdateOutcome::table_full);
  EXPECT_EQ(tracker.update(class_a(pa_tanker, 30.0, 125.0, 10.0, 90.0, 7), t0 + s).outcome,
            UpdateOutcome::accepted);
}

// ---- Memory bounds ----------------------------------------------------------------------------

TEST(TrackerMemory, VesselStateIsFixedSizeAndSmall) {
  static_assert(std::is_trivially_destructible_v<VesselState>,
                "no heap inside a vessel: strings are fixed arrays");
  EXPECT_LE(sizeof(VesselState), 640u);  // the track is beside it (see the next tests)
  EXPECT_EQ(sizeof(TrackPoint), 24u);
}

TEST(TrackerMemory, TrackAndRecordsAreCapped) {
  Tracker tracker;
  for (int i = 0; i < 1'000; ++i) {
    tracker.update(
        class_a(kp_tanker, 39.0, 124.0 + 0.0005 * i, 10.0, 90.0, static_cast<uint8_t>(i % 60)),
        t0 + i * 10 * s);
  }
  const VesselState& v = *tracker.find(kp_tanker);
  // The default is the rules' default tracker.max_history_points.
  EXPECT_EQ(tracker.config().max_history_points, 16u);
  EXPECT_EQ(v.track_capacity, 16u);
  EXPECT_EQ(v.track_size(), 16u);
  EXPECT_EQ(v.track_back().time_ms, t0 + 999 * 10 * s);
  EXPECT_EQ(v.track_at(0).time_ms, t0 + (1'000 - 16) * 10 * s);
}

// Every vessel keeps exactly max_history_points points, newest last, whatever the cap.
TEST(TrackerMemory, TrackKeepsMaxHistoryPoints) {
  for (const std::size_t cap : {2u, 5u, 16u, 100u, 1'024u}) {
    SCOPED_TRACE(cap);
    TrackerConfig c;
    c.max_history_points = cap;
    Tracker tracker(c);
    const int n = static_cast<int>(cap) * 3 + 1;
    for (int i = 0; i < n; ++i) {
      for (uint32_t mmsi : {kp_tanker, pa_tanker}) {  // neighbouring rings must not overlap
        tracker.update(class_a(mmsi, mmsi == kp_tanker ? 39.0 : 30.0, 124.0 + 0.0005 * i, 10.0,
                               90.0, static_cast<uint8_t>(i % 60)),
                       t0 + i * 10 * s);
      }
    }
    for (uint32_t mmsi : {kp_tanker, pa_tanker}) {
      const VesselState& v = *tracker.find(mmsi);
      ASSERT_EQ(v.track_size(), cap);
      for (std::size_t i = 0; i < cap; ++i) {
        EXPECT_EQ(v.track_at(i).time_ms, t0 + (n - static_cast<int>(cap) + static_cast<int>(i)) * 10 * s);
        EXPECT_FLOAT_EQ(v.track_at(i).lat, mmsi == kp_tanker ? 39.0f : 30.0f);
      }
    }
  }
}

// Out of range settings are clamped to the threshold's range [2, 1024].
TEST(TrackerMemory, MaxHistoryPointsIsClamped) {
  TrackerConfig c;
  c.max_history_points = 0;
  EXPECT_EQ(Tracker(c).config().max_history_points, 2u);
  c.max_history_points = 1'000'000;
  EXPECT_EQ(Tracker(c).config().max_history_points, 1'024u);
}

// A late fix goes into its place in a full ring of any length; the oldest point drops out.
TEST(TrackerMemory, LateFixIsInsertedInAFullRingOfAnyLength) {
  TrackerConfig c;
  c.max_history_points = 5;
  Tracker tracker(c);
  for (int i = 0; i < 7; ++i) {
    tracker.update(class_a(kp_tanker, 39.0, 124.0 + 0.0005 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
                   t0 + i * minute);
  }
  tracker.update(class_a(kp_tanker, 39.0, 124.0 + 0.0005 * 4.5, 10.0, 90.0, 30),
                 t0 + 4 * minute + 30 * s);
  const VesselState& v = *tracker.find(kp_tanker);
  ASSERT_EQ(v.track_size(), 5u);
  const int64_t expected[] = {t0 + 3 * minute, t0 + 4 * minute, t0 + 4 * minute + 30 * s,
                              t0 + 5 * minute, t0 + 6 * minute};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(v.track_at(i).time_ms, expected[i]) << i;
}

// An evicted vessel's slot (and its ring) is reused by the next vessel, with an empty track.
TEST(TrackerMemory, ReusedSlotStartsWithAnEmptyTrackOfTheSameLength) {
  TrackerConfig c;
  c.max_history_points = 4;
  c.eviction_horizon_ms = 2 * hour;
  Tracker tracker(c);
  for (int i = 0; i < 6; ++i) {
    tracker.update(class_a(kp_tanker, 39.0, 124.0 + 0.0005 * i, 10.0, 90.0, static_cast<uint8_t>(i)),
                   t0 + i * minute);
  }
  const TrackPoint* ring = &tracker.find(kp_tanker)->track_at(0);
  tracker.advance_watermark(t0 + 3 * hour);
  ASSERT_EQ(tracker.find(kp_tanker), nullptr);
  tracker.update(class_a(pa_tanker, 30.0, 125.0), t0 + 3 * hour);
  const VesselState& v = *tracker.find(pa_tanker);
  EXPECT_EQ(v.track_capacity, 4u);
  ASSERT_EQ(v.track_size(), 1u);
  EXPECT_FLOAT_EQ(v.track_at(0).lat, 30.0f);
  EXPECT_LE(std::abs(&v.track_at(0) - ring), 3);  // the same ring
}

TEST(TrackerMemory, ReservedTrackerDoesNotGrow) {
  TrackerConfig c;
  c.expected_vessels = 10'000;
  Tracker tracker(c);
  const std::size_t before = tracker.memory_bytes();
  for (uint32_t i = 0; i < 10'000; ++i) {
    tracker.update(class_a(200'000'000 + i, -60.0 + 0.01 * i, 10.0 + 0.001 * i), t0 + i);
  }
  // Only the spatial grid's cell table grows with the area covered.
  EXPECT_LE(tracker.memory_bytes() - before, 10'000u * 64u);
  EXPECT_EQ(tracker.size(), 10'000u);
}

TEST(TrackerStats, EveryMessageIsCountedUnderOneOutcome) {
  Tracker tracker;
  const ais::Message m = class_a(kp_tanker, 39.0, 124.0);
  tracker.update(m, t0);
  tracker.update(m, t0 + s);
  tracker.update(class_a(kp_tanker, 80.0, 124.0, 1.0, 1.0, 2), t0 + 2 * s);
  ais::BaseStationReport b;
  b.header = header(4, 2'734'450);
  tracker.update(b, t0);
  uint64_t total = 0;
  for (uint64_t n : tracker.stats().by_outcome) total += n;
  EXPECT_EQ(total, tracker.stats().messages);
  EXPECT_EQ(tracker.stats().messages, 4u);
  EXPECT_EQ(to_string(UpdateOutcome::implausible_kept_aside), "implausible_kept_aside");
}

}  // namespace
}  // namespace aiswatch::track
