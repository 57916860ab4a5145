#pragma once
// The ruleset's zones as the simulator sees them: watch zones for the geofence truth
// (TrafficConfig's watch_zone_ids and watch_zones_at), points in ports for port plants.
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace aiswatch::sim {

// Sets config's watch zones from the `watch` zones of `rules`, in their index order (zones past
// the 64th are left out of the truth), and its geofence hysteresis from rules' thresholds.
// Sets config.port_points to one point inside each port zone within 1.5 degrees of the area.
// `rules` must outlive every simulate_traffic call made with `config`.
void use_watch_zones(const ruleset::Ruleset& rules, TrafficConfig& config);

}  // namespace aiswatch::sim
