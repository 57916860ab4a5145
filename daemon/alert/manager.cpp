#include "alert/manager.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "track/geo.h"

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

int64_t to_ms(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000 + ts.nanos() / 1'000'000;
}

// Overwrites a string field in place (no allocation when it fits); returns whether it changed.
bool assign(std::string* field, std::string_view value) {
  if (*field == value) return false;
  field->assign(value.data(), value.size());
  return true;
}

// Returns whether the snapshot differs from what the alert carried.
bool fill_identity(VesselIdentity* out, const VesselSnapshot& in, std::string_view listed) {
  bool changed = out->mmsi() != in.mmsi || out->imo() != in.imo.value_or(0) ||
                 out->ship_type() != in.ship_type;
  out->set_mmsi(in.mmsi);
  out->set_imo(in.imo.value_or(0));
  out->set_ship_type(in.ship_type);
  changed = assign(out->mutable_name(), in.name) || changed;
  changed = assign(out->mutable_callsign(), in.callsign) || changed;
  changed = assign(out->mutable_flag(), in.flag) || changed;
  changed = assign(out->mutable_watchlist_reason(), listed) || changed;
  return changed;
}

// Appends an id to the alert's related_alert_ids unless present; returns whether it was new.
bool add_related(Alert& alert, std::string_view id) {
  for (const std::string& known : alert.related_alert_ids())
    if (known == id) return false;
  alert.add_related_alert_ids(std::string(id));
  return true;
}

void fill_point(EvidencePoint* p, const Evidence& e) {
  p->set_mmsi(e.mmsi);
  set_time(p->mutable_time(), e.time_ms);
  p->set_lat(e.lat);
  p->set_lon(e.lon);
  if (e.sog) p->set_sog(*e.sog); else p->clear_sog();
  if (e.cog) p->set_cog(*e.cog); else p->clear_cog();
}

}  // namespace

AlertManager::AlertManager(AlertSink& sink, UpdatePolicy policy)
    : sink_(sink), policy_(policy) {
  // Zero would make every open alert evict itself, and an alert with no evidence slot would lose
  // the point that triggered it.
  policy_.max_open = std::max<std::size_t>(policy_.max_open, 1);
  policy_.max_evidence = std::max<std::size_t>(policy_.max_evidence, 1);
}

