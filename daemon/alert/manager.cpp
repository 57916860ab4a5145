#include "alert/manager.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace aiswatch::alert {

using namespace aiswatch::v1;

namespace {

void set_time(google::protobuf::Timestamp* ts, int64_t ms) {
  // Floor division, so times before 1970 (only in tests, but still) stay valid Timestamps.
  int64_t seconds = ms / 1'000;
  int64_t rem = ms % 1'000;
  if (rem < 0) {
    rem += 1'000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1'000'000));
}

void fill_identity(VesselIdentity* out, const VesselSnapshot& in, std::string_view listed) {
  out->set_mmsi(in.mmsi);
  out->set_name(in.name);
  out->set_imo(in.imo.value_or(0));
  out->set_callsign(in.callsign);
  out->set_flag(in.flag);
  out->set_ship_type(in.ship_type);
  out->set_watchlist_reason(std::string(listed));
}

}  // namespace

double distance_m(double lat1, double lon1, double lat2, double lon2) {
  constexpr double earth_radius_m = 6'371'008.8;
  constexpr double rad = std::numbers::pi / 180.0;
  double dlat = (lat2 - lat1) * rad;
  double dlon = (lon2 - lon1) * rad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * earth_radius_m * std::asin(std::sqrt(std::min(1.0, a)));
}

AlertManager::AlertManager(AlertSink& sink, UpdatePolicy policy)
    : sink_(sink), policy_(policy) {
  // Zero would make every open alert evict itself, and an alert with no evidence slot would lose
  // the point that triggered it.
  policy_.max_open = std::max<std::size_t>(policy_.max_open, 1);
  policy_.max_evidence = std::max<std::size_t>(policy_.max_evidence, 1);
}

void AlertManager::report(const EpisodeReport& r) {
  std::string key = canonical_key(r.key);
  if (closed_.contains(key)) {
    ++stats_.reports_after_close;
    return;
  }
  auto it = open_.find(key);
  if (it == open_.end()) {
    if (open_.size() >= policy_.max_open) {
      ++stats_.evicted;
      close_open(lru_.begin()->second, r.time_ms, std::nullopt, "evicted");
    }
    OpenAlert& open = open_[key];
    Alert& a = open.alert;
    a.set_alert_id(alert_id(r.key));
    a.set_type(r.key.type);
    a.set_mmsi(r.key.mmsi);
    a.set_counterpart_mmsi(r.key.counterpart_mmsi);
    a.set_zone_id(r.key.zone_id);
    set_time(a.mutable_start_time(), r.key.start_time_ms);
    apply(open, r);
    touch(open, key);
    ++stats_.opened;
    emit(open, ALERT_STATE_OPEN, r.time_ms);
    return;
  }

  OpenAlert& open = it->second;
  Alert& a = open.alert;
  const Severity old_severity = a.severity();
  const Phase old_phase = a.phase();
  const std::string old_identity = a.vessel().SerializeAsString() + '|' +
                                   (a.has_counterpart() ? a.counterpart().SerializeAsString() : "");
  apply(open, r);
  touch(open, key);

  const std::string new_identity = a.vessel().SerializeAsString() + '|' +
                                   (a.has_counterpart() ? a.counterpart().SerializeAsString() : "");
  const bool material =
      a.severity() != old_severity || a.phase() != old_phase || new_identity != old_identity ||
      distance_m(open.emitted_lat, open.emitted_lon, a.lat(), a.lon()) > policy_.move_threshold_m ||
      (open.evidence_since_emit && r.time_ms - open.emitted_ms >= policy_.heartbeat_ms);
  if (material) {
    ++stats_.updated;
    emit(open, ALERT_STATE_UPDATE, r.time_ms);
  } else {
    ++stats_.reports_suppressed;
  }
}

bool AlertManager::close(const EpisodeKey& key, int64_t time_ms, std::string_view close_reason) {
  std::string text = canonical_key(key);
  if (!open_.contains(text)) {
    ++stats_.close_unknown;
    return false;
  }
  close_open(text, time_ms, time_ms, close_reason);
  return true;
}

void AlertManager::instant(const EpisodeReport& r) {
  std::string key = canonical_key(r.key);
  if (closed_.contains(key) || open_.contains(key)) {
    // The same instantaneous event reported twice (a replayed or duplicated message): once is enough.
    ++stats_.reports_after_close;
    return;
  }
  report(r);
  close_open(key, r.time_ms, r.time_ms, "instantaneous");
}

void AlertManager::close_all(int64_t time_ms, std::string_view close_reason) {
  while (!lru_.empty()) close_open(lru_.begin()->second, time_ms, time_ms, close_reason);
}

void AlertManager::apply(OpenAlert& open, const EpisodeReport& r) {
  Alert& a = open.alert;
  a.set_phase(r.phase);
  // Late reports (satellite AIS) may arrive out of order; the episode's end only moves forward.
  const int64_t end_ms = std::max<int64_t>(
      r.time_ms, a.has_end_time() ? a.end_time().seconds() * 1'000 + a.end_time().nanos() / 1'000'000
                                  : r.time_ms);
  set_time(a.mutable_end_time(), end_ms);
  a.set_lat(r.lat);
  a.set_lon(r.lon);
  a.set_reason(r.reason);

  std::string vessel_reason;
  std::string counterpart_reason;
  bool listed = watchlisted(r.vessel, &vessel_reason);
  fill_identity(a.mutable_vessel(), r.vessel, vessel_reason);
  if (r.counterpart) {
    listed = watchlisted(*r.counterpart, &counterpart_reason) || listed;
    fill_identity(a.mutable_counterpart(), *r.counterpart, counterpart_reason);
  } else {
    a.clear_counterpart();
  }
  a.set_severity(severity(r.key.type, r.phase, listed));

  // Sorted by name so the JSON mirror and the wire bytes do not depend on detector code order.
  std::vector<const Fact*> facts;
  facts.reserve(r.facts.size());
  for (const Fact& f : r.facts) facts.push_back(&f);
  std::stable_sort(facts.begin(), facts.end(),
                   [](const Fact* x, const Fact* y) { return x->name < y->name; });
  a.clear_facts();
  for (const Fact* f : facts) {
    auto* out = a.add_facts();
    out->set_name(f->name);
    out->set_value(f->value);
  }

  for (const Evidence& e : r.evidence) {
    auto* p = a.add_evidence();
    p->set_mmsi(e.mmsi);
    set_time(p->mutable_time(), e.time_ms);
    p->set_lat(e.lat);
    p->set_lon(e.lon);
    if (e.sog) p->set_sog(*e.sog);
    if (e.cog) p->set_cog(*e.cog);
  }
  // Keep the first point (what triggered the alert) and the latest ones.
  const auto cap = static_cast<int>(policy_.max_evidence);
  if (a.evidence_size() > cap) {
    const int excess = a.evidence_size() - cap;
    a.mutable_evidence()->DeleteSubrange(1, excess);
  }
  open.evidence_since_emit = open.evidence_since_emit || !r.evidence.empty();
}

void AlertManager::emit(OpenAlert& open, AlertState state, int64_t time_ms) {
  Alert& a = open.alert;
  a.set_state(state);
  a.set_sequence(a.sequence() + 1);
  set_time(a.mutable_event_time(), time_ms);
  sink_.on_alert(a);
  open.emitted_lat = a.lat();
  open.emitted_lon = a.lon();
  open.emitted_ms = time_ms;
  open.evidence_since_emit = false;
}

void AlertManager::touch(OpenAlert& open, const std::string& key) {
  if (open.touch != 0) lru_.erase(open.touch);
  open.touch = ++next_touch_;
  lru_.emplace(open.touch, key);
}

void AlertManager::close_open(const std::string& key_ref, int64_t time_ms,
                              std::optional<int64_t> end_ms, std::string_view close_reason) {
  // key_ref may point into lru_, which this function erases from.
  const std::string key = key_ref;
  auto it = open_.find(key);
  if (it == open_.end()) return;
  OpenAlert& open = it->second;
  // An evicted alert did not end when it was evicted: its end_time stays the last observation.
  if (end_ms) set_time(open.alert.mutable_end_time(), *end_ms);
  open.alert.set_close_reason(std::string(close_reason));
  ++stats_.closed;
  emit(open, ALERT_STATE_CLOSED, time_ms);
  lru_.erase(open.touch);
  open_.erase(it);
  remember_closed(key);
}

void AlertManager::remember_closed(const std::string& key) {
  if (policy_.max_closed_keys == 0) return;
  if (closed_order_.size() >= policy_.max_closed_keys) {
    closed_.erase(closed_order_.front());
    closed_order_.pop_front();
  }
  closed_.insert(key);
  closed_order_.push_back(key);
}

bool AlertManager::watchlisted(const VesselSnapshot& vessel, std::string* reason) const {
  if (watchlist_ == nullptr || vessel.mmsi == 0) return false;
  auto listed = watchlist_->reason(vessel.mmsi, vessel.imo);
  if (!listed) return false;
  *reason = std::string(*listed);
  return true;
}

}  // namespace aiswatch::alert
