#include "detect/dark_period.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "detect/common.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;
using ruleset::ZoneKind;

alert::EpisodeKey key_of(uint32_t mmsi, int64_t start_ms) {
  return {aiswatch::v1::ALERT_TYPE_DARK_PERIOD, mmsi, 0, "", start_ms};
}

// Deliberate silence is judged at most this often (event time): the threshold is in hours.
constexpr int64_t judgement_interval_ms = 5 * 60'000;
// Octants (of 8) around the last position in which vessels must be heard during the silence;
// an edge of coverage through the position leaves at most 5 (see the header).
constexpr int min_directions_heard = 6;
// Hours after the last transmission's hour in which the octants are looked at: a coverage
// edge (a coast, the end of a station's range) does not move, so the whole silence judged may
// show it; two hours of sparse traffic left octants unvisited in simulated scenarios (5 of 8
// on open sea) where twelve did not.
constexpr int64_t direction_hours = 12;
// Others silent within this of the vessel count as falling silent with it (a receiver outage).
constexpr int64_t fell_silent_window_ms = 3'600'000;

// Checkpoints. Event times lie within 2^52 ms (142,000 years) of 1970, so that the differences
// the detector takes cannot overflow; INT64_MIN ("none") where a field allows it.
constexpr int64_t max_abs_time_ms = int64_t{1} << 52;
// More open dark periods than any feed has vessels: a count beyond it is corrupt.
constexpr std::size_t max_open = std::size_t{1} << 26;

int64_t get_time(state::StateReader& in, bool none_allowed, const char* field) {
  const int64_t t = in.get<int64_t>();
  if (none_allowed && t == INT64_MIN) return t;
  if (t < -max_abs_time_ms || t > max_abs_time_ms) {
    in.fail(std::string("dark period: ") + field + " out of range");
    return 0;
  }
  return t;
}

bool valid_position(double lat, double lon) {
  return std::isfinite(lat) && std::isfinite(lon) && std::fabs(lat) <= 90.0 &&
         std::fabs(lon) <= 180.0;
}

}  // namespace

bool DarkPeriodDetector::watchlisted(const track::VesselState& v, const Context& context) const {
  return context.rules.watchlist.find(v.mmsi, v.statics.imo.value_or(0)) != nullptr;
}

void DarkPeriodDetector::consider(const track::VesselState& v, int64_t watermark_ms,
                                  bool watchlisted_only, Context& context) {
  if (open_.contains(v.mmsi) || !v.position) return;
  const bool listed = watchlisted(v, context);
  if (watchlisted_only && !listed) return;
  const int64_t threshold = context.rules.thresholds.milliseconds(
      listed ? ThresholdId::dark_period_watchlisted_threshold_h
             : ThresholdId::dark_period_threshold_h);
  if (watermark_ms - v.last_heard_ms < threshold) return;
  const ruleset::ZoneMatches zones =
      context.rules.zones.zones_containing(v.position->lat, v.position->lon);
  if (suppressed(zones)) return;  // switched off in port or at anchor: normal
  const uint32_t slot = context.tracker.slot_of(v);
  Open open{v.last_heard_ms, true, v.position->lat, v.position->lon, slot, 0};
  open_.emplace(v.mmsi, open);
  by_start_.emplace(open.start_ms, v.mmsi);
  to_judge_.emplace(open.start_ms, v.mmsi);
  slot_entry(slot, context).set_dark(true);
  alert::EpisodeReport r;
  r.key = key_of(v.mmsi, open.start_ms);
  r.time_ms = watermark_ms;
  r.lat = open.lat;
  r.lon = open.lon;
  r.vessel = snapshot_of(v);
  r.evidence.push_back(evidence_of(v));
  r.facts = {{"duration_s", static_cast<double>(watermark_ms - open.start_ms) / 1000.0}};
  r.reason = listed ? "watchlisted vessel silent at sea" : "silent at sea";
  context.alerts.report(r);
}

void DarkPeriodDetector::close(uint32_t mmsi, int64_t time_ms, std::string_view reason,
                               Context& context) {
  auto it = open_.find(mmsi);
  if (it == open_.end()) return;
  context.alerts.close(key_of(mmsi, it->second.start_ms), time_ms, reason);
  by_start_.erase({it->second.start_ms, mmsi});
  to_judge_.erase({it->second.start_ms, mmsi});
  // The slot may hold another vessel by now (evicted and reused): clear only our own flag.
  const track::VesselState* v = context.tracker.find(mmsi);
  if (v != nullptr && context.tracker.slot_of(*v) == it->second.slot &&
      it->second.slot < slots_.size()) {
    slots_[it->second.slot].set_dark(false);
  }
  open_.erase(it);
}

