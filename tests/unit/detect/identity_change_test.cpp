#include "detect/identity_change.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "detector_test_support.h"

namespace aiswatch::detect {
namespace {

using namespace aiswatch::detect::test;
using aiswatch::v1::ALERT_STATE_CLOSED;
using aiswatch::v1::ALERT_STATE_OPEN;
using aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE;
using track::test::text;

constexpr double lat0 = 38.5, lon0 = 124.0;  // Korea Bay, no zones in these rules
constexpr uint32_t kp_ship = 445'000'001;    // MID 445: Korea (DPR)
constexpr uint32_t kp_other = 445'000'002;
constexpr uint32_t cn_ship = 412'000'001;      // MID 412: China
constexpr uint32_t unallocated = 217'000'001;  // MID 217: allocated to no country
// IMO numbers whose check digit is right.
constexpr unsigned imo_a = 9074729, imo_b = 9321483;

ais::StaticVoyageData voyage(uint32_t mmsi, std::string_view name, std::string_view callsign,
                             std::optional<unsigned> imo = std::nullopt, uint8_t type = 80) {
  ais::StaticVoyageData m;
  m.header = track::test::header(5, mmsi);
  m.shipname = text<20>(name);
  m.callsign = text<7>(callsign);
  m.imo = imo;
  m.shiptype = type;
  return m;
}

ais::StaticDataReport part_a(uint32_t mmsi, std::string_view name) {
  ais::StaticDataReport m;
  m.header = track::test::header(24, mmsi);
  m.partno = 0;
  m.shipname = text<20>(name);
  return m;
}

ais::StaticDataReport part_b(uint32_t mmsi, std::string_view callsign, uint8_t type = 37) {
  ais::StaticDataReport m;
  m.header = track::test::header(24, mmsi);
  m.partno = 1;
  m.callsign = text<7>(callsign);
  m.shiptype = type;
  return m;
}

struct Fixture {
  IdentityChangeDetector detector;
  Harness h;
  explicit Fixture(ruleset::Ruleset rules = make_rules()) : h(std::move(rules), detector) {}
  void at_sea(uint32_t mmsi, int64_t t, double lat = lat0) {
    h.send(class_a(mmsi, lat, lon0, 10.0, 90.0, static_cast<uint8_t>(t / s % 60)), t);
  }
  std::vector<aiswatch::v1::Alert> opened() const { return h.sink.of(ALERT_STATE_OPEN); }
};

TEST(IdentityChange, FirstStaticReportIsNotAChange) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 7 * minute);  // the same again
  f.at_sea(kp_ship, t0 + 8 * minute);
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, RenameIsOneInstantAlertWithTheNewIdentity) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  const int64_t t = t0 + 2 * hour;
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", imo_a), t);
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  const auto& a = opened[0];
  EXPECT_EQ(a.type(), ALERT_TYPE_IDENTITY_CHANGE);
  EXPECT_EQ(a.mmsi(), kp_ship);
  EXPECT_EQ(a.counterpart_mmsi(), 0u);
  EXPECT_EQ(a.start_time().seconds(), t / 1000);
  EXPECT_EQ(a.reason(), "name \"CHON MA SAN\" -> \"XIN HAI\"");
  EXPECT_EQ(a.vessel().name(), "XIN HAI");
  EXPECT_NEAR(a.lat(), lat0, 1e-6);
  ASSERT_EQ(a.evidence_size(), 1);
  // Instantaneous: closed at once.
  const auto closed = f.h.sink.of(ALERT_STATE_CLOSED);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].alert_id(), a.alert_id());
  EXPECT_EQ(closed[0].close_reason(), "instantaneous");
}

TEST(IdentityChange, EveryFieldChangedInOneUpdateInOneReason) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a, 80), t0 + minute);
  f.h.send(voyage(kp_ship, "XIN HAI", "HMXY", imo_b, 70), t0 + hour);
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(),
            "name \"CHON MA SAN\" -> \"XIN HAI\"; call sign \"HMAB\" -> \"HMXY\"; "
            "IMO 9074729 -> 9321483; ship type 80 -> 70");
  EXPECT_EQ(opened[0].vessel().imo(), imo_b);
  EXPECT_EQ(opened[0].vessel().callsign(), "HMXY");
}

TEST(IdentityChange, FieldsReportedForTheFirstTimeAreNotChanges) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(part_a(kp_ship, "CHON MA SAN"), t0 + minute);
  // Call sign, IMO and type arrive later (a first type 5): set, not changed.
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 10 * minute);
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, HazardCategoryOfTheSameShipTypeIsNoChange) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a, 80), t0 + minute);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a, 81), t0 + hour);  // tanker, cat. X
  EXPECT_TRUE(f.h.sink.events.empty());
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a, 70), t0 + 2 * hour);  // now cargo
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "ship type 81 -> 70");
  // Within 3x each code is another kind of ship: fishing (30) to towing (31) is a change.
  f.h.send(voyage(kp_other, "SO HAE", "HMCD", imo_b, 30), t0 + 2 * hour);
  f.at_sea(kp_other, t0 + 2 * hour + minute);
  f.h.send(voyage(kp_other, "SO HAE", "HMCD", imo_b, 31), t0 + 3 * hour);
  EXPECT_EQ(f.opened().size(), 2u);
}

