#include "detect/dark_rendezvous.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "detect/common.h"
#include "detect/loitering.h"
#include "detect/reception.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;

constexpr int64_t tick_interval_ms = 5 * 60'000;
constexpr int64_t visible_fresh_ms = 30 * 60'000;    // V heard this recently is visible
// A slow run is judged as the loitering detector judges it: its hysteresis, gap and speed
// inference.
constexpr LoiteringConfig slow_run;
// Others silent within this of t_off fell silent with it; others heard this long after t_off
// prove the area was still received.
constexpr int64_t reception_window_ms = 3'600'000;
constexpr unsigned min_neighbours_heard = 1;
// A dark vessel under way last heard steering more than this off the bearing to the loitering
// one was not going there: on its course it would pass 7 km off at 20 km (simulated traffic:
// at 90 and 45 degrees, ships drifting dark for other reasons were linked by chance).
constexpr double max_course_offset_deg = 20.0;
// ... judged for a vessel last heard farther than this from the loitering one: closer, a ship
// manoeuvring to come alongside may point anywhere.
constexpr double heading_judged_beyond_m = 3'000.0;

// Initial great-circle bearing from 1 to 2, degrees true [0, 360).
double bearing_deg(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * track::degrees_to_radians, p2 = lat2 * track::degrees_to_radians;
  const double dl = (lon2 - lon1) * track::degrees_to_radians;
  const double y = std::sin(dl) * std::cos(p2);
  const double x = std::cos(p1) * std::sin(p2) - std::sin(p1) * std::cos(p2) * std::cos(dl);
  const double b = std::atan2(y, x) / track::degrees_to_radians;
  return b < 0 ? b + 360.0 : b;
}

// Checkpoints. Event times lie within 2^52 ms (142,000 years) of 1970, so that the differences
// the detector takes cannot overflow; INT64_MIN ("none") where a field allows it.
constexpr int64_t max_abs_time_ms = int64_t{1} << 52;
// More dark vessels, links or vessels to reconsider than any feed has vessels: corrupt.
constexpr std::size_t max_entries = std::size_t{1} << 26;

int64_t get_time(state::StateReader& in, bool none_allowed, const char* field) {
  const int64_t t = in.get<int64_t>();
  if (none_allowed && t == INT64_MIN) return t;
  if (t < -max_abs_time_ms || t > max_abs_time_ms) {
    in.fail(std::string("dark rendezvous: ") + field + " out of range");
    return 0;
  }
  return t;
}

bool valid_position(double lat, double lon) {
  return std::isfinite(lat) && std::isfinite(lon) && std::fabs(lat) <= 90.0 &&
         std::fabs(lon) <= 180.0;
}

bool valid_optional(const std::optional<float>& value) { return !value || std::isfinite(*value); }

// Milliseconds to cover `metres` at `knots`.
int64_t travel_ms(double metres, double knots) {
  return static_cast<int64_t>(metres / track::metres_per_nautical_mile / knots * 3'600'000.0);
}

alert::Evidence point(uint32_t mmsi, int64_t time_ms, double lat, double lon) {
  alert::Evidence e;
  e.mmsi = mmsi;
  e.time_ms = time_ms;
  e.lat = lat;
  e.lon = lon;
  return e;
}

}  // namespace

DarkRendezvousDetector::SlotState& DarkRendezvousDetector::slot_state(uint32_t slot,
                                                                      const Context& context) {
  if (slot >= slots_.size())
    slots_.resize(std::max<std::size_t>(context.tracker.slot_count(), slot + 1u));
  return slots_[slot];
}

alert::EpisodeKey DarkRendezvousDetector::key_of(const LinkKey& key, const Link& link) const {
  return {aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS, key.first, key.second, "", link.start_ms};
}

void DarkRendezvousDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  if (u.vessel == nullptr) return;
  const track::VesselState& v = *u.vessel;
  SlotState& s = slot_state(context.tracker.slot_of(v), context);
  if ((u.changes & track::change_new_vessel) != 0) s = SlotState{};
  if (s.dark && u.counts_as_heard()) {
    auto it = dark_.find(v.mmsi);
    if (it == dark_.end()) {
      s.dark = false;
    } else if (u.event_time_ms > it->second.t_off_ms) {
      if (u.late) {
        // It transmitted during the supposed silence: no silence to link.
        drop_dark(v.mmsi, u.event_time_ms, "heard late", context);
        if (v.last_heard_ms == u.event_time_ms && v.last_heard_ms < cursor_ms_)
          reconsider_.push_back(v.mmsi);
      } else if ((u.changes & track::change_position) != 0 && v.position) {
        const Dark d = it->second;
        reappeared(v, d, context);
      }
      // A report without a position: the first position after the silence will decide.
    }
  }
  if (u.late || (u.changes & track::change_position) == 0 || !v.position) return;
  const int64_t now = v.position->time_ms;
  if (s.slow_since_ms != none && now - u.previous_last_heard_ms > slow_run.max_gap_ms)
    s.slow_since_ms = none;  // a reception gap ends the run
  const std::optional<double> speed = current_speed_knots(v, slow_run.min_infer_interval_ms);
  if (!speed) return;  // unknown is not slow
  if (*speed < context.rules.thresholds.value(ThresholdId::loitering_max_speed_kn)) {
    if (s.slow_since_ms == none) {
      s.slow_since_ms = now;
      s.anchor_lat = static_cast<float>(v.position->lat);
      s.anchor_lon = static_cast<float>(v.position->lon);
    }
    s.fast_since_ms = none;
    s.at_sea = !suppressed(observation.zones);
  } else if (s.slow_since_ms != none) {
    if (s.fast_since_ms == none) s.fast_since_ms = now;
    if (now - s.fast_since_ms >= slow_run.fast_hysteresis_ms)
      s.slow_since_ms = s.fast_since_ms = none;
  }
}

void DarkRendezvousDetector::add_dark(const track::VesselState& v, int64_t watermark_ms,
                                      Context& context) {
  if (!v.position || dark_.contains(v.mmsi)) return;
  const int64_t min_silence =
      context.rules.thresholds.milliseconds(ThresholdId::dark_rendezvous_min_silence_h);
  if (watermark_ms - v.last_heard_ms < min_silence) return;
  if (suppressed(context.rules.zones.zones_containing(v.position->lat, v.position->lon))) return;
  Dark d;
  d.t_off_ms = v.last_heard_ms;
  d.lat = v.position->lat;
  d.lon = v.position->lon;
  // A transponder that reports no speed still shows how fast it went on its track: without
  // that, a ship steaming away could not be told from one stopped (found in simulated traffic).
  if (const std::optional<double> speed = current_speed_knots(v, slow_run.min_infer_interval_ms))
    d.sog = static_cast<float>(*speed);
  d.cog = v.position->course_deg;
  d.slot = context.tracker.slot_of(v);
  dark_.emplace(v.mmsi, d);
  slot_state(d.slot, context).dark = true;
  find_dark_partner(v.mmsi, d, watermark_ms, context);
}

