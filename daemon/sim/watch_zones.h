#pragma once
// The ruleset's watch zones as the simulator's geofence truth sees them (TrafficConfig's
// watch_zone_ids and watch_zones_at).
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace aiswatch::sim {

// Sets config's watch zones from the `watch` zones of `rules`, in their index order (zones past
// the 64th are left out of the truth), and its geofence hysteresis from rules' thresholds.
// `rules` must outlive every simulate_traffic call made with `config`.
void use_watch_zones(const ruleset::Ruleset& rules, TrafficConfig& config);

}  // namespace aiswatch::sim
