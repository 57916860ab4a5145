#include "detect/geofence.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "detect/common.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::ALERT_TYPE_GEOFENCE_DWELL;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_ENTRY;
using aiswatch::v1::ALERT_TYPE_GEOFENCE_EXIT;
using ruleset::ThresholdId;
using ruleset::ZoneKind;

bool contains(const ruleset::ZoneMatches& zones, const std::string& zone_id) {
  for (const ruleset::Zone* zone : zones)
    if (zone->kind == ZoneKind::watch && zone->id == zone_id) return true;
  return false;
}

alert::EpisodeKey dwell_key(uint32_t mmsi, const std::string& zone_id, int64_t since_ms) {
  return {ALERT_TYPE_GEOFENCE_DWELL, mmsi, 0, zone_id, since_ms};
}

// The report's watch zones as a bit mask of zone indices; nullopt when one is past bit 63 or the
// match was truncated (such reports always take the full path).
std::optional<uint64_t> watch_mask(const ruleset::ZoneMatches& zones) {
  if (zones.truncated) return std::nullopt;
  uint64_t mask = 0;
  for (const ruleset::Zone* zone : zones) {
    if (zone->kind != ZoneKind::watch) continue;
    if (zone->index >= 64) return std::nullopt;
    mask |= uint64_t{1} << zone->index;
  }
  return mask;
}

}  // namespace

void GeofenceDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  // A vessel new in its slot (first heard, or back after eviction, whatever its first message):
  // what the slot's entry says is about an earlier life.
  if (u.vessel != nullptr && (u.changes & track::change_new_vessel) != 0) {
    const uint32_t slot = context.tracker.slot_of(*u.vessel);
    if (slot < settled_.size()) settled_[slot] = Settled{};
  }
  if (u.late || u.vessel == nullptr || (u.changes & track::change_position) == 0) return;
  const track::VesselState& v = *u.vessel;
  if (!v.position) return;

  // The common case first: the same watch zones as the vessel's settled state.
  if (&context.rules != settled_rules_) {  // first use, or zone indices changed meaning
    std::fill(settled_.begin(), settled_.end(), Settled{});
    settled_rules_ = &context.rules;
  }
  const uint32_t slot = context.tracker.slot_of(v);
  if (slot >= settled_.size()) settled_.resize(context.tracker.slot_count());
  const std::optional<uint64_t> mask = watch_mask(observation.zones);
  Settled& entry = settled_[slot];
  if (mask && entry.mmsi == v.mmsi && entry.watch_mask == *mask) return;
  entry = Settled{};
  const VesselZones* state = update_sides(v, observation.zones, context);
  if (!mask) return;
  const bool dwell_on =
      context.rules.thresholds.milliseconds(ThresholdId::geofence_dwell_alert_h) > 0;
  // Settled: nothing pending, so every side is a confirmed inside matching this report's zones.
  auto settled = [&](const ZoneSide& s) {
    return s.inside && !s.crossing && (!dwell_on || s.dwell_open);
  };
  if (state == nullptr || std::all_of(state->sides.begin(), state->sides.end(), settled))
    entry = {v.mmsi, *mask};
}