std::size_t AlertManager::KeyHash::operator()(const EpisodeKey& key) const {
  uint64_t h = fnv1a64(key.zone_id);
  for (uint64_t part : {static_cast<uint64_t>(key.type), static_cast<uint64_t>(key.mmsi),
                        static_cast<uint64_t>(key.counterpart_mmsi),
                        static_cast<uint64_t>(key.start_time_ms)}) {
    h ^= part + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return static_cast<std::size_t>(h);
}

void AlertManager::report(const EpisodeReport& r) {
  if (closed_.contains(r.key)) {
    ++stats_.reports_after_close;
    return;
  }
  auto it = open_.find(r.key);
  if (it == open_.end()) {
    if (open_.size() >= policy_.max_open) {
      ++stats_.evicted;
      close_open(lru_.begin()->second, r.time_ms, std::nullopt, "evicted");
    }
    OpenAlert& open = open_[r.key];
    Alert& a = open.alert;
    a.set_alert_id(alert_id(r.key));
    a.set_type(r.key.type);
    a.set_mmsi(r.key.mmsi);
    a.set_counterpart_mmsi(r.key.counterpart_mmsi);
    a.set_zone_id(r.key.zone_id);
    set_time(a.mutable_start_time(), r.key.start_time_ms);
    apply(open, r);
    touch(open, r.key);
    ++stats_.opened;
    emit(r.key, open, ALERT_STATE_OPEN, r.time_ms);
    return;
  }

  OpenAlert& open = it->second;
  const bool changed = apply(open, r);
  touch(open, r.key);
  const Alert& a = open.alert;
  const bool material =
      changed ||
      track::haversine_m(open.emitted_lat, open.emitted_lon, a.lat(), a.lon()) > policy_.move_threshold_m ||
      (open.evidence_since_emit && r.time_ms - open.emitted_ms >= policy_.heartbeat_ms);
  if (material) {
    ++stats_.updated;
    emit(r.key, open, ALERT_STATE_UPDATE, r.time_ms);
  } else {
    ++stats_.reports_suppressed;
  }
}

bool AlertManager::close(const EpisodeKey& key, int64_t time_ms, std::string_view close_reason) {
  if (!open_.contains(key)) {
    ++stats_.close_unknown;
    return false;
  }
  close_open(key, time_ms, time_ms, close_reason);
  return true;
}

void AlertManager::instant(const EpisodeReport& r) {
  if (closed_.contains(r.key) || open_.contains(r.key)) {
    // The same instantaneous event reported twice (a replayed or duplicated message): once is enough.
    ++stats_.reports_after_close;
    return;
  }
  report(r);
  close_open(r.key, r.time_ms, r.time_ms, "instantaneous");
}

void AlertManager::close_all(int64_t time_ms, std::string_view close_reason) {
  while (!lru_.empty()) close_open(lru_.begin()->second, time_ms, time_ms, close_reason);
}

bool AlertManager::apply(OpenAlert& open, const EpisodeReport& r) {
  Alert& a = open.alert;
  const Severity old_severity = a.severity();
  const Phase old_phase = a.phase();
  a.set_phase(r.phase);
  // Late reports (satellite AIS) may arrive out of order; the episode's end only moves forward.
  const int64_t end_ms = a.has_end_time() ? std::max(r.time_ms, to_ms(a.end_time())) : r.time_ms;
  set_time(a.mutable_end_time(), end_ms);
  a.set_lat(r.lat);
  a.set_lon(r.lon);
  assign(a.mutable_reason(), r.reason);

  auto vessel_listing = listing(r.vessel);
  bool changed = fill_identity(a.mutable_vessel(), r.vessel, vessel_listing.value_or(""));
  bool listed = vessel_listing.has_value();
  if (r.counterpart) {
    auto counterpart_listing = listing(*r.counterpart);
    changed = !a.has_counterpart() || changed;
    changed = fill_identity(a.mutable_counterpart(), *r.counterpart,
                            counterpart_listing.value_or("")) || changed;
    listed = listed || counterpart_listing.has_value();
  } else if (a.has_counterpart()) {
    a.clear_counterpart();
    changed = true;
  }
  a.set_severity(severity(r.key.type, r.phase, listed, r.severity_raise));
  changed = changed || a.severity() != old_severity || a.phase() != old_phase;
  for (const std::string& id : r.related_alert_ids) changed = add_related(a, id) || changed;

  // Overwritten in place, then sorted by name (insertion sort by swapping: a handful of facts,
  // stable, allocation-free) so the output does not depend on the detector's order.
  auto* facts = a.mutable_facts();
  while (facts->size() > static_cast<int>(r.facts.size())) facts->RemoveLast();
  for (std::size_t i = 0; i < r.facts.size(); ++i) {
    const int index = static_cast<int>(i);
    auto* out = index < facts->size() ? facts->Mutable(index) : facts->Add();
    assign(out->mutable_name(), r.facts[i].name);
    out->set_value(r.facts[i].value);
  }
  for (int i = 1; i < facts->size(); ++i)
    for (int j = i; j > 0 && facts->Get(j).name() < facts->Get(j - 1).name(); --j)
      facts->SwapElements(j, j - 1);

  // Keep the first point (what triggered the alert) and the latest ones: once full, the element
  // after the first is recycled as the newest, so a long episode allocates nothing.
  auto* evidence = a.mutable_evidence();
  const auto cap = static_cast<int>(policy_.max_evidence);
  for (const Evidence& e : r.evidence) {
    if (evidence->size() < cap) {
      fill_point(evidence->Add(), e);
    } else if (cap == 1) {
      continue;  // only the first point fits
    } else {
      for (int i = 1; i + 1 < evidence->size(); ++i) evidence->SwapElements(i, i + 1);
      fill_point(evidence->Mutable(evidence->size() - 1), e);
    }
  }
  open.evidence_since_emit = open.evidence_since_emit || !r.evidence.empty();
  return changed;
}

bool AlertManager::relate(const EpisodeKey& key, std::string_view related_id, int64_t time_ms) {
  auto it = open_.find(key);
  if (it == open_.end()) return false;
  OpenAlert& open = it->second;
  if (!add_related(open.alert, related_id)) return true;
  ++stats_.updated;
  emit(key, open, ALERT_STATE_UPDATE, time_ms);
  return true;
}

void AlertManager::emit(const EpisodeKey& key, OpenAlert& open, AlertState state, int64_t time_ms) {
  Alert& a = open.alert;
  a.set_state(state);
  a.set_sequence(a.sequence() + 1);
  set_time(a.mutable_event_time(), time_ms);
  sink_.on_alert(a);
  note_recent(key, a, state);
  open.emitted_lat = a.lat();
  open.emitted_lon = a.lon();
  open.emitted_ms = time_ms;
  open.evidence_since_emit = false;
}

void AlertManager::touch(OpenAlert& open, const EpisodeKey& key) {
  const uint64_t next = ++next_touch_;
  if (open.touch != 0) {
    // Move the existing node to the back: no allocation, no copy of the key.
    auto node = lru_.extract(open.touch);
    node.key() = next;
    lru_.insert(std::move(node));
  } else {
    lru_.emplace(next, key);
  }
  open.touch = next;
}

void AlertManager::close_open(EpisodeKey key, int64_t time_ms, std::optional<int64_t> end_ms,
                              std::string_view close_reason) {
  // key is a copy: callers pass references into lru_, which this function erases from.
  auto it = open_.find(key);
  if (it == open_.end()) return;
  OpenAlert& open = it->second;
  // An evicted alert did not end when it was evicted: its end_time stays the last observation.
  if (end_ms) set_time(open.alert.mutable_end_time(), *end_ms);
  open.alert.set_close_reason(std::string(close_reason));
  ++stats_.closed;
  emit(key, open, ALERT_STATE_CLOSED, time_ms);
  lru_.erase(open.touch);
  open_.erase(it);
  remember_closed(key);
}

void AlertManager::remember_closed(const EpisodeKey& key) {
  if (policy_.max_closed_keys == 0) return;
  if (closed_order_.size() >= policy_.max_closed_keys) {
    closed_.erase(closed_order_.front());
    closed_order_.pop_front();
  }
  closed_.insert(key);
  closed_order_.push_back(key);
}

void AlertManager::note_recent(const EpisodeKey& key, const Alert& alert, AlertState state) {
  if (policy_.recent_per_vessel == 0) return;
  note_recent_of(key.mmsi, key, alert, state);
  if (key.counterpart_mmsi != 0 && key.counterpart_mmsi != key.mmsi)
    note_recent_of(key.counterpart_mmsi, key, alert, state);
}

void AlertManager::note_recent_of(uint32_t mmsi, const EpisodeKey& key, const Alert& alert,
                                  AlertState state) {
  auto [it, inserted] = recent_.try_emplace(mmsi);
  if (inserted) {
    recent_order_.push_back(mmsi);
    if (recent_order_.size() > policy_.max_recent_vessels) {
      recent_.erase(recent_order_.front());
      recent_order_.pop_front();
    }
  }
  std::vector<RecentAlert>& list = it->second;
  RecentAlert* entry = nullptr;
  for (RecentAlert& r : list)
    if (r.key == key) entry = &r;
  if (entry == nullptr) {
    if (list.size() >= policy_.recent_per_vessel) list.erase(list.begin());
    list.push_back(RecentAlert{key, alert.alert_id(), 0, true});
    entry = &list.back();
  }
  entry->end_ms = to_ms(alert.end_time());
  entry->open = state != ALERT_STATE_CLOSED;
}

std::optional<std::string_view> AlertManager::listing(const VesselSnapshot& vessel) const {
  if (watchlist_ == nullptr || vessel.mmsi == 0) return std::nullopt;
  return watchlist_->reason(vessel.mmsi, vessel.imo);
}

}  // namespace aiswatch::alert

// TODO(checkpoint): placeholder until the state is written field by field.
namespace aiswatch::alert {
void AlertManager::save_state(state::StateWriter& out) const { out.section("todo"); }
void AlertManager::restore_state(state::StateReader& in) { in.fail("AlertManager state not implemented"); }
}  // namespace aiswatch::alert
