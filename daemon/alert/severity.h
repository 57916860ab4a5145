#pragma once
// How urgent an alert is: a base level by type and phase, raised one level when any vessel
// involved is on the operator's watchlist (rules/watchlist.csv). The watchlist itself is loaded
// and owned by the ruleset stage; this stage sees it only through WatchlistLookup.
#include <cstdint>
#include <optional>
#include <string_view>

#include "aiswatch/v1/alert.pb.h"

namespace aiswatch::alert {

// Whether a vessel is listed, by MMSI or by IMO number (a listed ship that changes its MMSI is
// still caught by its IMO). The returned view must stay valid while the lookup object lives: the
// manager copies it into the alert at once.
class WatchlistLookup {
 public:
  virtual ~WatchlistLookup() = default;
  virtual std::optional<std::string_view> reason(uint32_t mmsi,
                                                 std::optional<uint32_t> imo) const = 0;
};

// The level of a confirmed episode of this type, before the watchlist:
//   DARK_RENDEZVOUS CRITICAL — a meeting with transponders off is the sanctions-evasion pattern itself.
//   RENDEZVOUS HIGH; SPOOFING, IDENTITY_CHANGE, GEOFENCE_ENTRY/DWELL, DARK_PERIOD MEDIUM;
//   GEOFENCE_EXIT, LOITERING, DRAUGHT_CHANGE LOW (context rather than findings on their own).
// A provisional episode is one level lower (never below LOW): it is early warning, not a finding.
aiswatch::v1::Severity base_severity(aiswatch::v1::AlertType type, aiswatch::v1::Phase phase);

// base_severity raised `raise` levels (an escalation the detector found, e.g. a dark period
// that looks deliberate), and one more when watchlisted is true; capped at CRITICAL.
aiswatch::v1::Severity severity(aiswatch::v1::AlertType type, aiswatch::v1::Phase phase,
                                bool watchlisted, int raise = 0);

}  // namespace aiswatch::alert