void DarkRendezvousDetector::find_dark_partner(uint32_t mmsi, const Dark& d, int64_t watermark_ms,
                                               Context& context) {
  const ruleset::Thresholds& th = context.rules.thresholds;
  const double pair_m = th.value(ThresholdId::dark_rendezvous_pair_max_distance_km) * 1'000.0;
  const int64_t pair_interval = th.milliseconds(ThresholdId::dark_rendezvous_pair_max_interval_h);
  std::vector<std::pair<uint32_t, double>> partners;  // in dark_, close in time
  context.tracker.for_each_neighbour(
      d.lat, d.lon, pair_m, [&](const track::VesselState& other, double metres) {
        if (other.mmsi == mmsi) return;
        const uint32_t slot = context.tracker.slot_of(other);
        if (slot >= slots_.size() || !slots_[slot].dark) return;
        auto it = dark_.find(other.mmsi);
        if (it == dark_.end() || std::llabs(it->second.t_off_ms - d.t_off_ms) > pair_interval)
          return;
        partners.emplace_back(other.mmsi, metres);
      });
  std::sort(partners.begin(), partners.end());
  const double radius_m = th.value(ThresholdId::dark_period_reception_radius_km) * 1'000.0;
  const double max_kn = th.value(ThresholdId::dark_rendezvous_max_speed_kn);
  for (const auto& [other_mmsi, metres] : partners) {
    const Dark& p = dark_.at(other_mmsi);
    const LinkKey key{std::min(mmsi, other_mmsi), std::max(mmsi, other_mmsi)};
    if (links_.contains(key)) continue;
    const double mid_lat = 0.5 * (d.lat + p.lat), mid_lon = 0.5 * (d.lon + p.lon);
    const int64_t first_off = std::min(d.t_off_ms, p.t_off_ms);
    const int64_t last_off = std::max(d.t_off_ms, p.t_off_ms);
    const Surroundings around =
        surroundings(context.tracker, context.rules.zones, mid_lat, mid_lon, radius_m, mmsi,
                     other_mmsi, first_off, reception_window_ms, last_off + reception_window_ms);
    if (around.heard_since < min_neighbours_heard || around.looks_like_reception_hole()) continue;
    const track::VesselState* lo = context.tracker.find(key.first);
    const track::VesselState* hi = context.tracker.find(key.second);
    if (lo == nullptr || hi == nullptr) continue;
    Link link;
    link.both_dark = true;
    link.start_ms = first_off;
    link.meet_lat = mid_lat;
    link.meet_lon = mid_lon;
    links_.emplace(key, link);

    alert::EpisodeReport r;
    r.key = key_of(key, link);
    r.phase = aiswatch::v1::PHASE_PROVISIONAL;
    r.time_ms = watermark_ms;
    r.lat = mid_lat;
    r.lon = mid_lon;
    r.vessel = snapshot_of(*lo);
    r.counterpart = snapshot_of(*hi);
    r.evidence = {evidence_of(*lo), evidence_of(*hi)};
    r.facts = {{"distance_m", metres},
               {"interval_s", static_cast<double>(last_off - first_off) / 1000.0},
               {"silence_s", static_cast<double>(watermark_ms - last_off) / 1000.0},
               {"neighbours_heard", static_cast<double>(around.heard_since)},
               {"max_speed_kn", max_kn}};
    r.reason =
        "both vessels went dark at sea close together, while vessels around them were "
        "still heard";
    context.alerts.report(r);
  }
}

