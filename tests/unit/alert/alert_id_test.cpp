#include "alert/alert_id.h"

#include <gtest/gtest.h>

namespace aiswatch::alert {
namespace {

using aiswatch::v1::ALERT_TYPE_GEOFENCE_ENTRY;
using aiswatch::v1::ALERT_TYPE_RENDEZVOUS;

// Published FNV-1a 64 test vectors (Fowler, Noll, Vo: the "FNV test suite").
TEST(AlertId, Fnv1a64MatchesPublishedVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(AlertId, CanonicalKeyIsTypeMmsiCounterpartZoneStart) {
  EpisodeKey key{ALERT_TYPE_RENDEZVOUS, 445123000, 352001234, "", 1709251200000};
  EXPECT_EQ(canonical_key(key), "RENDEZVOUS|445123000|352001234||1709251200000");
}

// Fixed expected ids (computed independently with a few lines of Python): a change of hash,
// of the canonical text or of the type names breaks every consumer's de-duplication, and this.
TEST(AlertId, FixedInputGivesFixedId) {
  EXPECT_EQ(alert_id({ALERT_TYPE_RENDEZVOUS, 445123000, 352001234, "", 1709251200000}),
            "5ff29c3b6bd751f2");
  EXPECT_EQ(alert_id({ALERT_TYPE_GEOFENCE_ENTRY, 445123000, 0, "kp-west-sea", 1709251200250}),
            "c55883b4c165ede0");
}

TEST(AlertId, EveryKeyPartChangesTheId) {
  const EpisodeKey base{ALERT_TYPE_RENDEZVOUS, 445123000, 352001234, "z", 1709251200000};
  const std::string id = alert_id(base);
  EpisodeKey k = base;
  k.type = aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS;
  EXPECT_NE(alert_id(k), id);
  k = base;
  k.mmsi = 445123001;
  EXPECT_NE(alert_id(k), id);
  k = base;
  k.counterpart_mmsi = 0;
  EXPECT_NE(alert_id(k), id);
  k = base;
  k.zone_id = "y";
  EXPECT_NE(alert_id(k), id);
  k = base;
  k.start_time_ms += 1;
  EXPECT_NE(alert_id(k), id);
  EXPECT_EQ(alert_id(base), id);
}

TEST(AlertId, TypeNamesAreTheShortEnumNames) {
  using namespace aiswatch::v1;
  for (int t = AlertType_MIN + 1; t <= AlertType_MAX; ++t) {
    const auto type = static_cast<AlertType>(t);
    EXPECT_EQ("ALERT_TYPE_" + std::string(type_name(type)), AlertType_Name(type));
  }
}

}  // namespace
}  // namespace aiswatch::alert
