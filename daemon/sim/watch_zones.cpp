#include "sim/watch_zones.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace aiswatch::sim {

void use_watch_zones(const ruleset::Ruleset& rules, TrafficConfig& config) {
  const ruleset::ZoneIndex& zones = rules.zones;
  // Bit of each zone by its index in `zones`; -1 for zones that are not watch zones (or past 64).
  std::vector<int> bit_of(zones.zones().size(), -1);
  std::vector<const ruleset::Zone*> zone_of_bit;
  config.watch_zone_ids.clear();
  for (const ruleset::Zone& zone : zones.zones()) {
    if (zone.kind != ruleset::ZoneKind::watch || zone_of_bit.size() == 64) continue;
    bit_of[zone.index] = static_cast<int>(zone_of_bit.size());
    zone_of_bit.push_back(&zone);
    config.watch_zone_ids.push_back(zone.id);
  }
  config.watch_zones_at = [&zones, bit_of = std::move(bit_of)](double lat, double lon) {
    uint64_t bits = 0;
    for (const ruleset::Zone* zone : zones.zones_containing(lat, lon))
      if (bit_of[zone->index] >= 0) bits |= uint64_t{1} << bit_of[zone->index];
    return bits;
  };
  config.watch_zone_distance_m = [&zones, zone_of_bit = std::move(zone_of_bit)](
                                     std::size_t bit, double lat, double lon) {
    return zones.boundary_distance_m(*zone_of_bit[bit], lat, lon);
  };
  // Port points: a 0.02 degree lattice over the area and 1.5 degrees around it (the ports a ship
  // in the area would call at), one point per port zone, nearest the zone's first lattice hit.
  config.port_points.clear();
  std::vector<bool> port_found(zones.zones().size(), false);
  for (double lat = config.min_lat - 1.5; lat <= config.max_lat + 1.5; lat += 0.02) {
    for (double lon = config.min_lon - 1.5; lon <= config.max_lon + 1.5; lon += 0.02) {
      for (const ruleset::Zone* zone : zones.zones_containing(lat, lon)) {
        if (zone->kind != ruleset::ZoneKind::port || port_found[zone->index]) continue;
        port_found[zone->index] = true;
        config.port_points.emplace_back(lat, lon);
      }
    }
  }
  // Land points: the same lattice at 0.05 degree, points 10 km or more inside a land zone (and
  // in no port: ZoneIndex::land_at), at most 8, spread over the list in lattice order.
  std::vector<std::pair<double, double>> inland;
  for (double lat = config.min_lat - 1.5; lat <= config.max_lat + 1.5; lat += 0.05) {
    for (double lon = config.min_lon - 1.5; lon <= config.max_lon + 1.5; lon += 0.05) {
      const ruleset::Zone* land = zones.land_at(lat, lon);
      if (land != nullptr && zones.boundary_distance_m(*land, lat, lon) >= 10'000)
        inland.emplace_back(lat, lon);
    }
  }
  config.land_points.clear();
  constexpr std::size_t land_points_kept = 8;
  for (std::size_t k = 0; k < std::min(inland.size(), land_points_kept); ++k)
    config.land_points.push_back(
        inland[k * inland.size() / std::min(inland.size(), land_points_kept)]);
  using ruleset::ThresholdId;
  config.geofence_hysteresis_m = rules.thresholds.value(ThresholdId::geofence_hysteresis_m);
  config.geofence_hysteresis_s =
      static_cast<int64_t>(rules.thresholds.seconds(ThresholdId::geofence_hysteresis_min));
}

}  // namespace aiswatch::sim
