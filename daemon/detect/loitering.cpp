#include "detect/loitering.h"

#include <algorithm>
#include <string>
#include <vector>

#include "detect/common.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;
using ruleset::ZoneKind;

alert::EpisodeKey key_of(uint32_t mmsi, int64_t start_ms) {
  return {aiswatch::v1::ALERT_TYPE_LOITERING, mmsi, 0, "", start_ms};
}

}  // namespace

std::optional<double> current_speed_knots(const track::VesselState& v, int64_t min_interval_ms) {
  if (!v.position) return std::nullopt;
  if (v.position->speed_knots) return static_cast<double>(*v.position->speed_knots);
  const std::size_t n = v.track_size();
  if (n < 2) return std::nullopt;
  const track::TrackPoint& newest = v.track_back();
  auto knots_from = [&](const track::TrackPoint& p) {
    return track::implied_knots(track::haversine_m(p.lat, p.lon, newest.lat, newest.lon),
                                newest.time_ms - p.time_ms);
  };
  for (std::size_t i = n - 1; i-- > 0;) {
    const track::TrackPoint& p = v.track_at(i);
    if (newest.time_ms - p.time_ms >= min_interval_ms) return knots_from(p);
  }
  // A ship under way reports every 2-10 s, so the track (tracker.max_history_points) may span
  // under min_interval: take its whole span when that is long enough for jitter (tens of metres)
  // to stay well under a knot.
  const track::TrackPoint& oldest = v.track_at(0);
  if (newest.time_ms - oldest.time_ms >= min_infer_span_ms) return knots_from(oldest);
  return std::nullopt;
}

void LoiteringDetector::end_run(uint32_t mmsi, Run& run, int64_t time_ms, std::string_view reason,
                                Context& context) {
  if (run.open) context.alerts.close(key_of(mmsi, run.start_ms), time_ms, reason);
  run.open = false;
}

void LoiteringDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  // Late fixes are history: the run is judged on the live edge of the track.
  if (u.late || u.vessel == nullptr || (u.changes & track::change_position) == 0) return;
  const track::VesselState& v = *u.vessel;
  if (!v.position) return;
  const std::optional<double> speed = current_speed_knots(v, config_.min_infer_interval_ms);
  if (!speed) return;  // unknown is not slow
  const int64_t now = v.position->time_ms;
  const double max_speed = context.rules.thresholds.value(ThresholdId::loitering_max_speed_kn);

  // Most reports are from ships under way with no run: answered from the slot table.
  const uint32_t slot = context.tracker.slot_of(v);
  if (slot >= run_of_slot_.size()) run_of_slot_.resize(context.tracker.slot_count(), 0);
  const bool has_run = run_of_slot_[slot] == v.mmsi;
  if (!has_run && *speed >= max_speed) return;
  auto it = has_run ? runs_.find(v.mmsi) : runs_.end();
  if (it != runs_.end() && now - it->second.last_ms > config_.max_gap_ms) {
    end_run(v.mmsi, it->second, it->second.last_ms, "silent", context);
    erase_run(it);
    it = runs_.end();
  }
  if (*speed >= max_speed) {
    if (it == runs_.end()) return;
    Run& run = it->second;
    if (run.fast_since_ms < 0) run.fast_since_ms = now;
    if (now - run.fast_since_ms >= config_.fast_hysteresis_ms) {
      end_run(v.mmsi, run, run.fast_since_ms, "under way", context);
      erase_run(it);
    }
    return;
  }
  if (it == runs_.end()) {
    Run run;
    run.start_ms = run.next_sample_ms = now;
    run.start_lat = v.position->lat;
    run.start_lon = v.position->lon;
    // A run left from before the vessel was evicted and came back in another slot is kept.
    it = runs_.emplace(v.mmsi, run).first;
    it->second.slot = slot;
    run_of_slot_[slot] = v.mmsi;
  }
  Run& run = it->second;
  run.fast_since_ms = -1;
  run.last_ms = now;
  run.lat = v.position->lat;
  run.lon = v.position->lon;
  const ruleset::ZoneMatches& zones = observation.zones;
  const bool in_shelter = suppressed(zones);
  bool sampled = false;
  if (now >= run.next_sample_ms) {
    sampled = true;
    run.next_sample_ms = now + config_.sample_interval_ms;
    ++run.samples;
    bool company = in_shelter;
    if (!company) {
      context.tracker.for_each_neighbour(
          run.lat, run.lon, config_.lone_radius_m, [&](const track::VesselState& other, double) {
            if (company || other.mmsi == v.mmsi) return;
            if (now - other.position->time_ms > config_.neighbour_fresh_ms) return;
            const std::optional<double> other_speed =
                current_speed_knots(other, config_.min_infer_interval_ms);
            if (other_speed && *other_speed < max_speed) company = true;
          });
    }
    if (!company) ++run.alone;
  }

  const int64_t min_duration_ms =
      context.rules.thresholds.milliseconds(ThresholdId::loitering_min_duration_h);
  const bool lone = static_cast<double>(run.alone) >=
                    config_.min_lone_fraction * static_cast<double>(run.samples);
  if (run.open ? !sampled : (now - run.start_ms < min_duration_ms || in_shelter || !lone)) return;
  // Opened on the first report past the minimum duration; re-reported at each sample.
  run.open = true;
  alert::EpisodeReport r;
  r.key = key_of(v.mmsi, run.start_ms);
  r.time_ms = now;
  r.lat = run.lat;
  r.lon = run.lon;
  r.vessel = snapshot_of(v);
  r.evidence.push_back(
      {v.mmsi, now, run.lat, run.lon, v.position->speed_knots, v.position->course_deg});
  r.facts = {{"duration_s", static_cast<double>(now - run.start_ms) / 1000.0},
             {"drift_m", track::haversine_m(run.start_lat, run.start_lon, run.lat, run.lon)},
             {"alone_fraction", static_cast<double>(run.alone) / static_cast<double>(run.samples)}};
  r.reason = "idle at sea, alone";
  context.alerts.report(r);
}

void LoiteringDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms < next_sweep_ms_) return;
  next_sweep_ms_ = watermark_ms + config_.sample_interval_ms;
  // Runs whose vessel fell silent: close (in MMSI order, so output does not depend on hashing).
  std::vector<uint32_t> silent;
  for (const auto& [mmsi, run] : runs_)
    if (watermark_ms - run.last_ms > config_.max_gap_ms) silent.push_back(mmsi);
  std::sort(silent.begin(), silent.end());
  for (uint32_t mmsi : silent) {
    auto it = runs_.find(mmsi);
    end_run(mmsi, it->second, it->second.last_ms, "silent", context);
    erase_run(it);
  }
}

void LoiteringDetector::erase_run(std::unordered_map<uint32_t, Run>::iterator it) {
  if (it->second.slot < run_of_slot_.size() && run_of_slot_[it->second.slot] == it->first)
    run_of_slot_[it->second.slot] = 0;
  runs_.erase(it);
}

void LoiteringDetector::on_end(int64_t /*watermark_ms*/, Context& /*context*/) {
  // Still idling at the end of input: left open (the engine closes what remains).
  runs_.clear();
  std::fill(run_of_slot_.begin(), run_of_slot_.end(), 0);
}

}  // namespace aiswatch::detect