DarkPeriodDetector::SlotEntry& DarkPeriodDetector::slot_entry(uint32_t slot,
                                                              const Context& context) {
  if (slot >= slots_.size())
    slots_.resize(std::max<std::size_t>(context.tracker.slot_count(), slot + 1u));
  return slots_[slot];
}

void DarkPeriodDetector::note_reception(const track::UpdateResult& u, SlotEntry& entry) {
  const track::VesselState& v = *u.vessel;
  if ((u.changes & track::change_position) != 0 && v.position) {
    // The newest fix: noted when it is in a new cell or hour for this vessel.
    const uint32_t cell = ReceptionRecord::cell_of(v.position->lat, v.position->lon);
    const int64_t hour = ReceptionRecord::hour_of(v.position->time_ms);
    const uint32_t hour32 = static_cast<uint32_t>(hour);
    if (cell == entry.cell() && hour32 == entry.hour) return;
    reception_.note(cell, hour);
    const bool dark = entry.dark();
    entry.cell_and_flag = cell;
    entry.set_dark(dark);
    entry.hour = hour32;
  } else if (u.late && (u.changes & track::change_track) != 0) {
    // A late fix joined the track behind the newest: find it (the ring is short) and note it
    // without moving the entry, which follows the newest fix.
    for (std::size_t i = v.track_size(); i-- > 0;) {
      const track::TrackPoint& p = v.track_at(i);
      if (p.time_ms == u.event_time_ms) {
        reception_.note(ReceptionRecord::cell_of(p.lat, p.lon),
                        ReceptionRecord::hour_of(p.time_ms));
        break;
      }
      if (p.time_ms < u.event_time_ms) break;
    }
  }
}

void DarkPeriodDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  if (!u.counts_as_heard()) return;
  const track::VesselState& v = *u.vessel;
  SlotEntry& entry = slot_entry(context.tracker.slot_of(v), context);
  if ((u.changes & track::change_new_vessel) != 0) entry = SlotEntry{};
  note_reception(u, entry);
  // Most updates end here: a vessel without an open dark period that is not late.
  if (!entry.dark() && !u.late) return;
  auto it = entry.dark() ? open_.find(v.mmsi) : open_.end();
  if (entry.dark() && it == open_.end()) entry.set_dark(false);  // stale: closed elsewhere
  if (it != open_.end() && u.event_time_ms > it->second.start_ms) {
    const Open open = it->second;
    if (u.late) {
      close(v.mmsi, u.event_time_ms, "heard late", context);
    } else {
      // Reappearance: report the gap's measurements, then close.
      alert::EpisodeReport r;
      r.key = key_of(v.mmsi, open.start_ms);
      r.time_ms = u.event_time_ms;
      r.vessel = snapshot_of(v);
      const double duration_s = static_cast<double>(u.event_time_ms - open.start_ms) / 1000.0;
      r.facts = {{"duration_s", duration_s}};
      r.severity_raise = open.severity_raise;
      r.lat = open.lat;
      r.lon = open.lon;
      if ((u.changes & track::change_position) != 0 && v.position && open.has_position) {
        const double d = track::haversine_m(open.lat, open.lon, v.position->lat, v.position->lon);
        r.lat = v.position->lat;
        r.lon = v.position->lon;
        r.facts.push_back({"distance_m", d});
        r.facts.push_back(
            {"implied_speed_kn", track::implied_knots(d, u.event_time_ms - open.start_ms)});
        r.evidence.push_back(evidence_of(v));
      }
      r.reason = "reappeared";
      context.alerts.report(r);
      close(v.mmsi, u.event_time_ms, "reappeared", context);
    }
  }
  // A late report that moved last_heard forward behind the scan cursors: the windows have passed
  // it, so judge the vessel's silence from there now.
  if (u.late && watermark_ms_ != INT64_MIN && v.last_heard_ms == u.event_time_ms &&
      (v.last_heard_ms < cursor_ms_ || v.last_heard_ms < watchlisted_cursor_ms_)) {
    consider(v, watermark_ms_, false, context);
  }
}

void DarkPeriodDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms <= watermark_ms_) return;
  watermark_ms_ = watermark_ms;
  const int64_t normal_to =
      watermark_ms - context.rules.thresholds.milliseconds(ThresholdId::dark_period_threshold_h) +
      1;
  const int64_t listed_to =
      watermark_ms -
      context.rules.thresholds.milliseconds(ThresholdId::dark_period_watchlisted_threshold_h) + 1;
  const track::Tracker& tracker = context.tracker;
  if (normal_to > cursor_ms_) {
    tracker.for_each_last_heard_in(cursor_ms_, normal_to, [&](const track::VesselState& v) {
      consider(v, watermark_ms, false, context);
    });
    cursor_ms_ = normal_to;
  }
  if (!context.rules.watchlist.empty() && listed_to > watchlisted_cursor_ms_) {
    // Only the shorter window's part beyond the normal one can hold vessels not yet considered.
    tracker.for_each_last_heard_in(
        std::max(watchlisted_cursor_ms_, normal_to), listed_to,
        [&](const track::VesselState& v) { consider(v, watermark_ms, true, context); });
  }
  watchlisted_cursor_ms_ = std::max(watchlisted_cursor_ms_, listed_to);
  // The tracker forgets vessels silent past its horizon: close their episodes first.
  const int64_t horizon = watermark_ms - tracker.config().eviction_horizon_ms;
  while (!by_start_.empty() && by_start_.begin()->first < horizon) {
    const auto [start_ms, mmsi] = *by_start_.begin();
    close(mmsi, watermark_ms, "silent past horizon", context);
  }
  const int64_t hour = ReceptionRecord::hour_of(watermark_ms);
  if (hour >= next_forget_hour_) {
    reception_.forget_older_than(hour - ReceptionRecord::hours_kept);
    next_forget_hour_ = hour + 1;
  }
  if (watermark_ms < next_judgement_ms_) return;
  next_judgement_ms_ = watermark_ms + judgement_interval_ms;
  const int64_t judge_before = watermark_ms - context.rules.thresholds.milliseconds(
                                                  ThresholdId::dark_period_deliberate_after_h);
  while (!to_judge_.empty() && to_judge_.begin()->first <= judge_before) {
    const auto [start_ms, mmsi] = *to_judge_.begin();
    to_judge_.erase(to_judge_.begin());
    if (auto it = open_.find(mmsi); it != open_.end()) {
      judge_deliberate(mmsi, it->second, watermark_ms, context);
    }
  }
}

