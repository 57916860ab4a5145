#include "alert/severity.h"

#include <algorithm>

namespace aiswatch::alert {

using namespace aiswatch::v1;

namespace {

Severity confirmed_level(AlertType type) {
  switch (type) {
    // The behaviour UN Panel of Experts reports on North Korea describe as the main channel of
    // illicit oil imports: a meeting at sea, often with AIS off.
    case ALERT_TYPE_DARK_RENDEZVOUS: return SEVERITY_CRITICAL;
    case ALERT_TYPE_RENDEZVOUS: return SEVERITY_HIGH;
    // Disguise: deliberate, rarely innocent, but also produced by misconfigured transponders.
    case ALERT_TYPE_SPOOFING: return SEVERITY_MEDIUM;
    case ALERT_TYPE_IDENTITY_CHANGE: return SEVERITY_MEDIUM;
    // Watch zones are the operator's own choice of where anything matters.
    case ALERT_TYPE_GEOFENCE_ENTRY: return SEVERITY_MEDIUM;
    case ALERT_TYPE_GEOFENCE_DWELL: return SEVERITY_MEDIUM;
    case ALERT_TYPE_DARK_PERIOD: return SEVERITY_MEDIUM;
    // Context rather than findings on their own: worth seeing next to a rendezvous.
    case ALERT_TYPE_GEOFENCE_EXIT: return SEVERITY_LOW;
    case ALERT_TYPE_LOITERING: return SEVERITY_LOW;
    case ALERT_TYPE_DRAUGHT_CHANGE: return SEVERITY_LOW;
    default: return SEVERITY_LOW;
  }
}

Severity step(Severity s, int delta) {
  int value = std::clamp(static_cast<int>(s) + delta, static_cast<int>(SEVERITY_LOW),
                         static_cast<int>(SEVERITY_CRITICAL));
  return static_cast<Severity>(value);
}

}  // namespace

Severity base_severity(AlertType type, Phase phase) {
  Severity level = confirmed_level(type);
  return phase == PHASE_PROVISIONAL ? step(level, -1) : level;
}

Severity severity(AlertType type, Phase phase, bool watchlisted, int raise) {
  return step(base_severity(type, phase), std::max(raise, 0) + (watchlisted ? 1 : 0));
}

}  // namespace aiswatch::alert
