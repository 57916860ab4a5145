#include "detect/spoofing.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "detect/common.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;

alert::EpisodeKey key_of(uint32_t mmsi, int64_t start_ms) {
  return {aiswatch::v1::ALERT_TYPE_SPOOFING, mmsi, 0, "", start_ms};
}

// Identities shared by unconfigured transponders: their jumps are many devices, not one vessel.
bool judged(const track::VesselState& v) {
  return v.category == ais::MmsiCategory::ship && v.flag != nullptr && v.mmsi % 1'000'000 != 0;
}

const track::RejectedFix& newest_rejected(const track::VesselState& v) {
  constexpr std::size_t n = track::VesselState::rejected_capacity;
  return v.rejected[(v.rejected_next + n - 1) % n];
}

// The track point the tracker compared a fix at time_ms with: the newest not later than it,
// else (a late fix older than the whole track) the oldest. The track is not empty.
const track::TrackPoint& reference_point(const track::VesselState& v, int64_t time_ms) {
  std::size_t at = v.track_size();
  while (at > 0 && v.track_at(at - 1).time_ms > time_ms) --at;
  return at > 0 ? v.track_at(at - 1) : v.track_at(0);
}

// The vessel's reported speed at a track point; absent counts as stopped (nothing to excuse).
double reported_speed_kn(const track::TrackPoint& p) {
  return static_cast<double>(p.speed_knots().value_or(0.0f));
}

// Whether the vessel's own track has a point strictly between two event times.
bool track_heard_between(const track::VesselState& v, int64_t a_ms, int64_t b_ms) {
  const int64_t lo = std::min(a_ms, b_ms), hi = std::max(a_ms, b_ms);
  for (std::size_t i = v.track_size(); i-- > 0;) {
    const int64_t t = v.track_at(i).time_ms;
    if (t <= lo) return false;  // oldest first: nothing earlier can be in between
    if (t < hi) return true;
  }
  return false;
}

// Adds t to times (kept sorted; late fixes arrive out of order), then forgets what is older than
// window_ms before the newest and all but the newest `keep`.
void note_time(std::vector<int64_t>& times, int64_t t, int64_t window_ms, std::size_t keep) {
  times.insert(std::upper_bound(times.begin(), times.end(), t), t);
  const int64_t oldest_kept = times.back() - window_ms;
  auto first = std::lower_bound(times.begin(), times.end(), oldest_kept);
  if (static_cast<std::size_t>(times.end() - first) > keep) first = times.end() - keep;
  times.erase(times.begin(), first);
}

void put_times(state::StateWriter& out, const std::vector<int64_t>& times) {
  out.put<uint64_t>(times.size());
  for (const int64_t t : times) out.put(t);
}

// note_time keeps them sorted and bounded by min_jumps or min_land_fixes (at most 100).
std::vector<int64_t> get_times(state::StateReader& in, std::string_view field) {
  constexpr std::size_t max_times = 1'024;
  std::vector<int64_t> times;
  const std::size_t n = in.count(max_times, sizeof(int64_t));
  times.reserve(n);
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const auto t = in.get<int64_t>();
    if (in.ok() && !times.empty() && t < times.back()) {
      in.fail("spoofing: " + std::string(field) + " not in time order");
      break;
    }
    times.push_back(t);
  }
  return times;
}

}  // namespace

void SpoofingDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  const bool kept_aside = u.outcome == track::UpdateOutcome::implausible_kept_aside;
  // A new fix at the head of the track (accepted, or where the track restarted): one read of the
  // land grid (ZoneIndex::land_at), which for a ship at sea answers "no" from one cell.
  if ((u.changes & track::change_position) != 0) {
    const track::VesselState& v = *u.vessel;
    if (context.rules.zones.land_at(v.position->lat, v.position->lon) != nullptr && judged(v))
      count_land(v, Place{v.position->time_ms, v.position->lat, v.position->lon}, context);
  }
  // Accepted reports, duplicates and the rest: nothing more to see (the common path ends here).
  if (!kept_aside && (u.changes & track::change_track_restarted) == 0) return;
  const track::VesselState& v = *u.vessel;
  if (!judged(v)) return;
  const ruleset::Thresholds& thresholds = context.rules.thresholds;
  const int64_t window_ms = thresholds.milliseconds(ThresholdId::spoofing_window_h);
  const auto min_jumps =
      static_cast<std::size_t>(thresholds.value(ThresholdId::spoofing_min_jumps));

  if (!kept_aside) {
    // The track restarted at this fix after rejected ones: it jumped from the track they left
    // (remembered at the last counted jump; uncounted ones leave nothing to measure from).
    auto it = suspects_.find(v.mmsi);
    if (it == suspects_.end() || !it->second.has_far || !v.position) return;
    const Suspect& s = it->second;
    const Place fix{v.position->time_ms, v.position->lat, v.position->lon};
    if (std::abs(fix.time_ms - s.track.time_ms) > window_ms) return;
    const double d = track::haversine_m(s.track.lat, s.track.lon, fix.lat, fix.lon);
    count_jump(v, fix, s.track, s.track_speed_kn,
               track::implied_knots(d, std::abs(fix.time_ms - s.track.time_ms)), context);
    return;
  }

  const track::RejectedFix& f = newest_rejected(v);
  if (f.reason == track::ImplausibleReason::impossible_speed) {
    // A jump onto land is a fix on land as well (the tracker kept it out of the track).
    if (context.rules.zones.land_at(f.lat, f.lon) != nullptr)
      count_land(v, Place{f.time_ms, f.lat, f.lon}, context);
    const track::TrackPoint& ref = reference_point(v, f.time_ms);
    count_jump(v, Place{f.time_ms, f.lat, f.lon}, Place{ref.time_ms, ref.lat, ref.lon},
               reported_speed_kn(ref), static_cast<double>(f.implied_knots), context);
    return;
  }
  // Out of range: no distance to measure, nothing to show on a map.
  Suspect& s = suspects_[v.mmsi];
  note_time(s.bad_coordinate_times, f.time_ms, window_ms, min_jumps);
  s.bad_coordinates =
      s.open ? s.bad_coordinates + 1 : static_cast<uint32_t>(s.bad_coordinate_times.size());
  s.last_ms = std::max(s.last_ms, f.time_ms);
  evaluate(v, s, f.time_ms, context);
}

