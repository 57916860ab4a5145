#pragma once
// The ruleset's zones as the simulator sees them: watch zones for the geofence truth
// (TrafficConfig's watch_zone_ids and watch_zones_at), points in ports for port plants, points
// deep inland for the land plant.
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace aiswatch::sim {

// Sets config's watch zones from the `watch` zones of `rules`, in their index order (zones past
// the 64th are left out of the truth), and its geofence hysteresis from rules' thresholds.
// Sets config.port_points to one point inside each port zone within 1.5 degrees of the area,
// and config.land_points to up to 8 points 10 km or more inside land zones within 1.5 degrees of
// it (none when the rules have no land there).
// `rules` must outlive every simulate_traffic call made with `config`.
void use_watch_zones(const ruleset::Ruleset& rules, TrafficConfig& config);

}  // namespace aiswatch::sim