void DarkPeriodDetector::judge_deliberate(uint32_t mmsi, Open& open, int64_t watermark_ms,
                                          Context& context) {
  const track::VesselState* v = context.tracker.find(mmsi);
  if (v == nullptr || v->last_heard_ms != open.start_ms || !v->position) return;
  const ruleset::Thresholds& th = context.rules.thresholds;
  const double radius_m = th.value(ThresholdId::dark_period_reception_radius_km) * 1'000.0;
  // Whole hours of silence: after the hour of the last transmission (in which the vessel itself
  // was heard), up to the hour the watermark is in.
  const int64_t first_hour = ReceptionRecord::hour_of(open.start_ms) + 1;
  const int64_t end_hour = ReceptionRecord::hour_of(watermark_ms);
  const ReceptionRecord::Evidence evidence = reception_.around(
      open.lat, open.lon, radius_m, first_hour, end_hour, first_hour + direction_hours);
  const Surroundings around =
      surroundings(context.tracker, context.rules.zones, open.lat, open.lon, radius_m, mmsi, 0,
                   open.start_ms, fell_silent_window_ms, open.start_ms + fell_silent_window_ms);
  const bool received =
      evidence.hours > 0 && evidence.pct() >= th.value(ThresholdId::dark_period_reception_min_pct);
  const bool inside_coverage = evidence.directions_heard >= min_directions_heard;
  if (!received || !inside_coverage || around.looks_like_reception_hole()) return;
  open.severity_raise = 1;
  const double silence_h = static_cast<double>(watermark_ms - open.start_ms) / 3'600'000.0;
  char reason[200];
  std::snprintf(reason, sizeof reason,
                "deliberate silence: silent %.1f h at sea; vessels within %.0f km heard in %.0f %% "
                "of its hours and in %d of 8 directions as it fell silent",
                silence_h, radius_m / 1'000.0, evidence.pct(), evidence.directions_heard);
  alert::EpisodeReport r;
  r.key = key_of(mmsi, open.start_ms);
  r.time_ms = watermark_ms;
  r.lat = open.lat;
  r.lon = open.lon;
  r.vessel = snapshot_of(*v);
  r.severity_raise = open.severity_raise;
  r.facts = {{"duration_s", static_cast<double>(watermark_ms - open.start_ms) / 1000.0},
             {"reception_pct", evidence.pct()},
             {"directions_heard", static_cast<double>(evidence.directions_heard)},
             {"neighbours_heard", static_cast<double>(around.heard_since)},
             {"neighbours_fell_silent", static_cast<double>(around.fell_silent_with)}};
  r.reason = reason;
  context.alerts.report(r);
}

void DarkPeriodDetector::on_end(int64_t /*watermark_ms*/, Context& /*context*/) {
  // Still dark at the end of input: left open (the engine closes what remains).
  open_.clear();
  by_start_.clear();
  to_judge_.clear();
  for (SlotEntry& entry : slots_) entry.set_dark(false);
}

void DarkPeriodDetector::save_state(state::StateWriter& out) const {
  out.section("dkpd");
  out.put(cursor_ms_);
  out.put(watchlisted_cursor_ms_);
  out.put(watermark_ms_);
  out.put(next_judgement_ms_);
  out.put(next_forget_hour_);
  // by_start_ holds exactly the open periods' (start, mmsi) and is rebuilt from them; to_judge_
  // is a subset of them, saved as a flag. In (start, mmsi) order: the same state, the same bytes.
  out.put<uint64_t>(by_start_.size());
  for (const auto& [start_ms, mmsi] : by_start_) {
    const Open& open = open_.at(mmsi);
    out.put(mmsi);
    out.put(open.start_ms);
    out.put(open.has_position);
    out.put(open.lat);
    out.put(open.lon);
    out.put(open.slot);
    out.put(static_cast<uint8_t>(open.severity_raise));
    out.put(to_judge_.contains({start_ms, mmsi}));
  }
  out.put<uint64_t>(slots_.size());
  for (const SlotEntry& entry : slots_) {
    out.put(entry.cell_and_flag);
    out.put(entry.hour);
  }
  reception_.save_state(out);
}

// No alert depends on the iteration order of open_ (only looked up) or of the reception
// record's cells, so the restored maps behave as the saved ones.
void DarkPeriodDetector::restore_state(state::StateReader& in, Context& context) {
  in.section("dkpd");
  cursor_ms_ = get_time(in, true, "cursor");
  watchlisted_cursor_ms_ = get_time(in, true, "watchlisted cursor");
  watermark_ms_ = get_time(in, true, "watermark");
  next_judgement_ms_ = get_time(in, true, "next judgement");
  next_forget_hour_ = in.get<int64_t>();  // only compared
  open_.clear();
  by_start_.clear();
  to_judge_.clear();
  const std::size_t slot_count = context.tracker.slot_count();
  // Per open period: mmsi, start, flag, two coordinates, slot, raise, flag.
  const std::size_t n = in.count(max_open, 4 + 8 + 1 + 2 * 8 + 4 + 1 + 1);
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const uint32_t mmsi = in.get<uint32_t>();
    Open open;
    open.start_ms = get_time(in, false, "start");
    open.has_position = in.get<bool>();
    open.lat = in.get<double>();
    open.lon = in.get<double>();
    open.slot = in.get<uint32_t>();
    open.severity_raise = in.get<uint8_t>();
    const bool judge = in.get<bool>();
    if (!in.ok()) break;
    if (!valid_position(open.lat, open.lon)) {
      in.fail("dark period: a last position out of range");
    } else if (open.slot >= slot_count) {
      in.fail("dark period: a slot beyond the tracker's");
    } else if (open.severity_raise > 1) {
      in.fail("dark period: a severity raise other than 0 or 1");
    } else if (!open_.emplace(mmsi, open).second) {
      in.fail("dark period: a vessel with two open periods");
    } else {
      by_start_.emplace(open.start_ms, mmsi);
      if (judge) to_judge_.emplace(open.start_ms, mmsi);
    }
  }
  const std::size_t slots = in.count(slot_count, 4 + 4);
  slots_.assign(slots, SlotEntry{});
  for (std::size_t i = 0; i < slots && in.ok(); ++i) {
    SlotEntry& entry = slots_[i];
    entry.cell_and_flag = in.get<uint32_t>();
    entry.hour = in.get<uint32_t>();
    const uint32_t cell = entry.cell();
    if (in.ok() && !ReceptionRecord::is_cell(cell) && cell != SlotEntry{}.cell()) {
      in.fail("dark period: a slot's cell out of range");
    }
  }
  if (!in.ok()) return;
  reception_.restore_state(in);
}

}  // namespace aiswatch::detect