void DarkRendezvousDetector::find_loiterers(uint32_t mmsi, const Dark& d, int64_t watermark_ms,
                                            Context& context) {
  const ruleset::Thresholds& th = context.rules.thresholds;
  const double max_m = th.value(ThresholdId::dark_rendezvous_max_distance_km) * 1'000.0;
  const double max_kn = th.value(ThresholdId::dark_rendezvous_max_speed_kn);
  const int64_t min_loiter = th.milliseconds(ThresholdId::dark_rendezvous_min_loiter_h);
  const int64_t max_wait = th.milliseconds(ThresholdId::dark_rendezvous_max_wait_h);
  const double slow_kn = th.value(ThresholdId::loitering_max_speed_kn);
  struct Candidate {
    const track::VesselState* v;
    double metres;
    int64_t slow_since_ms;
    double course_offset;  // -1: not judged (close, slow, or no course)
  };
  std::vector<Candidate> candidates;
  context.tracker.for_each_neighbour(
      d.lat, d.lon, max_m, [&](const track::VesselState& v, double metres) {
        if (v.mmsi == mmsi || watermark_ms - v.last_heard_ms > visible_fresh_ms) return;
        const uint32_t slot = context.tracker.slot_of(v);
        if (slot >= slots_.size()) return;
        const SlotState& s = slots_[slot];
        if (s.dark || !s.at_sea || s.slow_since_ms == none || s.fast_since_ms != none) return;
        const int64_t loiter_end = v.position->time_ms;
        if (loiter_end - s.slow_since_ms < min_loiter) return;
        // The meeting window: D there at the earliest after its trip, V idle until now.
        const int64_t arrival = d.t_off_ms + travel_ms(metres, max_kn);
        if (loiter_end - std::max(arrival, s.slow_since_ms) < min_loiter) return;
        // ... and V already waiting, or about to, when D could first be there.
        if (s.slow_since_ms - arrival > max_wait) return;
        double offset = -1.0;
        if (metres > heading_judged_beyond_m && d.sog && *d.sog >= slow_kn && d.cog) {
          offset = std::fabs(bearing_deg(d.lat, d.lon, v.position->lat, v.position->lon) -
                             static_cast<double>(*d.cog));
          if (offset > 180.0) offset = 360.0 - offset;
          if (offset > max_course_offset_deg) return;  // steaming away from it
        }
        if (links_.contains({mmsi, v.mmsi})) return;
        candidates.push_back({&v, metres, s.slow_since_ms, offset});
      });
  if (candidates.empty()) return;
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.v->mmsi < b.v->mmsi; });
  const double radius_m = th.value(ThresholdId::dark_period_reception_radius_km) * 1'000.0;
  const Surroundings around =
      surroundings(context.tracker, context.rules.zones, d.lat, d.lon, radius_m, mmsi, 0,
                   d.t_off_ms, reception_window_ms, d.t_off_ms + reception_window_ms);
  if (around.heard_since < min_neighbours_heard || around.looks_like_reception_hole()) return;
  const track::VesselState* dv = context.tracker.find(mmsi);
  if (dv == nullptr) return;
  for (const Candidate& c : candidates) {
    const track::VesselState& v = *c.v;
    const SlotState& s = slots_[context.tracker.slot_of(v)];
    Link link;
    link.start_ms = d.t_off_ms;
    link.meet_lat = v.position->lat;
    link.meet_lon = v.position->lon;
    link.partner_from_ms = c.slow_since_ms;
    link.partner_until_ms = v.position->time_ms;
    const LinkKey key{mmsi, v.mmsi};
    links_.emplace(key, link);
    // The speed D needs to reach V's spot and still lie alongside for min_loiter.
    const int64_t available = v.position->time_ms - min_loiter - d.t_off_ms;
    const double required_kn = track::implied_knots(c.metres, available);

    alert::EpisodeReport r;
    r.key = key_of(key, link);
    r.phase = aiswatch::v1::PHASE_PROVISIONAL;
    r.time_ms = watermark_ms;
    r.lat = link.meet_lat;
    r.lon = link.meet_lon;
    r.vessel = snapshot_of(*dv);
    r.counterpart = snapshot_of(v);
    r.evidence = {evidence_of(*dv), point(v.mmsi, c.slow_since_ms, s.anchor_lat, s.anchor_lon),
                  evidence_of(v)};
    r.facts = {{"distance_m", c.metres},
               {"silence_s", static_cast<double>(watermark_ms - d.t_off_ms) / 1000.0},
               {"loiter_s", static_cast<double>(v.position->time_ms - c.slow_since_ms) / 1000.0},
               {"required_speed_kn", required_kn},
               {"neighbours_heard", static_cast<double>(around.heard_since)}};
    if (c.course_offset >= 0) r.facts.push_back({"course_offset_deg", c.course_offset});
    r.reason = "went dark at sea within reach of a vessel loitering there";
    context.alerts.report(r);
  }
}

