#include "detect/dark_rendezvous.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "detector_test_support.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_STATE_UPDATE;
using aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS;
using aiswatch::v1::PHASE_CONFIRMED;
using aiswatch::v1::PHASE_PROVISIONAL;

constexpr uint32_t dark_ship = 445'000'111;  // goes dark
constexpr uint32_t loiterer = 352'000'222;   // idles, visible
constexpr uint32_t bystander = 352'000'333;  // heard throughout, proof of reception
constexpr double deg_per_km = 1.0 / 111.195;
constexpr double cos_lat = 0.78261;  // cos(38.5 deg)

double lat_km(double north_km) { return 38.5 + north_km * deg_per_km; }
double lon_km(double east_km) { return 124.0 + east_km * deg_per_km / cos_lat; }

// One vessel's reports: every 10 minutes in [from, to], moving from (n0, e0) at `knots` on
// `course` (degrees true); speed 0 keeps it in place.
struct Plan {
  uint32_t mmsi;
  double n0, e0;
  double knots, course;
  int64_t from, to;
  double reported = -1.0;  // speed it reports, when not `knots`
};

void play(Harness& h, const std::vector<Plan>& plans, int64_t to) {
  for (int64_t t = t0; t <= to; t += 10 * minute) {
    for (const Plan& p : plans) {
      if (t < p.from || t > p.to) continue;
      const double km = p.knots * 1.852 * static_cast<double>(t - p.from) / hour;
      const double c = p.course * 0.0174533;
      h.send(class_a(p.mmsi, lat_km(p.n0 + km * std::cos(c)), lon_km(p.e0 + km * std::sin(c)),
                     p.reported >= 0 ? p.reported : p.knots, p.course,
                     static_cast<uint8_t>(t / s % 60)),
             t);
    }
  }
}

void send_at(Harness& h, uint32_t mmsi, double n, double e, int64_t t, double knots = 10.0) {
  h.send(class_a(mmsi, lat_km(n), lon_km(e), knots, 90.0, 7), t);
}

std::vector<aiswatch::v1::Alert> of_type(const RecordingSink& sink, aiswatch::v1::AlertState st) {
  std::vector<aiswatch::v1::Alert> out;
  for (const auto& e : sink.of(st))
    if (e.type() == ALERT_TYPE_DARK_RENDEZVOUS) out.push_back(e);
  return out;
}

// The loiterer idles at the origin at 0.5 kn for 10 hours; a bystander 25 km off, under way
// (it reports 9 kn while keeping its place), is heard throughout: reception near the dark
// vessel's last position.
std::vector<Plan> scene() {
  return {{loiterer, 0.0, 0.0, 0.5, 0.0, t0, t0 + 10 * hour},
          {bystander, 15.0, -20.0, 0.0, 0.0, t0, t0 + 10 * hour, 9.0}};
}

TEST(DarkRendezvous, ProvisionalWhenTheLastPositionIsWithinReachConfirmedOnReappearance) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Plan> plans = scene();
  // Steaming east at 10 kn toward the loiterer, last heard 20 km west of it at t0 + 1 h.
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 0.0, -20.0 - 18.52, 10.0, 90.0, t0, t_off});
  play(h, plans, t_off + 5 * hour - 10 * minute);
  const auto opened = of_type(h.sink, ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  const auto& a = opened[0];
  EXPECT_EQ(a.mmsi(), dark_ship);
  EXPECT_EQ(a.counterpart().mmsi(), loiterer);
  EXPECT_EQ(a.phase(), PHASE_PROVISIONAL);
  EXPECT_EQ(a.start_time().seconds(), t_off / 1000);
  // Opened once the trip (0.9 h at 12 kn) plus min_loiter_h (2 h) alongside fit in the silence.
  EXPECT_GE(a.end_time().seconds(), (t_off + 2 * hour + 54 * minute) / 1000);
  EXPECT_LE(a.end_time().seconds(), (t_off + 3 * hour + 5 * minute) / 1000);
  EXPECT_NEAR(*h.sink.fact(a, "distance_m"), 20'000.0, 500.0);
  EXPECT_TRUE(h.sink.fact(a, "loiter_s"));
  EXPECT_TRUE(h.sink.fact(a, "required_speed_kn"));
  EXPECT_GE(a.evidence_size(), 3);
  // Back 15 km east of the loiterer after 5 h: the detour with an hour's stop fits.
  send_at(h, dark_ship, 0.0, 15.0, t_off + 5 * hour);
  const auto updates = of_type(h.sink, ALERT_STATE_UPDATE);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].phase(), PHASE_CONFIRMED);
  EXPECT_GT(updates[0].severity(), a.severity());
  const auto closed = of_type(h.sink, ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason(), "reappeared: meeting fits");
  EXPECT_EQ(detector.dark_count(), 0u);
}

