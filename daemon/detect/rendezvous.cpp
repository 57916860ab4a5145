#include "detect/rendezvous.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "detect/common.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;
using ruleset::ZoneKind;

constexpr int64_t sweep_interval_ms = 60'000;
// Speed inferred from the track needs this much time between the two fixes (GPS jitter of a few
// metres over seconds would otherwise read as knots), and no more than this (an older point
// says little about the speed now).
constexpr int64_t min_inference_span_ms = 20'000;
constexpr int64_t max_inference_span_ms = 30 * 60'000;
constexpr uint8_t fishing_ship_type = 30;  // ITU-R M.1371-5 Table 53: "fishing"

uint64_t pair_key(uint32_t a, uint32_t b) {
  const uint32_t lo = std::min(a, b), hi = std::max(a, b);
  return (static_cast<uint64_t>(lo) << 32) | hi;
}

bool is_fishing(const track::VesselState& v) {
  return v.statics.ship_type && *v.statics.ship_type == fishing_ship_type;
}

// Checkpoints: a zone id is a rules file's identifier, never this long.
constexpr std::size_t max_zone_id_bytes = 4'096;
// Event times in a checkpoint lie within 2^52 ms (142,000 years) of 1970, so that the
// differences the detector takes cannot overflow; INT64_MIN ("none") where a field allows it.
constexpr int64_t max_abs_time_ms = int64_t{1} << 52;

int64_t get_time(state::StateReader& in, bool none_allowed, const char* field) {
  const int64_t t = in.get<int64_t>();
  if (none_allowed && t == INT64_MIN) return t;
  if (t < -max_abs_time_ms || t > max_abs_time_ms) {
    in.fail(std::string("rendezvous: ") + field + " out of range");
    return 0;
  }
  return t;
}

}  // namespace

RendezvousConfig RendezvousConfig::from(const ruleset::Thresholds& thresholds) {
  return from(thresholds, RendezvousConfig{});
}

RendezvousConfig RendezvousConfig::from(const ruleset::Thresholds& thresholds,
                                        RendezvousConfig base) {
  RendezvousConfig c = base;
  c.max_distance_m = thresholds.value(ThresholdId::rendezvous_max_distance_m);
  c.max_speed_kn = thresholds.value(ThresholdId::rendezvous_max_speed_kn);
  c.provisional_after_ms = thresholds.milliseconds(ThresholdId::rendezvous_provisional_after_min);
  c.confirmed_after_ms = thresholds.milliseconds(ThresholdId::rendezvous_confirmed_after_h);
  c.gap_bridge_ms = thresholds.milliseconds(ThresholdId::rendezvous_gap_bridge_min);
  c.episode_merge_ms = thresholds.milliseconds(ThresholdId::rendezvous_episode_merge_h);
  return c;
}

std::optional<double> vessel_speed_knots(const track::VesselState& vessel) {
  if (!vessel.position) return std::nullopt;
  if (vessel.position->speed_knots) return static_cast<double>(*vessel.position->speed_knots);
  const std::size_t n = vessel.track_size();
  if (n < 2) return std::nullopt;
  const track::TrackPoint& newest = vessel.track_back();
  for (std::size_t i = 0; i + 1 < n; ++i) {  // oldest first: the longest usable span
    const track::TrackPoint& p = vessel.track_at(i);
    const int64_t span = newest.time_ms - p.time_ms;
    if (span > max_inference_span_ms) continue;
    if (span < min_inference_span_ms) break;
    return track::implied_knots(track::haversine_m(p.lat, p.lon, newest.lat, newest.lon), span);
  }
  return std::nullopt;
}

RendezvousDetector::RendezvousDetector(const ruleset::Thresholds& thresholds)
    : RendezvousDetector(RendezvousConfig::from(thresholds)) {}

RendezvousDetector::RendezvousDetector(const ruleset::Ruleset& rules)
    : RendezvousDetector(rules.thresholds) {}

void RendezvousDetector::on_rules(const ruleset::Ruleset& rules) {
  config_ = RendezvousConfig::from(rules.thresholds, config_);
}