void DarkRendezvousDetector::reappeared(const track::VesselState& v, const Dark& d,
                                        Context& context) {
  const ruleset::Thresholds& th = context.rules.thresholds;
  const double max_kn = th.value(ThresholdId::dark_rendezvous_max_speed_kn);
  const int64_t min_loiter = th.milliseconds(ThresholdId::dark_rendezvous_min_loiter_h);
  const int64_t t1 = v.position->time_ms;
  std::vector<LinkKey> mine;
  for (const auto& [key, link] : links_)
    if (key.first == v.mmsi || key.second == v.mmsi) mine.push_back(key);
  for (const LinkKey& key : mine) {
    Link& link = links_.at(key);
    const uint32_t partner = key.first == v.mmsi ? key.second : key.first;
    int64_t from = link.partner_from_ms, until = link.partner_until_ms;
    if (link.both_dark) {
      auto p = dark_.find(partner);
      if (p != dark_.end()) {
        const double dp =
            track::haversine_m(p->second.lat, p->second.lon, link.meet_lat, link.meet_lon);
        from = p->second.t_off_ms + travel_ms(dp, max_kn);
      }
      until = t1;  // still dark (else it would have decided already)
    } else if (const track::VesselState* pv = context.tracker.find(partner); pv != nullptr) {
      // V still in the slow run that was linked: it loitered until now.
      const uint32_t slot = context.tracker.slot_of(*pv);
      if (slot < slots_.size() && slots_[slot].slow_since_ms == link.partner_from_ms &&
          pv->position)
        until = std::max(until, pv->position->time_ms);
    }
    const double d1 = track::haversine_m(d.lat, d.lon, link.meet_lat, link.meet_lon);
    const double d2 =
        track::haversine_m(link.meet_lat, link.meet_lon, v.position->lat, v.position->lon);
    const int64_t window_start = std::max(d.t_off_ms + travel_ms(d1, max_kn), from);
    const int64_t window_end = std::min(t1 - travel_ms(d2, max_kn), until);
    const alert::EpisodeKey ekey = key_of(key, link);
    if (window_end - window_start >= min_loiter) {
      alert::EpisodeReport r;
      r.key = ekey;
      r.phase = aiswatch::v1::PHASE_CONFIRMED;
      r.time_ms = t1;
      r.lat = link.meet_lat;
      r.lon = link.meet_lon;
      const track::VesselState* a = context.tracker.find(key.first);
      const track::VesselState* b = context.tracker.find(key.second);
      if (a != nullptr) r.vessel = snapshot_of(*a);
      if (b != nullptr) r.counterpart = snapshot_of(*b);
      r.evidence = {evidence_of(v)};
      r.facts = {{"silence_s", static_cast<double>(t1 - d.t_off_ms) / 1000.0},
                 {"distance_m", d1},
                 {"reappearance_distance_m", d2},
                 {"meeting_window_s", static_cast<double>(window_end - window_start) / 1000.0}};
      r.reason = "reappeared where a meeting during the silence fits";
      context.alerts.report(r);
      context.alerts.close(ekey, t1, "reappeared: meeting fits");
    } else {
      char reason[200];
      std::snprintf(reason, sizeof reason,
                    "reappeared out of reach: %.0f km from the meeting point after %.1f h dark, "
                    "no stop of %.1f h fits at %.0f kn",
                    d2 / 1'000.0, static_cast<double>(t1 - d.t_off_ms) / 3'600'000.0,
                    static_cast<double>(min_loiter) / 3'600'000.0, max_kn);
      context.alerts.close(ekey, t1, reason);
    }
    links_.erase(key);
  }
  drop_dark(v.mmsi, t1, "reappeared", context);
}

void DarkRendezvousDetector::drop_dark(uint32_t mmsi, int64_t time_ms, std::string_view reason,
                                       Context& context) {
  auto it = dark_.find(mmsi);
  if (it == dark_.end()) return;
  for (auto l = links_.begin(); l != links_.end();) {
    if (l->first.first == mmsi || l->first.second == mmsi) {
      context.alerts.close(key_of(l->first, l->second), time_ms, reason);
      l = links_.erase(l);
    } else {
      ++l;
    }
  }
  const track::VesselState* v = context.tracker.find(mmsi);
  if (v != nullptr && context.tracker.slot_of(*v) == it->second.slot &&
      it->second.slot < slots_.size())
    slots_[it->second.slot].dark = false;
  dark_.erase(it);
}

void DarkRendezvousDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms < next_tick_ms_) return;
  next_tick_ms_ = watermark_ms + tick_interval_ms;
  const track::Tracker& tracker = context.tracker;
  const int64_t to =
      watermark_ms -
      context.rules.thresholds.milliseconds(ThresholdId::dark_rendezvous_min_silence_h) + 1;
  for (uint32_t mmsi : reconsider_)
    if (const track::VesselState* v = tracker.find(mmsi); v != nullptr && v->last_heard_ms < to)
      add_dark(*v, watermark_ms, context);
  reconsider_.clear();
  if (to > cursor_ms_) {
    tracker.for_each_last_heard_in(
        cursor_ms_, to, [&](const track::VesselState& v) { add_dark(v, watermark_ms, context); });
    cursor_ms_ = to;
  }
  // The tracker forgets vessels silent past its horizon; a dark vessel heard again without a
  // position for as long is given up too.
  const int64_t horizon = watermark_ms - tracker.config().eviction_horizon_ms;
  std::vector<uint32_t> expired;
  for (const auto& [mmsi, d] : dark_)
    if (d.t_off_ms < horizon) expired.push_back(mmsi);
  for (uint32_t mmsi : expired) drop_dark(mmsi, watermark_ms, "silent past horizon", context);
  for (const auto& [mmsi, d] : dark_) {
    const track::VesselState* v = tracker.find(mmsi);
    if (v == nullptr || v->last_heard_ms != d.t_off_ms) continue;  // heard, no position yet
    find_loiterers(mmsi, d, watermark_ms, context);
  }
}

void DarkRendezvousDetector::on_end(int64_t /*watermark_ms*/, Context& /*context*/) {
  // Still dark at the end of input: left open (the engine closes what remains).
  dark_.clear();
  links_.clear();
  for (SlotState& s : slots_) s.dark = false;
}

void DarkRendezvousDetector::save_state(state::StateWriter& out) const {
  out.section("dkrv");
  out.put(cursor_ms_);
  out.put(next_tick_ms_);
  out.put<uint64_t>(slots_.size());
  for (const SlotState& s : slots_) {
    out.put(s.slow_since_ms);
    out.put(s.fast_since_ms);
    out.put(s.anchor_lat);
    out.put(s.anchor_lon);
    out.put(s.at_sea);
    out.put(s.dark);
  }
  out.put<uint64_t>(dark_.size());
  for (const auto& [mmsi, d] : dark_) {
    out.put(mmsi);
    out.put(d.t_off_ms);
    out.put(d.lat);
    out.put(d.lon);
    out.put(d.sog);
    out.put(d.cog);
    out.put(d.slot);
  }
  out.put<uint64_t>(links_.size());
  for (const auto& [key, link] : links_) {
    out.put(key.first);
    out.put(key.second);
    out.put(link.both_dark);
    out.put(link.start_ms);
    out.put(link.meet_lat);
    out.put(link.meet_lon);
    out.put(link.partner_from_ms);
    out.put(link.partner_until_ms);
  }
  // In the order heard: add_dark takes them in this order, and the first of two to turn dark
  // is the one that finds the other.
  out.put<uint64_t>(reconsider_.size());
  for (const uint32_t mmsi : reconsider_) out.put(mmsi);
}