const GeofenceDetector::VesselZones* GeofenceDetector::update_sides(
    const track::VesselState& v, const ruleset::ZoneMatches& zones, Context& context) {
  const int64_t now = v.position->time_ms;
  const double lat = v.position->lat, lon = v.position->lon;

  auto it = vessels_.find(v.mmsi);
  if (it == vessels_.end()) {
    if (!zones.any(ZoneKind::watch)) return nullptr;  // outside, nothing pending
    // No state, inside a watch zone: the vessel is new, was forgotten while silent, or just
    // crossed in from outside. Its previous fix tells which.
    const bool has_previous = v.track_size() >= 2;
    ruleset::ZoneMatches previous;
    double previous_lat = 0, previous_lon = 0;
    if (has_previous) {
      const track::TrackPoint& p = v.track_at(v.track_size() - 2);
      previous_lat = p.lat;
      previous_lon = p.lon;
      previous = context.rules.zones.zones_containing(previous_lat, previous_lon);
    }
    // Track points are floats (about a metre): one that close to the boundary may have been on
    // either side of it, and is taken as outside, so that a real entry is not missed.
    auto was_inside = [&](const ruleset::Zone& zone) {
      return contains(previous, zone.id) &&
             context.rules.zones.boundary_distance_m(zone, previous_lat, previous_lon) > 2.0;
    };
    it = vessels_.emplace(v.mmsi, VesselZones{}).first;
    for (const ruleset::Zone* zone : zones) {
      if (zone->kind != ZoneKind::watch) continue;
      ZoneSide side;
      side.zone_id = zone->id;
      side.inside = !has_previous || was_inside(*zone);
      side.inside_since_ms = now;
      it->second.sides.push_back(std::move(side));
    }
  } else {
    // A crossing that has lasted its time is confirmed whatever this report says: the watermark
    // would have confirmed it had it been checked a moment earlier.
    confirm_due(v.mmsi, it->second, now, context);
    // Watch zones the vessel has no side of yet: it is outside them, so this report is on their
    // far side.
    auto& sides = it->second.sides;
    for (const ruleset::Zone* zone : zones) {
      if (zone->kind != ZoneKind::watch) continue;
      if (std::none_of(sides.begin(), sides.end(),
                       [&](const ZoneSide& s) { return s.zone_id == zone->id; })) {
        ZoneSide side;
        side.zone_id = zone->id;
        sides.push_back(std::move(side));
      }
    }
  }
  VesselZones& state = it->second;

  const double hysteresis_m = context.rules.thresholds.value(ThresholdId::geofence_hysteresis_m);
  for (ZoneSide& side : state.sides) {
    const bool far_side = contains(zones, side.zone_id) != side.inside;
    if (!far_side) {
      side.crossing = false;
      continue;
    }
    if (!side.crossing) {
      side.crossing = true;
      side.crossed_ms = now;
      side.crossed_lat = lat;
      side.crossed_lon = lon;
      side.depth_m = 0;
      if (!state.listed_crossing) crossing_.insert(v.mmsi);
      state.listed_crossing = true;
    }
    if (side.depth_m >= hysteresis_m) continue;
    const ruleset::Zone* zone = context.rules.zones.find(side.zone_id);
    if (zone == nullptr) {  // the zone left the rules (reload): forget it, no exit
      if (side.dwell_open)
        context.alerts.close(dwell_key(v.mmsi, side.zone_id, side.inside_since_ms), now,
                             "zone removed from rules");
      side.inside = side.crossing = side.dwell_open = false;
      continue;
    }
    side.depth_m = std::max(side.depth_m, context.rules.zones.boundary_distance_m(*zone, lat, lon));
  }
  confirm_due(v.mmsi, state, now, context);
  update_dwell(v.mmsi, state, now, context);
  if (state.listed_crossing && std::none_of(state.sides.begin(), state.sides.end(),
                                            [](const ZoneSide& s) { return s.crossing; })) {
    crossing_.erase(v.mmsi);
    state.listed_crossing = false;
  }
  if (state.sides.empty()) {
    vessels_.erase(it);
    return nullptr;
  }
  return &state;
}

void GeofenceDetector::confirm_due(uint32_t mmsi, VesselZones& state, int64_t now_ms,
                                   Context& context) {
  const double hysteresis_m = context.rules.thresholds.value(ThresholdId::geofence_hysteresis_m);
  const int64_t hysteresis_ms =
      context.rules.thresholds.milliseconds(ThresholdId::geofence_hysteresis_min);
  for (ZoneSide& side : state.sides) {
    if (side.crossing && side.depth_m >= hysteresis_m && now_ms - side.crossed_ms >= hysteresis_ms)
      confirm(mmsi, side, context);
  }
  std::erase_if(state.sides, [](const ZoneSide& s) { return !s.inside && !s.crossing; });
}