void SpoofingDetector::count_jump(const track::VesselState& v, const Place& fix, const Place& from,
                                  double from_speed_kn, double implied_kn, Context& context) {
  const ruleset::Thresholds& thresholds = context.rules.thresholds;
  const double d = track::haversine_m(from.lat, from.lon, fix.lat, fix.lon);
  if (d < thresholds.value(ThresholdId::spoofing_min_jump_km) * 1'000.0) return;
  // Where the vessel was (or will be) an hour or so from this report: a receive time paired
  // with the wrong report, not a position it claims.
  const double excusable_m = from_speed_kn * track::metres_per_nautical_mile *
                             thresholds.value(ThresholdId::spoofing_timing_error_h);
  if (d <= excusable_m) return;

  const int64_t window_ms = thresholds.milliseconds(ThresholdId::spoofing_window_h);
  Suspect& s = suspects_[v.mmsi];
  // Does it continue the far track of the last counted jump (a second transmitter)?
  bool continues = false;
  if (s.has_far && std::abs(fix.time_ms - s.far.time_ms) <= window_ms) {
    const double apart = track::haversine_m(s.far.lat, s.far.lon, fix.lat, fix.lon);
    // Nearer the last far fix than half its distance from the track (glitches scattered around
    // the track are no place of their own), and reachable from it.
    continues =
        apart < 0.5 * d && (apart < context.tracker.config().min_jump_m ||
                            track::implied_knots(apart, std::abs(fix.time_ms - s.far.time_ms)) <=
                                thresholds.value(ThresholdId::tracker_max_speed_kn));
  }
  if (!continues) {
    s.alternations = 1;  // track -> far
    s.chain_start_ms = fix.time_ms;
  } else if (track_heard_between(v, s.far.time_ms, fix.time_ms)) {
    s.alternations += 2;  // far -> track -> far
  }
  s.far = fix;
  s.has_far = true;
  s.track = from;
  s.track_speed_kn = from_speed_kn;

  const auto min_jumps =
      static_cast<std::size_t>(thresholds.value(ThresholdId::spoofing_min_jumps));
  note_time(s.jump_times, fix.time_ms, window_ms, min_jumps);
  s.jumps = s.open ? s.jumps + 1 : static_cast<uint32_t>(s.jump_times.size());
  s.max_implied_kn = std::max(s.max_implied_kn, implied_kn);
  s.max_jump_m = std::max(s.max_jump_m, d);
  s.distance_m = d;
  s.last_ms = std::max(s.last_ms, fix.time_ms);
  if (!s.open && s.evidence.size() >= evidence_kept) s.evidence.erase(s.evidence.begin());
  s.evidence.push_back({v.mmsi, fix.time_ms, fix.lat, fix.lon, std::nullopt, std::nullopt});
  evaluate(v, s, fix.time_ms, context);
}

void SpoofingDetector::count_land(const track::VesselState& v, const Place& fix, Context& context) {
  const ruleset::Thresholds& thresholds = context.rules.thresholds;
  Suspect& s = suspects_[v.mmsi];
  note_time(s.land_times, fix.time_ms, thresholds.milliseconds(ThresholdId::spoofing_window_h),
            static_cast<std::size_t>(thresholds.value(ThresholdId::spoofing_min_land_fixes)));
  s.land_fixes = s.open ? s.land_fixes + 1 : static_cast<uint32_t>(s.land_times.size());
  s.last_ms = std::max(s.last_ms, fix.time_ms);
  if (!s.open && s.evidence.size() >= evidence_kept) s.evidence.erase(s.evidence.begin());
  s.evidence.push_back({v.mmsi, fix.time_ms, fix.lat, fix.lon, std::nullopt, std::nullopt});
  evaluate(v, s, fix.time_ms, context);
}

void SpoofingDetector::evaluate(const track::VesselState& v, Suspect& s, int64_t time_ms,
                                Context& context) {
  const ruleset::Thresholds& thresholds = context.rules.thresholds;
  const auto min_jumps =
      static_cast<std::size_t>(thresholds.value(ThresholdId::spoofing_min_jumps));
  const bool by_jumps = s.jump_times.size() >= min_jumps;
  const bool by_coordinates = s.bad_coordinate_times.size() >= min_jumps;
  const bool by_land = static_cast<double>(s.land_times.size()) >=
                       thresholds.value(ThresholdId::spoofing_min_land_fixes);
  const bool two_places =
      s.alternations >= thresholds.value(ThresholdId::spoofing_collision_min_alternations);
  if (!s.open) {
    if (!by_jumps && !by_coordinates && !by_land && !two_places) return;
    s.open = true;
    s.start_ms = INT64_MAX;
    if (by_jumps) s.start_ms = std::min(s.start_ms, s.jump_times.front());
    if (by_coordinates) s.start_ms = std::min(s.start_ms, s.bad_coordinate_times.front());
    if (by_land) s.start_ms = std::min(s.start_ms, s.land_times.front());
    if (two_places) s.start_ms = std::min(s.start_ms, s.chain_start_ms);
  }
  alert::EpisodeReport r;
  r.key = key_of(v.mmsi, s.start_ms);
  r.time_ms = std::max(time_ms, s.start_ms);
  if (v.position) {
    r.lat = v.position->lat;
    r.lon = v.position->lon;
  } else if (s.has_far) {
    r.lat = s.far.lat;
    r.lon = s.far.lon;
  }
  r.vessel = snapshot_of(v);
  r.evidence = std::move(s.evidence);
  s.evidence.clear();
  r.facts = {{"jumps", static_cast<double>(s.jumps)},
             {"bad_coordinates", static_cast<double>(s.bad_coordinates)},
             {"alternations", static_cast<double>(s.has_far ? s.alternations : 0)},
             {"land_fixes", static_cast<double>(s.land_fixes)},
             {"max_implied_speed_kn", s.max_implied_kn},
             {"max_jump_m", s.max_jump_m},
             {"distance_m", s.distance_m}};
  if (two_places) {
    r.reason = "one MMSI transmits from two places at once";
  } else if (by_land) {
    // Before jumps: a ship shown inland is the plainer statement, and a switch of the reports
    // to a place on land is both.
    r.reason = "reported positions on land";
  } else if (by_jumps || s.jumps >= s.bad_coordinates) {
    r.reason = "reported positions jump impossibly";
  } else {
    r.reason = "reported positions at impossible coordinates";
  }
  context.alerts.report(r);
}

void SpoofingDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms < next_sweep_ms_) return;
  next_sweep_ms_ = watermark_ms + sweep_interval_ms;
  const int64_t window_ms = context.rules.thresholds.milliseconds(ThresholdId::spoofing_window_h);
  // Quiet for window_h: close (in MMSI order, so output does not depend on hashing) and forget.
  std::vector<uint32_t> quiet;
  for (const auto& [mmsi, s] : suspects_)
    if (watermark_ms - s.last_ms > window_ms) quiet.push_back(mmsi);
  std::sort(quiet.begin(), quiet.end());
  for (const uint32_t mmsi : quiet) {
    auto it = suspects_.find(mmsi);
    if (it->second.open)
      context.alerts.close(key_of(mmsi, it->second.start_ms), it->second.last_ms, "stopped");
    suspects_.erase(it);
  }
}

