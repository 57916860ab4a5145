#include "alert/severity.h"

#include <gtest/gtest.h>

namespace aiswatch::alert {
namespace {

using namespace aiswatch::v1;

TEST(Severity, ProvisionalIsOneLevelBelowConfirmed) {
  EXPECT_EQ(base_severity(ALERT_TYPE_RENDEZVOUS, PHASE_CONFIRMED), SEVERITY_HIGH);
  EXPECT_EQ(base_severity(ALERT_TYPE_RENDEZVOUS, PHASE_PROVISIONAL), SEVERITY_MEDIUM);
  EXPECT_EQ(base_severity(ALERT_TYPE_DARK_RENDEZVOUS, PHASE_CONFIRMED), SEVERITY_CRITICAL);
  // Never below LOW.
  EXPECT_EQ(base_severity(ALERT_TYPE_LOITERING, PHASE_PROVISIONAL), SEVERITY_LOW);
}

TEST(Severity, WatchlistRaisesOneLevelCappedAtCritical) {
  EXPECT_EQ(severity(ALERT_TYPE_LOITERING, PHASE_CONFIRMED, true), SEVERITY_MEDIUM);
  EXPECT_EQ(severity(ALERT_TYPE_RENDEZVOUS, PHASE_CONFIRMED, true), SEVERITY_CRITICAL);
  EXPECT_EQ(severity(ALERT_TYPE_DARK_RENDEZVOUS, PHASE_CONFIRMED, true), SEVERITY_CRITICAL);
  EXPECT_EQ(severity(ALERT_TYPE_RENDEZVOUS, PHASE_CONFIRMED, false), SEVERITY_HIGH);
  // A detector's escalation adds to the watchlist's, still capped.
  EXPECT_EQ(severity(ALERT_TYPE_DARK_PERIOD, PHASE_CONFIRMED, false, 1), SEVERITY_HIGH);
  EXPECT_EQ(severity(ALERT_TYPE_DARK_PERIOD, PHASE_CONFIRMED, true, 1), SEVERITY_CRITICAL);
  EXPECT_EQ(severity(ALERT_TYPE_DARK_PERIOD, PHASE_CONFIRMED, true, 3), SEVERITY_CRITICAL);
}

TEST(Severity, EveryTypeHasALevel) {
  for (int t = AlertType_MIN + 1; t <= AlertType_MAX; ++t) {
    for (Phase phase : {PHASE_PROVISIONAL, PHASE_CONFIRMED}) {
      const Severity s = base_severity(static_cast<AlertType>(t), phase);
      EXPECT_GE(s, SEVERITY_LOW);
      EXPECT_LE(s, SEVERITY_CRITICAL);
    }
  }
}

}  // namespace
}  // namespace aiswatch::alert
