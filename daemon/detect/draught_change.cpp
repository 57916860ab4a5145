#include "detect/draught_change.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ais/message.h"
#include "alert/alert_id.h"
#include "detect/common.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;

// Draughts travel in tenths of a metre (ITU-R M.1371-5 message 5): say them so, not as floats.
double tenths(float metres) { return std::round(static_cast<double>(metres) * 10.0) / 10.0; }

bool links_to_draught(aiswatch::v1::AlertType type) {
  return type == aiswatch::v1::ALERT_TYPE_RENDEZVOUS ||
         type == aiswatch::v1::ALERT_TYPE_DARK_PERIOD ||
         type == aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS;
}

}  // namespace

void DraughtChangeDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  if ((u.changes & track::change_draught) == 0) return;
  const track::VesselState& v = *u.vessel;
  // Only ship MMSIs are one vessel each (see identity_change.h): a transponder default shared
  // by many boats changes draught with every one of them.
  if (!v.statics.draught_m || v.category != ais::MmsiCategory::ship) return;
  const uint32_t slot = context.tracker.slot_of(v);
  if (slot >= known_.size())
    known_.resize(std::max<std::size_t>(context.tracker.slot_count(), slot + 1));
  Known& k = known_[slot];
  if ((u.changes & track::change_new_vessel) != 0 || k.mmsi != v.mmsi) k = Known{v.mmsi};

  const float before = k.draught_m, after = *v.statics.draught_m;
  const int64_t t = u.event_time_ms;
  if (before == after || before == 0.0f) {  // the first draught: a baseline, not a change
    k.draught_m = after;
    return;
  }
  const bool alternation =
      after == k.previous_draught_m && t - k.changed_ms <= config_.alternation_window_ms;
  k.previous_draught_m = before;
  k.draught_m = after;
  k.changed_ms = std::max(k.changed_ms, t);
  // At a berth cargo is worked, in a watch zone too (Nampo's port lies inside the West Sea watch
  // zone); an anchorage is where ships load alongside each other, so a watch zone keeps it
  // watched there, as for the other detectors.
  const ruleset::ZoneMatches& zones = observation.zones;
  const bool normal_here = zones.any(ruleset::ZoneKind::port) || suppressed(zones);
  if (alternation || !v.position || normal_here) return;

  const ruleset::Thresholds& thresholds = context.rules.thresholds;
  const double change_m = std::fabs(tenths(after) - tenths(before));
  const double min_m = thresholds.value(ThresholdId::draught_change_min_change_m);
  const double min_share = thresholds.value(ThresholdId::draught_change_min_change_pct) / 100.0;
  // A hair under the threshold in binary is the threshold in tenths of a metre (0.5 m exactly).
  constexpr double epsilon = 1e-6;
  if (change_m + epsilon < min_m || change_m + epsilon < min_share * tenths(before)) return;

  alert::EpisodeReport r;
  r.key = {aiswatch::v1::ALERT_TYPE_DRAUGHT_CHANGE, v.mmsi, 0, "", t};
  const std::string id = alert::alert_id(r.key);
  r.time_ms = t;
  r.lat = v.position->lat;
  r.lon = v.position->lon;
  r.vessel = snapshot_of(v);
  r.evidence.push_back(evidence_of(v));
  r.facts = {{"draught_before_m", tenths(before)},
             {"draught_after_m", tenths(after)},
             {"change_m", change_m}};
  char text[96];
  std::snprintf(text, sizeof text, "draught %.1f m -> %.1f m: %s by %.1f m (%.0f %%)",
                tenths(before), tenths(after), after > before ? "deeper" : "shallower", change_m,
                100.0 * change_m / tenths(before));
  r.reason = text;

  // The meetings and silences this change may be the cargo of: open ones, and ones that ended
  // within the window before it (the crew updates the draught hours after the transfer).
  const int64_t window_ms = thresholds.milliseconds(ThresholdId::draught_change_related_window_h);
  std::vector<alert::EpisodeKey> open_related;
  context.alerts.for_each_recent(v.mmsi, [&](const alert::RecentAlert& recent) {
    if (!links_to_draught(recent.key.type)) return;
    if (!recent.open && recent.end_ms < t - window_ms) return;
    r.related_alert_ids.push_back(recent.alert_id);
    if (recent.open) open_related.push_back(recent.key);
  });
  if (!r.related_alert_ids.empty()) {
    r.reason += ", during or after ";
    r.reason += std::to_string(r.related_alert_ids.size());
    r.reason += r.related_alert_ids.size() == 1 ? " related alert" : " related alerts";
  }
  context.alerts.instant(r);
  // After the draught alert exists, and outside for_each_recent: relate() emits, which updates
  // the recent list being walked.
  for (const alert::EpisodeKey& key : open_related) context.alerts.relate(key, id, t);
}

// Checkpoint: the per-slot records in use, by slot.
void DraughtChangeDetector::save_state(state::StateWriter& out) const {
  out.section("drch");
  save_slot_records(
      out, known_, [](const Known& k) { return k.mmsi != 0; },
      [&](const Known& k) {
        out.put(k.mmsi);
        out.put(k.draught_m);
        out.put(k.previous_draught_m);
        out.put(k.changed_ms);
      });
}

void DraughtChangeDetector::restore_state(state::StateReader& in, Context& context) {
  constexpr std::size_t known_bytes = 4 + 4 + 4 + 4 + 8;
  in.section("drch");
  const std::size_t slots = context.tracker.slot_count();
  restore_slot_records(in, slots, known_bytes, "draught_change", [&](uint32_t slot) {
    Known k;
    k.mmsi = in.get<uint32_t>();
    k.draught_m = in.get<float>();
    k.previous_draught_m = in.get<float>();
    k.changed_ms = in.get<int64_t>();
    if (in.ok() && k.mmsi == 0) in.fail("draught_change: a record of MMSI 0");
    if (!in.ok()) return;
    if (known_.size() < slots) known_.resize(slots);
    known_[slot] = k;
  });
}

}  // namespace aiswatch::detect