TEST(IdentityChange, TwoShipsSharingAnMmsiAlertOnceNotPerAlternation) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  // Class A: whole type 5s alternate every 3 minutes for two hours.
  for (int i = 0; i < 40; ++i) {
    const bool first = i % 2 == 0;
    f.h.send(first ? voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a)
                   : voyage(kp_ship, "XIN HAI", "HMXY", imo_b),
             t0 + minute + i * 3 * minute);
  }
  EXPECT_EQ(f.opened().size(), 1u);
}

TEST(IdentityChange, ClassBAlternationIsJudgedPerField) {
  Fixture f;
  constexpr uint32_t boat = 440'000'001;  // Korea (Republic of)
  f.at_sea(boat, t0);
  // Two boats under one MMSI; each sends 24A (name) and 24B (call sign) apart, so the identity
  // as a whole passes through mixtures that were never seen before.
  for (int i = 0; i < 12; ++i) {
    const bool first = i % 2 == 0;
    const int64_t t = t0 + minute + i * 6 * minute;
    f.h.send(part_a(boat, first ? "SEA BREEZE" : "MORNING STAR"), t);
    f.h.send(part_b(boat, first ? "DSAB1" : "DSXY2"), t + 30 * s);
  }
  // The first change of each field, nothing more.
  EXPECT_EQ(f.opened().size(), 2u);
}

TEST(IdentityChange, ChangeBackAfterTheWindowIsReported) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", imo_a), t0 + hour);
  ASSERT_EQ(f.opened().size(), 1u);
  // Back to the old name two days later (the vessel heard all along): a new change.
  for (int64_t t = t0 + 2 * hour; t < t0 + 49 * hour; t += 6 * hour) f.at_sea(kp_ship, t);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 49 * hour);
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].reason(), "name \"XIN HAI\" -> \"CHON MA SAN\"");
}

TEST(IdentityChange, LateAndDuplicatedStaticMessagesAreNotChanges) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", imo_a), t0 + hour);
  // A copy of it from another station, seconds later.
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", imo_a), t0 + hour + 2 * s);
  // A satellite copy of an older report with the old name, received late.
  const track::UpdateResult late =
      f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 30 * minute);
  EXPECT_TRUE(late.late);
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, ChangeBeforeAnyPositionIsTheBaseline) {
  Fixture f;
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0);
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", imo_a), t0 + hour);
  f.at_sea(kp_ship, t0 + hour + minute);
  EXPECT_TRUE(f.h.sink.events.empty());
  f.h.send(voyage(kp_ship, "SO HAE", "HMAB", imo_a), t0 + 2 * hour);
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "name \"XIN HAI\" -> \"SO HAE\"");
}

TEST(IdentityChange, UnallocatedMidOncePerVessel) {
  Fixture f;
  f.at_sea(unallocated, t0);
  auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "MMSI 217000001: MID 217 is allocated to no country");
  f.at_sea(unallocated, t0 + minute);
  f.h.send(voyage(unallocated, "GHOST", "E9AB", imo_a), t0 + 2 * minute);
  f.at_sea(unallocated, t0 + 3 * minute);
  EXPECT_EQ(f.opened().size(), 1u);
}

TEST(IdentityChange, InvalidImoOncePerVessel) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", 9074728), t0 + minute);
  auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "IMO 9074728 fails its check digit");
  // A rename later is reported, without the IMO finding again.
  f.h.send(voyage(kp_ship, "XIN HAI", "HMAB", 9074728), t0 + hour);
  opened = f.opened();
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].reason(), "name \"CHON MA SAN\" -> \"XIN HAI\"");
}

TEST(IdentityChange, CallSignOfAnotherFlagOncePerVessel) {
  Fixture f;
  f.at_sea(cn_ship, t0);
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);  // KP on KP: fine
  EXPECT_TRUE(f.h.sink.events.empty());
  f.h.send(voyage(cn_ship, "XIN HAI", "HMXY", imo_b), t0 + minute);  // KP call sign, CN MMSI
  auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), cn_ship);
  EXPECT_EQ(opened[0].reason(), "call sign \"HMXY\" is of the KP series, the MMSI's MID 412 of CN");
  f.h.send(voyage(cn_ship, "XIN HAI", "HMXZ", imo_b), t0 + hour);  // still KP: a change only
  opened = f.opened();
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[1].reason(), "call sign \"HMXY\" -> \"HMXZ\"");
}