void SpoofingDetector::on_end(int64_t /*watermark_ms*/, Context& /*context*/) {
  // Still open at the end of input: left to the engine, which closes what remains.
  suspects_.clear();
}

// Checkpoint: every suspect whole (its counted fixes, the far track, the open episode and the
// evidence not yet reported) and the next sweep time. Suspects are written in MMSI order for
// deterministic bytes; no output depends on the map's order (the sweep sorts).
void SpoofingDetector::save_state(state::StateWriter& out) const {
  out.section("spof");
  out.put(next_sweep_ms_);
  std::vector<uint32_t> mmsis;
  mmsis.reserve(suspects_.size());
  for (const auto& [mmsi, s] : suspects_) mmsis.push_back(mmsi);
  std::sort(mmsis.begin(), mmsis.end());
  out.put<uint64_t>(mmsis.size());
  for (const uint32_t mmsi : mmsis) {
    const Suspect& s = suspects_.at(mmsi);
    out.put(mmsi);
    put_times(out, s.jump_times);
    put_times(out, s.bad_coordinate_times);
    put_times(out, s.land_times);
    for (const Place* p : {&s.far, &s.track}) {
      out.put(p->time_ms);
      out.put(p->lat);
      out.put(p->lon);
    }
    out.put(s.track_speed_kn);
    out.put(s.has_far);
    out.put(s.chain_start_ms);
    out.put(s.alternations);
    out.put(s.last_ms);
    out.put(s.open);
    out.put(s.start_ms);
    out.put(s.jumps);
    out.put(s.bad_coordinates);
    out.put(s.land_fixes);
    out.put(s.max_implied_kn);
    out.put(s.max_jump_m);
    out.put(s.distance_m);
    out.put<uint64_t>(s.evidence.size());
    for (const alert::Evidence& e : s.evidence) {
      out.put(e.mmsi);
      out.put(e.time_ms);
      out.put(e.lat);
      out.put(e.lon);
      out.put(e.sog);
      out.put(e.cog);
    }
  }
}

void SpoofingDetector::restore_state(state::StateReader& in, Context& /*context*/) {
  constexpr std::size_t max_suspects = std::size_t{1} << 26;
  constexpr std::size_t suspect_bytes =
      4 + 3 * 8 + 2 * 24 + 8 + 1 + 8 + 4 + 8 + 1 + 8 + 3 * 4 + 3 * 8 + 8;
  constexpr std::size_t evidence_bytes = 4 + 8 + 8 + 8 + 1 + 1;
  in.section("spof");
  next_sweep_ms_ = in.get<int64_t>();
  const std::size_t n = in.count(max_suspects, suspect_bytes);
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const auto mmsi = in.get<uint32_t>();
    Suspect s;
    s.jump_times = get_times(in, "jump times");
    s.bad_coordinate_times = get_times(in, "bad coordinate times");
    s.land_times = get_times(in, "land times");
    for (Place* p : {&s.far, &s.track}) {
      p->time_ms = in.get<int64_t>();
      p->lat = in.get<double>();
      p->lon = in.get<double>();
    }
    s.track_speed_kn = in.get<double>();
    s.has_far = in.get<bool>();
    s.chain_start_ms = in.get<int64_t>();
    s.alternations = in.get<uint32_t>();
    s.last_ms = in.get<int64_t>();
    s.open = in.get<bool>();
    s.start_ms = in.get<int64_t>();
    s.jumps = in.get<uint32_t>();
    s.bad_coordinates = in.get<uint32_t>();
    s.land_fixes = in.get<uint32_t>();
    s.max_implied_kn = in.get<double>();
    s.max_jump_m = in.get<double>();
    s.distance_m = in.get<double>();
    // At most evidence_kept while no episode is open, none once one is (each report takes it).
    const std::size_t evidence = in.count(evidence_kept, evidence_bytes);
    s.evidence.reserve(evidence);
    for (std::size_t j = 0; j < evidence && in.ok(); ++j) {
      alert::Evidence e;
      e.mmsi = in.get<uint32_t>();
      e.time_ms = in.get<int64_t>();
      e.lat = in.get<double>();
      e.lon = in.get<double>();
      e.sog = in.get_optional<double>();
      e.cog = in.get_optional<double>();
      s.evidence.push_back(e);
    }
    if (!in.ok()) break;
    if (!suspects_.emplace(mmsi, std::move(s)).second)
      in.fail("spoofing: suspect " + std::to_string(mmsi) + " twice");
  }
}

}  // namespace aiswatch::detect