TEST(DarkRendezvous, ReappearanceOutOfReachClosesWithoutConfirming) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Plan> plans = scene();
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 0.0, -20.0 - 18.52, 10.0, 90.0, t0, t_off});
  play(h, plans, t_off + 3 * hour);
  ASSERT_EQ(of_type(h.sink, ALERT_STATE_OPEN).size(), 1u);
  // Back after 3.5 h, 60 km east of the loiterer: 80 km of detour needs 3.6 h, no stop fits.
  send_at(h, dark_ship, 0.0, 60.0, t_off + 3 * hour + 30 * minute);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_UPDATE).empty());
  const auto closed = of_type(h.sink, ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].close_reason().rfind("reappeared out of reach", 0), 0u)
      << closed[0].close_reason();
}

TEST(DarkRendezvous, PasserByThatSwitchesOffSteamingAwayIsNotLinked) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Plan> plans = scene();
  // 40 km north of the loiterer, steaming west (away from it) at 12 kn, dark for 4 h.
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 40.0, 22.2, 12.0, 270.0, t0, t_off});
  play(h, plans, t_off + 4 * hour);
  send_at(h, dark_ship, 40.0, -88.9, t_off + 4 * hour + minute, 12.0);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_OPEN).empty());
}

TEST(DarkRendezvous, PasserByKeepingItsCourseIsRuledOutByItsReappearance) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Plan> plans = scene();
  // 40 km west-north-west, steaming east at 12 kn: it could be heading for the loiterer ...
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 10.0, -40.0 - 22.2, 12.0, 90.0, t0, t_off});
  play(h, plans, t_off + 4 * hour);
  // ... but reappears 4 h on where its course led, 89 km east of where it went dark.
  send_at(h, dark_ship, 10.0, -40.0 + 88.9, t_off + 4 * hour + minute, 12.0);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_UPDATE).empty());
  for (const auto& c : of_type(h.sink, ALERT_STATE_CLOSED))
    EXPECT_EQ(c.close_reason().rfind("reappeared out of reach", 0), 0u) << c.close_reason();
}

TEST(DarkRendezvous, UnreachableOrTooFarIsNeverLinked) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  std::vector<Plan> plans = scene();
  // 45 km away: the trip alone takes 2 h at 12 kn; back after 2.5 h where it went dark.
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 0.0, -45.0, 0.0, 0.0, t0, t_off});
  // 60 km away: beyond max_distance_km, however long it stays dark.
  plans.push_back({445'000'999, -60.0, 0.0, 0.0, 0.0, t0, t_off});
  play(h, plans, t_off + 2 * hour + 20 * minute);
  send_at(h, dark_ship, 0.0, -45.0, t_off + 2 * hour + 30 * minute, 0.0);
  play(h, {{loiterer, 0.0, 0.0, 0.5, 0.0, t_off + 2 * hour + 40 * minute, t0 + 10 * hour}},
       t0 + 10 * hour);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_OPEN).empty());
}

// A ship stopped 5 km from where, four hours after it went dark, a tanker begins to idle: the
// tanker did not come to meet it (dark_rendezvous.max_wait_h). With the wait allowed, the same
// traffic is linked, so the rule is what keeps it out.
TEST(DarkRendezvous, APartnerThatBeginsToIdleHoursLaterIsNotItsMeeting) {
  for (const double max_wait_h : {1.0, 48.0}) {
    SCOPED_TRACE(max_wait_h);
    ruleset::Ruleset rules = make_rules();
    ruleset::LoadErrors errors;
    rules.thresholds = ruleset::Thresholds::parse(
        "detectors.yaml", "dark_rendezvous:\n  max_wait_h: " + std::to_string(max_wait_h) + "\n",
        errors);
    ASSERT_TRUE(errors.empty());
    DarkRendezvousDetector detector;
    Harness h(std::move(rules), detector);
    const int64_t t_off = t0 + hour;
    play(h,
         {{bystander, 15.0, -20.0, 0.0, 0.0, t0, t0 + 12 * hour, 9.0},
          {dark_ship, 0.0, -5.0, 0.0, 0.0, t0, t_off},
          {loiterer, 0.0, 0.0, 0.5, 0.0, t_off + 4 * hour, t0 + 12 * hour}},
         t0 + 12 * hour);
    EXPECT_EQ(of_type(h.sink, ALERT_STATE_OPEN).size(), max_wait_h < 2.0 ? 0u : 1u);
  }
}

