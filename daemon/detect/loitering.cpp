#include "detect/loitering.h"

#include <algorithm>
#include <cmath>
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

// Checkpoints. Event times lie within 2^52 ms (142,000 years) of 1970, so that the differences
// the detector takes cannot overflow; INT64_MIN ("none") where a field allows it.
constexpr int64_t max_abs_time_ms = int64_t{1} << 52;
// More slow runs than any feed has vessels: a count beyond it is corrupt.
constexpr std::size_t max_runs = std::size_t{1} << 26;

int64_t get_time(state::StateReader& in, bool none_allowed, const char* field) {
  const int64_t t = in.get<int64_t>();
  if (none_allowed && t == INT64_MIN) return t;
  if (t < -max_abs_time_ms || t > max_abs_time_ms) {
    in.fail(std::string("loitering: ") + field + " out of range");
    return 0;
  }
  return t;
}

bool valid_position(double lat, double lon) {
  return std::isfinite(lat) && std::isfinite(lon) && std::fabs(lat) <= 90.0 &&
         std::fabs(lon) <= 180.0;
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

void LoiteringDetector::save_state(state::StateWriter& out) const {
  out.section("loit");
  out.put(next_sweep_ms_);
  // In MMSI order: the same state gives the same bytes.
  std::vector<uint32_t> mmsis;
  mmsis.reserve(runs_.size());
  for (const auto& entry : runs_) mmsis.push_back(entry.first);
  std::sort(mmsis.begin(), mmsis.end());
  out.put<uint64_t>(mmsis.size());
  for (const uint32_t mmsi : mmsis) {
    const Run& run = runs_.at(mmsi);
    out.put(mmsi);
    out.put(run.start_ms);
    out.put(run.last_ms);
    out.put(run.fast_since_ms);
    out.put(run.next_sample_ms);
    out.put(run.start_lat);
    out.put(run.start_lon);
    out.put(run.lat);
    out.put(run.lon);
    out.put(run.samples);
    out.put(run.alone);
    out.put(run.slot);
    out.put(run.open);
  }
  out.put<uint64_t>(run_of_slot_.size());
  for (const uint32_t mmsi : run_of_slot_) out.put(mmsi);
}

// No alert depends on the iteration order of runs_ (the sweep sorts what it closes), so the
// restored map behaves as the saved one.
void LoiteringDetector::restore_state(state::StateReader& in, Context& context) {
  in.section("loit");
  next_sweep_ms_ = get_time(in, true, "next sweep");
  runs_.clear();
  const std::size_t slot_count = context.tracker.slot_count();
  // Per run: mmsi, 4 times, 4 coordinates, 3 counts, a flag.
  const std::size_t n = in.count(max_runs, 4 + 4 * 8 + 4 * 8 + 3 * 4 + 1);
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const uint32_t mmsi = in.get<uint32_t>();
    Run run;
    run.start_ms = get_time(in, false, "run start");
    run.last_ms = get_time(in, false, "last report");
    run.fast_since_ms = get_time(in, false, "fast since");
    run.next_sample_ms = get_time(in, false, "next sample");
    run.start_lat = in.get<double>();
    run.start_lon = in.get<double>();
    run.lat = in.get<double>();
    run.lon = in.get<double>();
    run.samples = in.get<uint32_t>();
    run.alone = in.get<uint32_t>();
    run.slot = in.get<uint32_t>();
    run.open = in.get<bool>();
    if (!in.ok()) break;
    if (!valid_position(run.start_lat, run.start_lon) || !valid_position(run.lat, run.lon)) {
      in.fail("loitering: a run's position out of range");
    } else if (run.slot >= slot_count) {
      in.fail("loitering: a run's slot beyond the tracker's");
    } else if (run.alone > run.samples) {
      in.fail("loitering: a run alone in more samples than it took");
    } else if (!runs_.emplace(mmsi, run).second) {
      in.fail("loitering: a vessel with two runs");
    }
  }
  const std::size_t slots = in.count(slot_count, 4);
  run_of_slot_.assign(slots, 0);
  for (std::size_t i = 0; i < slots && in.ok(); ++i) run_of_slot_[i] = in.get<uint32_t>();
}

}  // namespace aiswatch::detect
