#include "detect/dark_period.h"

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
  Open open{v.last_heard_ms, true, v.position->lat, v.position->lon};
  open_.emplace(v.mmsi, open);
  by_start_.emplace(open.start_ms, v.mmsi);
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
  open_.erase(it);
}

void DarkPeriodDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  if (!u.counts_as_heard()) return;
  const track::VesselState& v = *u.vessel;
  if (auto it = open_.find(v.mmsi); it != open_.end() && u.event_time_ms > it->second.start_ms) {
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
}

void DarkPeriodDetector::on_end(int64_t /*watermark_ms*/, Context& /*context*/) {
  // Still dark at the end of input: left open (the engine closes what remains).
  open_.clear();
  by_start_.clear();
}

}  // namespace aiswatch::detect