TEST(DarkRendezvous, NoLoiteringNoLinkAndAPortIsNotAtSea) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(square_zone("port-x", "port", 38.5, 124.0, 0.15)), detector);
  // The idle vessel lies in a port; another passes at 10 kn.
  std::vector<Plan> plans = scene();
  plans.push_back({352'000'444, -10.0, -40.0, 10.0, 90.0, t0, t0 + 10 * hour});
  const int64_t t_off = t0 + hour;
  plans.push_back({dark_ship, 0.0, -20.0 - 18.52, 10.0, 90.0, t0, t_off});
  play(h, plans, t0 + 10 * hour);
  for (const auto& a : of_type(h.sink, ALERT_STATE_OPEN))
    ADD_FAILURE() << a.mmsi() << " with " << a.counterpart().mmsi() << ": " << a.reason();
}

TEST(DarkRendezvous, BothDarkCloseTogetherIsADarkRendezvousOfThePair) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  constexpr uint32_t other_dark = 445'000'050;  // lower MMSI: the primary
  const int64_t t_off = t0 + hour;
  std::vector<Plan> plans = {{bystander, 15.0, -20.0, 0.0, 0.0, t0, t0 + 10 * hour, 9.0},
                             {dark_ship, 0.0, 0.0, 1.0, 0.0, t0, t_off},
                             {other_dark, 0.0, 3.0, 1.0, 0.0, t0, t_off + 20 * minute}};
  play(h, plans, t0 + 6 * hour);
  const auto opened = of_type(h.sink, ALERT_STATE_OPEN);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), other_dark);
  EXPECT_EQ(opened[0].counterpart().mmsi(), dark_ship);
  EXPECT_EQ(opened[0].start_time().seconds(), t_off / 1000);
  EXPECT_EQ(opened[0].phase(), PHASE_PROVISIONAL);
  EXPECT_NEAR(*h.sink.fact(opened[0], "distance_m"), 3'000.0, 100.0);
  // One reappears nearby after hours: the meeting fits.
  send_at(h, dark_ship, 1.0, 2.0, t0 + 6 * hour + minute, 1.0);
  const auto updates = of_type(h.sink, ALERT_STATE_UPDATE);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].phase(), PHASE_CONFIRMED);
}

TEST(DarkRendezvous, BothDarkInACoverageHoleIsNotLinked) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  const int64_t t_off = t0 + hour;
  // Four vessels within a few km fall silent together; one vessel 20 km off is still heard.
  std::vector<Plan> plans = {{bystander, 15.0, -20.0, 0.0, 0.0, t0, t0 + 10 * hour, 9.0},
                             {dark_ship, 0.0, 0.0, 1.0, 0.0, t0, t_off},
                             {445'000'050, 0.0, 3.0, 1.0, 0.0, t0, t_off},
                             {445'000'060, 3.0, 0.0, 1.0, 0.0, t0, t_off},
                             {445'000'070, -3.0, 0.0, 1.0, 0.0, t0, t_off}};
  play(h, plans, t0 + 8 * hour);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_OPEN).empty());
}

TEST(DarkRendezvous, BothDarkWithNothingHeardAroundIsNotLinked) {
  DarkRendezvousDetector detector;
  Harness h(make_rules(), detector);
  const int64_t t_off = t0 + hour;
  // No vessel within 30 km heard after they went quiet: out of coverage, not dark.
  std::vector<Plan> plans = {{bystander, 100.0, 0.0, 0.0, 0.0, t0, t0 + 10 * hour, 9.0},
                             {dark_ship, 0.0, 0.0, 1.0, 0.0, t0, t_off},
                             {445'000'050, 0.0, 3.0, 1.0, 0.0, t0, t_off}};
  play(h, plans, t0 + 8 * hour);
  EXPECT_TRUE(of_type(h.sink, ALERT_STATE_OPEN).empty());
}

}  // namespace
}  // namespace aiswatch::detect