RendezvousDetector::RendezvousDetector(RendezvousConfig config) : config_(config) {
  pairs_.reserve(std::min<std::size_t>(config_.max_pairs, 4'096));
  candidates_.reserve(64);
  report_.evidence.reserve(2);
  report_.facts.reserve(4);
  report_.key.type = aiswatch::v1::ALERT_TYPE_RENDEZVOUS;
}

void RendezvousDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  // Late fixes are behind the neighbours' current positions: comparing them would invent or
  // miss contacts. A pair's contact is judged on fresh fixes only.
  if (u.vessel == nullptr || u.late || (u.changes & track::change_position) == 0) return;
  const track::VesselState& a = *u.vessel;
  if (!a.position) return;
  const std::optional<double> speed_a = vessel_speed_knots(a);
  const double drift_limit = config_.max_speed_kn + config_.drift_allowance_kn;
  if (!speed_a || *speed_a >= drift_limit) return;
  const int64_t t = a.position->time_ms;

  candidates_.clear();
  context.tracker.for_each_neighbour(
      a.position->lat, a.position->lon, config_.max_distance_m,
      [&](const track::VesselState& v, double metres) {
        if (v.mmsi == a.mmsi) return;
        const int64_t age = t - v.position->time_ms;
        if (age > config_.max_fix_age_ms || age < -config_.max_fix_age_ms) return;
        candidates_.push_back({&v, metres});
      });
  for (const Candidate& c : candidates_) {
    const std::optional<double> speed_b = vessel_speed_knots(*c.vessel);
    if (!speed_b) continue;
    const bool both_slow = *speed_a < config_.max_speed_kn && *speed_b < config_.max_speed_kn;
    const bool drifting_together =
        *speed_b < drift_limit && std::fabs(*speed_a - *speed_b) < config_.co_movement_kn;
    if (both_slow || drifting_together) {
      contact(a, *c.vessel, c.distance_m, observation.zones, t, context);
    }
  }
}

void RendezvousDetector::contact(const track::VesselState& a, const track::VesselState& b,
                                 double distance_m, const ruleset::ZoneMatches& a_zones, int64_t t,
                                 Context& context) {
  const ruleset::ZoneMatches b_zones =
      context.rules.zones.zones_containing(b.position->lat, b.position->lon);
  const bool watched = a_zones.any(ZoneKind::watch) || b_zones.any(ZoneKind::watch);
  if (!watched && sheltered(a_zones) && sheltered(b_zones)) {
    ++stats_.suppressed_zone;
    return;
  }
  const uint64_t key = pair_key(a.mmsi, b.mmsi);
  auto it = pairs_.find(key);
  if (it == pairs_.end()) {
    if (pairs_.size() >= config_.max_pairs) {
      ++stats_.pairs_refused;
      return;
    }
    it = pairs_.emplace(key, Pair{}).first;
    Pair& p = it->second;
    p.episode_start_ms = p.run_start_ms = p.last_contact_ms = t;
  } else {
    Pair& p = it->second;
    if (t - p.last_contact_ms > config_.episode_merge_ms) {
      // The watermark sweep normally ends an episode first; this covers a sweep not yet run.
      if (p.reported) {
        context.alerts.close(key_of(key, p), p.last_contact_ms, "parted");
        ++stats_.closed;
      }
      p = Pair{};
      p.episode_start_ms = p.run_start_ms = p.last_contact_ms = t;
    } else if (t > p.last_contact_ms) {
      const int64_t gap = t - p.last_contact_ms;
      if (gap <= config_.gap_bridge_ms) {
        p.contact_ms += gap;
      } else {
        p.run_start_ms = t;  // a new contact of the same episode
      }
      p.last_contact_ms = t;
    }
  }
  ++stats_.contacts;
  Pair& p = it->second;
  const double mid_lat = 0.5 * (a.position->lat + b.position->lat);
  const double mid_lon = 0.5 * (a.position->lon + b.position->lon);
  if (p.last_sample_ms == INT64_MIN || t - p.last_sample_ms >= config_.fleet_sample_ms) {
    p.last_sample_ms = t;
    ++p.samples;
    ++stats_.fleet_samples;
    if (clustered(a, b, mid_lat, mid_lon, t, context)) ++p.clustered;
  }
  if (p.contact_ms < config_.provisional_after_ms) return;
  if (2u * p.clustered >= p.samples) {
    ++stats_.fleet_suppressed;
    return;
  }
  if (!p.reported) {
    // The zone is fixed with the key at the first report: the primary's watch zone, if any.
    const ruleset::ZoneMatches& primary_zones = a.mmsi < b.mmsi ? a_zones : b_zones;
    const ruleset::Zone* watch = primary_zones.first(ZoneKind::watch);
    p.zone_id = watch != nullptr ? watch->id : std::string();
  }
  report(p, a.mmsi < b.mmsi ? a : b, a.mmsi < b.mmsi ? b : a, distance_m, t, context);
}

bool RendezvousDetector::clustered(const track::VesselState& a, const track::VesselState& b,
                                   double mid_lat, double mid_lon, int64_t t,
                                   const Context& context) const {
  unsigned others = 0;
  const double drift_limit = config_.max_speed_kn + config_.drift_allowance_kn;
  context.tracker.for_each_neighbour(
      mid_lat, mid_lon, config_.fleet_radius_m, [&](const track::VesselState& v, double) {
        if (v.mmsi == a.mmsi || v.mmsi == b.mmsi) return;
        const int64_t age = t - v.position->time_ms;
        if (age > config_.max_fix_age_ms || age < -config_.max_fix_age_ms) return;
        const std::optional<double> speed = vessel_speed_knots(v);
        if (speed && *speed < drift_limit) ++others;
      });
  if (others > config_.fleet_min_others) return true;
  return is_fishing(a) && is_fishing(b) && others > 1;
}

alert::EpisodeKey RendezvousDetector::key_of(uint64_t pair_key_value, const Pair& pair) const {
  alert::EpisodeKey key;
  key.type = aiswatch::v1::ALERT_TYPE_RENDEZVOUS;
  key.mmsi = static_cast<uint32_t>(pair_key_value >> 32);
  key.counterpart_mmsi = static_cast<uint32_t>(pair_key_value & 0xFFFF'FFFFu);
  key.zone_id = pair.zone_id;
  key.start_time_ms = pair.episode_start_ms;
  return key;
}

void RendezvousDetector::report(Pair& pair, const track::VesselState& primary,
                                const track::VesselState& counterpart, double distance_m, int64_t t,
                                Context& context) {
  const bool confirmed = pair.contact_ms >= config_.confirmed_after_ms;
  const bool first = !pair.reported;
  if (!first && confirmed == pair.confirmed && t - pair.last_report_ms < config_.report_interval_ms)
    return;
  pair.reported = true;
  pair.confirmed = confirmed;
  pair.last_report_ms = t;
  if (first) ++stats_.opened;

  alert::EpisodeReport& r = report_;
  r.key.type = aiswatch::v1::ALERT_TYPE_RENDEZVOUS;
  r.key.mmsi = primary.mmsi;
  r.key.counterpart_mmsi = counterpart.mmsi;
  r.key.zone_id.assign(pair.zone_id);
  r.key.start_time_ms = pair.episode_start_ms;
  r.phase = confirmed ? aiswatch::v1::PHASE_CONFIRMED : aiswatch::v1::PHASE_PROVISIONAL;
  r.time_ms = t;
  r.lat = 0.5 * (primary.position->lat + counterpart.position->lat);
  r.lon = 0.5 * (primary.position->lon + counterpart.position->lon);
  snapshot(primary, r.vessel);
  if (!r.counterpart) r.counterpart.emplace();
  snapshot(counterpart, *r.counterpart);
  r.evidence.clear();
  r.evidence.push_back(evidence_of(primary));
  r.evidence.push_back(evidence_of(counterpart));
  r.facts.resize(2);
  r.facts[0].name.assign("distance_m");
  r.facts[0].value = distance_m;
  r.facts[1].name.assign("contact_duration_s");
  r.facts[1].value = static_cast<double>(pair.contact_ms) / 1e3;
  r.reason.assign(confirmed ? "two slow vessels in contact for the confirmation time"
                            : "two slow vessels in contact for the provisional time");
  context.alerts.report(r);
}

void RendezvousDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (last_sweep_ms_ != INT64_MIN && watermark_ms - last_sweep_ms_ < sweep_interval_ms) return;
  last_sweep_ms_ = watermark_ms;
  // Collected and sorted so that closing order (hence output order) never depends on hash-map
  // iteration order.
  std::vector<std::pair<uint64_t, int64_t>> expired;
  for (const auto& [key, pair] : pairs_) {
    if (watermark_ms - pair.last_contact_ms > config_.episode_merge_ms) {
      expired.emplace_back(key, pair.last_contact_ms);
    }
  }
  if (expired.empty()) return;
  std::sort(expired.begin(), expired.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second < y.second : x.first < y.first;
  });
  for (const auto& [key, last] : expired) {
    auto it = pairs_.find(key);
    if (it->second.reported) {
      context.alerts.close(key_of(key, it->second), last, "parted");
      ++stats_.closed;
    }
    pairs_.erase(it);
  }
}