void GeofenceDetector::confirm(uint32_t mmsi, ZoneSide& side, Context& context) {
  side.crossing = false;
  side.inside = !side.inside;
  alert::EpisodeReport r;
  r.key = {side.inside ? ALERT_TYPE_GEOFENCE_ENTRY : ALERT_TYPE_GEOFENCE_EXIT, mmsi, 0,
           side.zone_id, side.crossed_ms};
  r.time_ms = side.crossed_ms;
  r.lat = side.crossed_lat;
  r.lon = side.crossed_lon;
  if (const track::VesselState* v = context.tracker.find(mmsi))
    r.vessel = snapshot_of(*v);
  else
    r.vessel.mmsi = mmsi;
  r.evidence.push_back({mmsi, side.crossed_ms, side.crossed_lat, side.crossed_lon, {}, {}});
  r.facts = {{"depth_m", side.depth_m}};
  r.reason = side.inside ? "entered watch zone" : "left watch zone";
  context.alerts.instant(r);
  if (side.inside) {
    side.inside_since_ms = side.crossed_ms;
  } else if (side.dwell_open) {
    context.alerts.close(dwell_key(mmsi, side.zone_id, side.inside_since_ms), side.crossed_ms,
                         "exited");
    side.dwell_open = false;
  }
}

void GeofenceDetector::update_dwell(uint32_t mmsi, VesselZones& state, int64_t now_ms,
                                    Context& context) {
  const int64_t dwell_ms =
      context.rules.thresholds.milliseconds(ThresholdId::geofence_dwell_alert_h);
  if (dwell_ms <= 0) return;  // dwell alerts off
  for (ZoneSide& side : state.sides) {
    if (!side.inside || side.dwell_open || now_ms - side.inside_since_ms < dwell_ms) continue;
    side.dwell_open = true;
    alert::EpisodeReport r;
    r.key = dwell_key(mmsi, side.zone_id, side.inside_since_ms);
    r.time_ms = now_ms;
    const track::VesselState* v = context.tracker.find(mmsi);
    if (v != nullptr && v->position) {
      r.lat = v->position->lat;
      r.lon = v->position->lon;
      r.vessel = snapshot_of(*v);
      r.evidence.push_back(evidence_of(*v));
    }
    r.facts = {{"duration_s", static_cast<double>(now_ms - side.inside_since_ms) / 1000.0}};
    r.reason = "inside watch zone";
    context.alerts.report(r);
  }
}

void GeofenceDetector::on_rules(const ruleset::Ruleset& /*rules*/) {
  std::fill(settled_.begin(), settled_.end(), Settled{});
  settled_rules_ = nullptr;
}

void GeofenceDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms >= next_confirm_check_ms_) {
    next_confirm_check_ms_ = watermark_ms + config_.confirm_check_interval_ms;
    for (auto mmsi_it = crossing_.begin(); mmsi_it != crossing_.end();) {
      auto it = vessels_.find(*mmsi_it);
      if (it == vessels_.end()) {
        mmsi_it = crossing_.erase(mmsi_it);
        continue;
      }
      VesselZones& state = it->second;
      confirm_due(it->first, state, watermark_ms, context);
      const bool still_crossing = std::any_of(state.sides.begin(), state.sides.end(),
                                              [](const ZoneSide& s) { return s.crossing; });
      state.listed_crossing = still_crossing;
      if (state.sides.empty()) vessels_.erase(it);
      mmsi_it = still_crossing ? std::next(mmsi_it) : crossing_.erase(mmsi_it);
    }
  }
  if (watermark_ms < next_forget_sweep_ms_) return;
  next_forget_sweep_ms_ = watermark_ms + config_.forget_sweep_interval_ms;
  // Vessels the tracker has forgotten (silent past its eviction horizon).
  std::vector<uint32_t> silent;
  for (const auto& [mmsi, state] : vessels_)
    if (context.tracker.find(mmsi) == nullptr) silent.push_back(mmsi);
  std::sort(silent.begin(), silent.end());  // output must not depend on hashing
  for (uint32_t mmsi : silent) {
    auto it = vessels_.find(mmsi);
    for (const ZoneSide& side : it->second.sides)
      if (side.dwell_open)
        context.alerts.close(dwell_key(mmsi, side.zone_id, side.inside_since_ms), watermark_ms,
                             "silent past horizon");
    crossing_.erase(mmsi);
    vessels_.erase(it);
  }
}

