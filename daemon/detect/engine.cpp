#include "detect/engine.h"

#include <algorithm>
#include <string>
#include <utility>

#include "ais/bit_reader.h"

namespace aiswatch::detect {

track::TrackerConfig tracker_config(const ruleset::Thresholds& thresholds) {
  using ruleset::ThresholdId;
  track::TrackerConfig config;
  config.allowed_lateness_ms = thresholds.milliseconds(ThresholdId::tracker_lateness_s);
  config.dedup_window_ms = thresholds.milliseconds(ThresholdId::tracker_duplicate_window_s);
  config.max_speed_knots = thresholds.value(ThresholdId::tracker_max_speed_kn);
  config.max_history_points =
      static_cast<std::size_t>(thresholds.value(ThresholdId::tracker_max_history_points));
  const int64_t longest_dark =
      std::max(thresholds.milliseconds(ThresholdId::dark_period_threshold_h),
               thresholds.milliseconds(ThresholdId::dark_period_watchlisted_threshold_h));
  config.eviction_horizon_ms = std::max(config.eviction_horizon_ms, 2 * longest_dark);
  return config;
}

std::optional<std::string_view> RulesetWatchlist::reason(uint32_t mmsi,
                                                         std::optional<uint32_t> imo) const {
  const ruleset::WatchlistEntry* entry = watchlist_->by_mmsi(mmsi);
  if (entry == nullptr && imo && *imo != 0) entry = watchlist_->by_imo(*imo);
  if (entry == nullptr) return std::nullopt;
  return std::string_view(entry->reason);
}

uint64_t AlertCounts::of(aiswatch::v1::AlertType type, aiswatch::v1::AlertState state) const {
  const auto t = static_cast<std::size_t>(type), s = static_cast<std::size_t>(state);
  return t < types && s < states ? by_type_state[t][s] : 0;
}

uint64_t AlertCounts::of(aiswatch::v1::AlertType type) const {
  const auto t = static_cast<std::size_t>(type);
  if (t >= types) return 0;
  uint64_t sum = 0;
  for (const uint64_t n : by_type_state[t]) sum += n;
  return sum;
}

void CountingSink::on_alert(const aiswatch::v1::Alert& alert) {
  // Enum values out of the table's range (a newer proto) are counted under UNSPECIFIED rather
  // than dropped, so totals still add up.
  auto t = static_cast<std::size_t>(alert.type());
  auto s = static_cast<std::size_t>(alert.state());
  if (t >= AlertCounts::types) t = 0;
  if (s >= AlertCounts::states) s = 0;
  ++counts_.by_type_state[t][s];
  ++counts_.total;
  next_.on_alert(alert);
}

Engine::Engine(std::shared_ptr<const ruleset::Ruleset> rules,
               std::vector<std::unique_ptr<Detector>> detectors, alert::AlertSink& sink,
               EngineConfig config)
    : rules_(std::move(rules)),
      sink_(sink),
      watchlist_(rules_->watchlist),
      framer_(config.framer),
      tracker_(config.tracker ? *config.tracker : tracker_config(rules_->thresholds)),
      alerts_(sink_, config.alerts),
      detectors_(std::move(detectors)) {
  alerts_.set_watchlist(&watchlist_);
}

void Engine::replace_rules(std::shared_ptr<const ruleset::Ruleset> rules) {
  // The new rules are in place before the old ones can be freed: nothing refers to freed rules.
  std::shared_ptr<const ruleset::Ruleset> old = std::exchange(rules_, std::move(rules));
  watchlist_.rebind(rules_->watchlist);
  for (auto& detector : detectors_) detector->on_rules(*rules_);
}

void Engine::push_line(std::string_view line, std::string_view feed_source,
                       std::optional<int64_t> arrival_ms) {
  ++lines_;
  nmea::Payload payload;
  if (framer_.push(line, payload, feed_source, arrival_ms) != nmea::LineOutcome::payload) return;
  const auto status = ais::decode(payload.armored, payload.fill_bits, message_);
  decoding_.count(status, message_);
  if (status != ais::DecodeStatus::ok) return;
  ++messages_;
  const std::optional<int64_t> event_time =
      payload.event_time_ms ? payload.event_time_ms : arrival_ms;
  if (!event_time) {
    ++untimed_;
    return;
  }
  apply(message_, *event_time, payload.tag_source.empty() ? feed_source : payload.tag_source);
}

std::optional<uint32_t> Engine::peek_mmsi(std::string_view line) {
  std::size_t start = line.find('!');
  if (start == std::string_view::npos) return std::nullopt;
  // The fields before the payload are a character or two each: a byte loop, not a memchr call
  // per comma (those were 4 % of a replay's time).
  for (int commas = 0; commas < 5;) {
    if (++start >= line.size()) return std::nullopt;
    if (line[start] == ',') ++commas;
  }
  ++start;
  if (line.size() < start + 7) return std::nullopt;
  uint64_t bits = 0;  // characters 1-6: payload bits 6-41
  for (std::size_t i = 1; i <= 6; ++i) {
    const uint8_t value = ais::detail::sixbit_values[static_cast<unsigned char>(line[start + i])];
    if (value > 63) return std::nullopt;
    bits = bits << 6 | value;
  }
  return static_cast<uint32_t>(bits >> 4 & 0x3FFF'FFFF);
}

void Engine::prefetch(uint32_t mmsi, int stage) const {
  if (stage == 1) {
    tracker_.prefetch(mmsi);
  } else {
    tracker_.prefetch_vessel(mmsi);
  }
}

void Engine::push_message(const ais::Message& message, int64_t event_time_ms,
                          std::string_view source) {
  ++messages_;
  apply(message, event_time_ms, source);
}

void Engine::apply(const ais::Message& message, int64_t event_time_ms, std::string_view source) {
  const track::UpdateResult result = tracker_.update(message, event_time_ms, source);
  if (result.vessel != nullptr) {
    if ((result.changes & track::change_new_vessel) != 0) ++vessels_;
    // An update that changed nothing (a duplicate copy, static data repeated) needs no zones:
    // duplicates are 40 % of a feed heard by two stations.
    const ruleset::ZoneMatches zones =
        result.vessel->position && result.changes != 0
            ? rules_->zones.zones_containing(result.vessel->position->lat,
                                             result.vessel->position->lon)
            : ruleset::ZoneMatches{};
    const Observation observation{result, zones, source};
    Context ctx = context();
    for (const auto& detector : detectors_) detector->on_update(observation, ctx);
  }
  notify_watermark();
}

void Engine::notify_watermark() {
  const int64_t watermark = tracker_.watermark();
  if (watermark <= notified_watermark_) return;
  notified_watermark_ = watermark;
  ++watermark_advances_;
  Context ctx = context();
  for (const auto& detector : detectors_) detector->on_watermark(watermark, ctx);
}

void Engine::advance_watermark(int64_t now_ms) {
  tracker_.advance_watermark(now_ms);
  notify_watermark();
}

void Engine::finish() {
  if (finished_) return;
  finished_ = true;
  // Fragments still waiting for the rest of their message will never complete.
  framer_.flush();
  // Every message is in: nothing later can arrive, so the watermark moves up to the newest event
  // time (detectors judge the last lateness window too), and alerts close there — never before
  // the last report they carry (closing at newest - lateness could put an alert opened in the
  // last minute's end before its start).
  if (tracker_.max_event_time() != INT64_MIN) {
    tracker_.advance_watermark(tracker_.max_event_time() + tracker_.config().allowed_lateness_ms);
    notify_watermark();
  }
  const int64_t watermark = tracker_.watermark();
  Context ctx = context();
  for (const auto& detector : detectors_) detector->on_end(watermark, ctx);
  alerts_.close_all(watermark, "end of input");
}

void Engine::save_state(state::StateWriter& out) const {
  out.section("engn");
  out.put(notified_watermark_);
  framer_.save_state(out);
  tracker_.save_state(out);
  alerts_.save_state(out);
  out.section("dets");
  out.put<uint64_t>(detectors_.size());
  state::StateWriter part;
  for (const auto& detector : detectors_) {
    detector->save_state(part);
    out.put_string(part.bytes());
    part = state::StateWriter();
  }
}

bool Engine::restore_state(state::StateReader& in) {
  in.section("engn");
  notified_watermark_ = in.get<int64_t>();
  framer_.restore_state(in);
  tracker_.restore_state(in);
  alerts_.restore_state(in);
  in.section("dets");
  const std::size_t saved = in.count(detectors_.size() + 64, sizeof(uint64_t));
  Context ctx = context();
  for (std::size_t i = 0; i < saved && in.ok(); ++i) {
    const std::string part = in.get_string(in.remaining());
    if (!in.ok()) break;
    if (i >= detectors_.size()) {
      // A stateless detector configured then and not now (the positions publisher).
      if (!part.empty())
        in.fail("state of detector " + std::to_string(i + 1) + " of " + std::to_string(saved) +
                ", which this engine does not have");
      continue;
    }
    state::StateReader part_in(part);
    detectors_[i]->restore_state(part_in, ctx);
    if (part_in.ok() && !part_in.at_end()) part_in.fail("bytes left over");
    if (!part_in.ok()) in.fail("detector " + std::to_string(i + 1) + ": " + part_in.error());
  }
  // A detector the state has nothing for may start empty only if it keeps nothing.
  for (std::size_t i = saved; i < detectors_.size() && in.ok(); ++i) {
    state::StateWriter probe;
    detectors_[i]->save_state(probe);
    if (probe.size() != 0) {
      in.fail("no state for detector " + std::to_string(i + 1) + " in a state of " +
              std::to_string(saved) + " detectors");
    }
  }
  if (in.ok() && !in.at_end()) in.fail("bytes left over after the engine state");
  return in.ok();
}

EngineStats Engine::stats() const {
  EngineStats stats;
  stats.lines = lines_;
  stats.messages = messages_;
  stats.untimed = untimed_;
  stats.vessels = vessels_;
  stats.watermark_advances = watermark_advances_;
  stats.framing = framer_.stats();
  stats.decoding = decoding_;
  stats.tracking = tracker_.stats();
  stats.alerts = sink_.counts();
  return stats;
}

}  // namespace aiswatch::detect