void RendezvousDetector::save_state(state::StateWriter& out) const {
  out.section("rdvz");
  out.put(last_sweep_ms_);
  // In key order: the same state gives the same bytes.
  std::vector<uint64_t> keys;
  keys.reserve(pairs_.size());
  for (const auto& entry : pairs_) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  out.put<uint64_t>(keys.size());
  for (const uint64_t key : keys) {
    const Pair& p = pairs_.at(key);
    out.put(key);
    out.put(p.episode_start_ms);
    out.put(p.run_start_ms);
    out.put(p.last_contact_ms);
    out.put(p.contact_ms);
    out.put(p.last_sample_ms);
    out.put(p.last_report_ms);
    out.put(p.samples);
    out.put(p.clustered);
    out.put(p.reported);
    out.put(p.confirmed);
    out.put_string(p.zone_id);
  }
}

// The pairs are read in key order; no alert depends on the map's iteration order (the sweep
// sorts what it closes), so the restored map behaves as the saved one.
void RendezvousDetector::restore_state(state::StateReader& in, Context& /*context*/) {
  in.section("rdvz");
  last_sweep_ms_ = get_time(in, true, "last sweep");
  // Per pair: 8 bytes of key, 6 times, 2 counts, 2 flags, a zone id's length.
  constexpr std::size_t pair_bytes = 8 + 6 * 8 + 2 * 4 + 2 + 8;
  const std::size_t n = in.count(config_.max_pairs, pair_bytes);
  pairs_.clear();
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const uint64_t key = in.get<uint64_t>();
    Pair p;
    p.episode_start_ms = get_time(in, false, "episode start");
    p.run_start_ms = get_time(in, false, "run start");
    p.last_contact_ms = get_time(in, false, "last contact");
    p.contact_ms = get_time(in, false, "contact time");
    p.last_sample_ms = get_time(in, true, "last sample");
    p.last_report_ms = get_time(in, true, "last report");
    p.samples = in.get<uint32_t>();
    p.clustered = in.get<uint32_t>();
    p.reported = in.get<bool>();
    p.confirmed = in.get<bool>();
    p.zone_id = in.get_string(max_zone_id_bytes);
    if (!in.ok()) break;
    // The key is (lower mmsi << 32) | higher mmsi of two different vessels.
    if ((key >> 32) >= (key & 0xFFFF'FFFFu)) {
      in.fail("rendezvous: a pair key whose MMSIs are not in increasing order");
    } else if (p.contact_ms < 0 || p.clustered > p.samples) {
      in.fail("rendezvous: a pair with a negative contact time or more clustered than samples");
    } else if (p.reported && p.last_report_ms == INT64_MIN) {
      in.fail("rendezvous: a pair reported without the time of its report");
    } else if (!pairs_.emplace(key, std::move(p)).second) {
      in.fail("rendezvous: a pair saved twice");
    }
  }
}

}  // namespace aiswatch::detect