void DarkRendezvousDetector::restore_state(state::StateReader& in, Context& context) {
  in.section("dkrv");
  cursor_ms_ = get_time(in, true, "cursor");
  next_tick_ms_ = get_time(in, true, "next tick");
  const std::size_t slot_count = context.tracker.slot_count();
  // Per slot: 2 times, 2 coordinates, 2 flags.
  const std::size_t slots = in.count(slot_count, 2 * 8 + 2 * 4 + 2);
  slots_.assign(slots, SlotState{});
  for (std::size_t i = 0; i < slots && in.ok(); ++i) {
    SlotState& s = slots_[i];
    s.slow_since_ms = get_time(in, true, "slow since");
    s.fast_since_ms = get_time(in, true, "fast since");
    s.anchor_lat = in.get<float>();
    s.anchor_lon = in.get<float>();
    s.at_sea = in.get<bool>();
    s.dark = in.get<bool>();
    if (in.ok() && !valid_position(s.anchor_lat, s.anchor_lon))
      in.fail("dark rendezvous: a slow run's anchor out of range");
  }
  dark_.clear();
  // Per dark vessel: mmsi, time, 2 coordinates, 2 absent optionals, slot.
  const std::size_t n_dark = in.count(max_entries, 4 + 8 + 2 * 8 + 2 + 4);
  for (std::size_t i = 0; i < n_dark && in.ok(); ++i) {
    const uint32_t mmsi = in.get<uint32_t>();
    Dark d;
    d.t_off_ms = get_time(in, false, "t_off");
    d.lat = in.get<double>();
    d.lon = in.get<double>();
    d.sog = in.get_optional<float>();
    d.cog = in.get_optional<float>();
    d.slot = in.get<uint32_t>();
    if (!in.ok()) break;
    if (!valid_position(d.lat, d.lon) || !valid_optional(d.sog) || !valid_optional(d.cog)) {
      in.fail("dark rendezvous: a dark vessel's position, speed or course out of range");
    } else if (d.slot >= slot_count) {
      in.fail("dark rendezvous: a dark vessel's slot beyond the tracker's");
    } else if (!dark_.empty() && mmsi <= dark_.rbegin()->first) {
      in.fail("dark rendezvous: dark vessels not in increasing MMSI order");
    } else {
      dark_.emplace_hint(dark_.end(), mmsi, d);
    }
  }
  links_.clear();
  // Per link: 2 mmsis, a flag, 5 times and coordinates.
  const std::size_t n_links = in.count(max_entries, 2 * 4 + 1 + 5 * 8);
  for (std::size_t i = 0; i < n_links && in.ok(); ++i) {
    LinkKey key;
    key.first = in.get<uint32_t>();
    key.second = in.get<uint32_t>();
    Link link;
    link.both_dark = in.get<bool>();
    link.start_ms = get_time(in, false, "link start");
    link.meet_lat = in.get<double>();
    link.meet_lon = in.get<double>();
    link.partner_from_ms = get_time(in, false, "partner from");
    link.partner_until_ms = get_time(in, true, "partner until");
    if (!in.ok()) break;
    // A link lives while its dark vessel does (both, for two dark vessels): drop_dark ends it.
    const bool linked =
        dark_.contains(key.first) && (!link.both_dark || dark_.contains(key.second));
    if (key.first == key.second || (link.both_dark && key.first > key.second)) {
      in.fail("dark rendezvous: a link key of one vessel or out of order");
    } else if (!linked) {
      in.fail("dark rendezvous: a link to a vessel that is not dark");
    } else if (!link.both_dark && link.partner_until_ms == none) {
      in.fail("dark rendezvous: a link to a loitering vessel without the end of its loitering");
    } else if (!valid_position(link.meet_lat, link.meet_lon)) {
      in.fail("dark rendezvous: a meeting point out of range");
    } else if (!links_.empty() && key <= links_.rbegin()->first) {
      in.fail("dark rendezvous: links not in increasing key order");
    } else {
      links_.emplace_hint(links_.end(), key, link);
    }
  }
  const std::size_t n_reconsider = in.count(max_entries, 4);
  reconsider_.clear();
  reconsider_.reserve(n_reconsider);
  for (std::size_t i = 0; i < n_reconsider && in.ok(); ++i)
    reconsider_.push_back(in.get<uint32_t>());
}

}  // namespace aiswatch::detect
