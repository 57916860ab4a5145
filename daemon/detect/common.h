#pragma once
// Small pieces every detector needs, in one place so that they agree.
#include "alert/manager.h"
#include "ruleset/zones.h"
#include "track/vessel_state.h"

namespace aiswatch::detect {

// Inside a port or an anchorage, where meetings, idling and silence are normal.
inline bool sheltered(const ruleset::ZoneMatches& zones) {
  return zones.any(ruleset::ZoneKind::port) || zones.any(ruleset::ZoneKind::anchorage);
}

// Sheltered and not inside a watch zone: transfers off Nampo happen within sight of a port, so
// a watch zone suppresses nothing (issue 3, Context).
inline bool suppressed(const ruleset::ZoneMatches& zones) {
  return sheltered(zones) && !zones.any(ruleset::ZoneKind::watch);
}

// The vessel's identity as an alert carries it. Fills `out` in place, reusing its strings.
void snapshot(const track::VesselState& v, alert::VesselSnapshot& out);

inline alert::VesselSnapshot snapshot_of(const track::VesselState& v) {
  alert::VesselSnapshot s;
  snapshot(v, s);
  return s;
}

// The vessel's latest position report as an evidence point (absent speed and course stay
// absent). The vessel must have a position.
inline alert::Evidence evidence_of(const track::VesselState& v) {
  alert::Evidence e;
  e.mmsi = v.mmsi;
  e.time_ms = v.position->time_ms;
  e.lat = v.position->lat;
  e.lon = v.position->lon;
  e.sog = v.position->speed_knots;
  e.cog = v.position->course_deg;
  return e;
}

}  // namespace aiswatch::detect