// Checkpoint. settled_ is not saved: its masks are zone indices of the rules it was filled under,
// and the restored detector may run under other rules (a reload between save and restart).
// Nothing is lost by recomputing it: an entry only lets a report skip update_sides when that
// would change nothing (every side confirmed inside, nothing pending, dwell open or off, the same
// watch zones), so after a restore each vessel's first report takes the full path once, emits
// the same alerts, and settles the entry again. The sides, keyed by zone id, carry over as they
// are; a zone gone from the current rules is dropped at the vessel's next crossing of it, as
// after a reload. No output depends on the hash order of vessels_ (the forget sweep sorts), so
// vessels are written in MMSI order only to make the bytes deterministic.
void GeofenceDetector::save_state(state::StateWriter& out) const {
  out.section("geof");
  out.put(next_confirm_check_ms_);
  out.put(next_forget_sweep_ms_);
  std::vector<uint32_t> mmsis;
  mmsis.reserve(vessels_.size());
  for (const auto& [mmsi, state] : vessels_) mmsis.push_back(mmsi);
  std::sort(mmsis.begin(), mmsis.end());
  out.put<uint64_t>(mmsis.size());
  for (const uint32_t mmsi : mmsis) {
    const VesselZones& state = vessels_.at(mmsi);
    out.put(mmsi);
    out.put(state.listed_crossing);
    out.put<uint64_t>(state.sides.size());
    for (const ZoneSide& side : state.sides) {
      out.put_string(side.zone_id);
      out.put(side.inside);
      out.put(side.inside_since_ms);
      out.put(side.dwell_open);
      out.put(side.crossing);
      out.put(side.crossed_ms);
      out.put(side.crossed_lat);
      out.put(side.crossed_lon);
      out.put(side.depth_m);
    }
  }
  out.put<uint64_t>(crossing_.size());
  for (const uint32_t mmsi : crossing_) out.put(mmsi);
}

void GeofenceDetector::restore_state(state::StateReader& in, Context& /*context*/) {
  // Sane bounds for corrupt input (the reader bounds counts by the bytes left as well).
  constexpr std::size_t max_vessels = std::size_t{1} << 26;
  constexpr std::size_t max_sides = 4'096;  // watch zones one vessel is inside or crossing
  constexpr std::size_t max_zone_id = 1'024;
  constexpr std::size_t vessel_bytes = 4 + 1 + 8;
  constexpr std::size_t side_bytes = 8 + 1 + 8 + 1 + 1 + 8 + 8 + 8 + 8;
  in.section("geof");
  next_confirm_check_ms_ = in.get<int64_t>();
  next_forget_sweep_ms_ = in.get<int64_t>();
  const std::size_t vessels = in.count(max_vessels, vessel_bytes);
  for (std::size_t i = 0; i < vessels && in.ok(); ++i) {
    const auto mmsi = in.get<uint32_t>();
    VesselZones state;
    state.listed_crossing = in.get<bool>();
    const std::size_t sides = in.count(max_sides, side_bytes);
    for (std::size_t j = 0; j < sides && in.ok(); ++j) {
      ZoneSide side;
      side.zone_id = in.get_string(max_zone_id);
      side.inside = in.get<bool>();
      side.inside_since_ms = in.get<int64_t>();
      side.dwell_open = in.get<bool>();
      side.crossing = in.get<bool>();
      side.crossed_ms = in.get<int64_t>();
      side.crossed_lat = in.get<double>();
      side.crossed_lon = in.get<double>();
      side.depth_m = in.get<double>();
      state.sides.push_back(std::move(side));
    }
    if (!in.ok()) break;
    if (!vessels_.emplace(mmsi, std::move(state)).second)
      in.fail("geofence: vessel " + std::to_string(mmsi) + " twice");
  }
  const std::size_t crossing = in.count(max_vessels, sizeof(uint32_t));
  for (std::size_t i = 0; i < crossing && in.ok(); ++i) {
    const auto mmsi = in.get<uint32_t>();
    if (in.ok() && !crossing_.insert(mmsi).second)
      in.fail("geofence: crossing vessel " + std::to_string(mmsi) + " twice");
  }
}

}  // namespace aiswatch::detect
