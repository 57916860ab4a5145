#pragma once
// Geofence: a vessel enters or leaves a `watch` zone (North Korean waters, a transfer hotspot),
// and, when the operator wants it, stays inside one too long.
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - Each vessel has a confirmed side of each watch zone: inside or outside. The first fix of a
//    vessel sets it without an alert (a vessel first heard inside a zone was not seen entering).
//  - A report on the other side starts a crossing at that report (its time and position are the
//    alert's). The crossing is confirmed, and GEOFENCE_ENTRY or GEOFENCE_EXIT raised, once
//      a report on the new side lay at least geofence.hysteresis_m (300 m) from the boundary, and
//      geofence.hysteresis_min (5 min) of event time passed since the crossing (judged on the
//      vessel's next report or on the watermark, whichever comes first).
//    A report back on the old side before that cancels it. GPS jitter of tens of metres on a
//    ship anchored on a boundary therefore never alerts, and a ship dipping briefly across does
//    not either; a ship that crosses and then falls silent still does.
//  - Entries and exits are instantaneous alerts (OPEN and CLOSED together), keyed by vessel,
//    zone and crossing time. Ports do not suppress them: a watch zone is watched everywhere.
//  - Dwell, when geofence.dwell_alert_h is above 0: GEOFENCE_DWELL opens once the vessel has been
//    inside a watch zone that long (since its confirmed entry, or since first heard inside), and
//    closes "exited" at the confirmed exit.
//  - State is forgotten, and an open dwell closed "silent past horizon", once the tracker has
//    forgotten the vessel (silent past its eviction horizon); late reports (behind the
//    watermark) are history and change no side.
//
// Cost: a report in the same watch zones as the vessel's confirmed ones, with nothing pending,
// reads one 16-byte entry of an array indexed by tracker slot. Otherwise a hash lookup and a
// comparison per zone; a boundary distance (O(zone vertices)) only for reports on the far side
// of an unconfirmed crossing. Memory: 16 bytes per tracker slot, and one small entry per vessel
// inside or crossing a watch zone.
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/detector.h"

namespace aiswatch::detect {

struct GeofenceConfig {
  // Pending crossings are confirmed on the watermark at most this often (event time): between
  // two checks a confirmation can wait on the vessel's next report instead.
  int64_t confirm_check_interval_ms = 10'000;
  int64_t forget_sweep_interval_ms = 3'600'000;
};

class GeofenceDetector final : public Detector {
 public:
  explicit GeofenceDetector(GeofenceConfig config = {}) : config_(config) {}
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit GeofenceDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  // Settled masks use zone indices of the rules they were computed with: forgotten on every
  // reload (a pointer comparison alone could match new rules allocated at the old address).
  void on_rules(const ruleset::Ruleset& rules) override;
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t tracked_count() const { return vessels_.size(); }

 private:
  // One watch zone a vessel is inside, or crossing into or out of. Keyed by zone id rather than
  // index so that a rules reload cannot mix zones up.
  struct ZoneSide {
    std::string zone_id;
    bool inside = false;  // the confirmed side
    int64_t inside_since_ms = 0;
    bool dwell_open = false;
    bool crossing = false;   // a report on the other side, not yet confirmed
    int64_t crossed_ms = 0;  // the first report on the other side
    double crossed_lat = 0, crossed_lon = 0;
    double depth_m = 0;  // farthest from the boundary a report on the other side lay
  };
  struct VesselZones {
    std::vector<ZoneSide> sides;
    bool listed_crossing = false;  // in crossing_
  };

  // A vessel whose report needs nothing: no crossing pending, no dwell to open, the same watch
  // zones as its confirmed ones (bit i: the zone of index i). Kept per tracker slot, so the
  // common report costs one small array entry, not a hash lookup.
  struct Settled {
    uint32_t mmsi = 0;  // 0: no entry
    uint64_t watch_mask = 0;
  };

  // The full path: sides created, crossings started, cancelled or confirmed, dwell opened.
  // Returns the vessel's state, nullptr when it has none left.
  const VesselZones* update_sides(const track::VesselState& v, const ruleset::ZoneMatches& zones,
                                  Context& context);
  // Confirms the crossings of `zones` that are due at now_ms (erasing sides left outside).
  void confirm_due(uint32_t mmsi, VesselZones& zones, int64_t now_ms, Context& context);
  void confirm(uint32_t mmsi, ZoneSide& side, Context& context);
  void update_dwell(uint32_t mmsi, VesselZones& zones, int64_t now_ms, Context& context);

  GeofenceConfig config_;
  std::unordered_map<uint32_t, VesselZones> vessels_;
  std::set<uint32_t> crossing_;  // vessels with an unconfirmed crossing (MMSI order: determinism)
  std::vector<Settled> settled_;  // by tracker slot
  const ruleset::Ruleset* settled_rules_ = nullptr;  // whose zone indices settled_ masks use
  int64_t next_confirm_check_ms_ = INT64_MIN;
  int64_t next_forget_sweep_ms_ = INT64_MIN;
};

}  // namespace aiswatch::detect