TEST(IdentityChange, UnknownCallSignSeriesIsNeverJudged) {
  Fixture f;
  f.at_sea(cn_ship, t0);
  f.h.send(voyage(cn_ship, "XIN HAI", "S1000", imo_b), t0 + minute);  // no series S1
  f.h.send(part_b(kp_ship, "NONE"), t0 + minute);                     // would read as US
  f.at_sea(kp_ship, t0 + 2 * minute);
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, ImoOfOtherLengthsIsNoImoNumber) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", 1073741823), t0 + minute);  // 30 bits set
  f.at_sea(kp_other, t0);
  f.h.send(voyage(kp_other, "SO HAE", "HMCD", 445000002), t0 + minute);  // its MMSI
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, OnlyShipMmsisAreJudged) {
  Fixture f;
  constexpr uint32_t transponder_default = 1193046;  // 0x123456: 001193046, no valid form
  f.at_sea(transponder_default, t0);
  f.h.send(voyage(transponder_default, "THALIA", "ZHGQ7", 9074728), t0 + minute);
  f.h.send(voyage(transponder_default, "NAUTICAST", "FWY0", imo_a), t0 + hour);
  f.at_sea(kp_ship, t0 + hour);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + hour + minute);
  EXPECT_TRUE(f.h.sink.events.empty());
}

TEST(IdentityChange, FindingsWaitForTheFirstPosition) {
  Fixture f;
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", 9074728), t0);
  EXPECT_TRUE(f.h.sink.events.empty());
  f.at_sea(kp_ship, t0 + minute);
  auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].reason(), "IMO 9074728 fails its check digit");
  f.at_sea(kp_ship, t0 + 2 * minute, lat0 + 0.001);
  EXPECT_EQ(f.opened().size(), 1u);
}

TEST(IdentityChange, ImoSharedByTwoMmsisOncePerPair) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.at_sea(kp_other, t0, lat0 + 1.0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  EXPECT_TRUE(f.h.sink.events.empty());
  f.h.send(voyage(kp_other, "CHON MA SAN", "HMCD", imo_a), t0 + 2 * hour);
  auto opened = f.opened();
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].mmsi(), kp_other);
  EXPECT_EQ(opened[0].counterpart_mmsi(), kp_ship);
  EXPECT_EQ(opened[0].counterpart().callsign(), "HMAB");
  EXPECT_EQ(f.h.sink.fact(opened[0], "apart_s"), 2 * 3600.0 - 60.0);
  EXPECT_EQ(opened[0].reason(), "IMO 9074729 also transmitted by MMSI 445000001 within 119 min");
  // Both keep transmitting it: the pair is not reported again.
  for (int i = 1; i <= 10; ++i) {
    f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 2 * hour + i * 6 * minute);
    f.h.send(voyage(kp_other, "CHON MA SAN", "HMCD", imo_a),
             t0 + 2 * hour + i * 6 * minute + 10 * s);
  }
  EXPECT_EQ(f.opened().size(), 1u);
}

TEST(IdentityChange, ImoHandedOverAfterTheWindowIsNotShared) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  // The old MMSI falls silent; seven hours later a new one transmits the ship's IMO number
  // (reflagged, new transponder).
  f.at_sea(kp_other, t0 + 7 * hour);
  f.h.send(voyage(kp_other, "CHON MA SAN", "HMCD", imo_a), t0 + 7 * hour + minute);
  EXPECT_TRUE(f.h.sink.events.empty());
  // Entries older than the window are dropped at the sweep: only the new holder is left.
  f.h.idle_until(t0 + 20 * hour);
  EXPECT_EQ(f.detector.imo_entries(), 0u);
}

TEST(IdentityChange, ImoSharedWindowIsReadFromTheRules) {
  ruleset::Ruleset rules = make_rules();
  ruleset::LoadErrors errors;
  rules.thresholds = ruleset::Thresholds::parse(
      "detectors.yaml", "identity_change:\n  imo_shared_window_h: 1\n", errors);
  ASSERT_TRUE(errors.empty());
  Fixture f(std::move(rules));
  f.at_sea(kp_ship, t0);
  f.at_sea(kp_other, t0, lat0 + 1.0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + minute);
  f.h.send(voyage(kp_other, "CHON MA SAN", "HMCD", imo_a), t0 + 2 * hour);  // 2 h > 1 h
  EXPECT_TRUE(f.h.sink.events.empty());
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", imo_a), t0 + 2 * hour + 30 * minute);
  EXPECT_EQ(f.opened().size(), 1u);  // 30 min apart now
}

TEST(IdentityChange, InvalidImoNumbersAreNotShared) {
  Fixture f;
  f.at_sea(kp_ship, t0);
  f.at_sea(kp_other, t0, lat0 + 1.0);
  f.h.send(voyage(kp_ship, "CHON MA SAN", "HMAB", 9074728), t0 + minute);
  f.h.send(voyage(kp_other, "SO HAE", "HMCD", 9074728), t0 + 2 * minute);
  // Each is told its IMO number is wrong; they are not said to share it.
  const auto opened = f.opened();
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[0].counterpart_mmsi(), 0u);
  EXPECT_EQ(opened[1].counterpart_mmsi(), 0u);
}

}  // namespace
}  // namespace aiswatch::detect
