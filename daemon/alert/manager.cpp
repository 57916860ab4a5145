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
  if (policy_.recent_per_vessel == 0 || policy_.max_recent_vessels == 0) return;
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

// ---- Checkpoints ------------------------------------------------------------------------------
//
// Open alerts are written least recently reported first, with their touch counters, so the LRU
// (which alert is evicted next) and next_touch_ come back as they were; closed keys and recent
// vessels in their forgetting order. The hash maps' own order is never written and never read.

namespace {

// Bounds of what a state may hold beyond the policy's own limits: zone ids are short names from
// the rules; an alert is its identity, facts and at most max_evidence points, a few KB.
constexpr std::size_t max_saved_zone_id = 4'096;
constexpr std::size_t max_saved_alert_bytes = 1u << 20;
constexpr std::size_t max_saved_alert_id = 64;
// Lower bounds of a saved element's size, for StateReader::count.
constexpr std::size_t saved_key_bytes =
    sizeof(int32_t) + 2 * sizeof(uint32_t) + sizeof(uint64_t) + sizeof(int64_t);
constexpr std::size_t min_saved_open_bytes = saved_key_bytes + 2 * sizeof(uint64_t);
constexpr std::size_t min_saved_vessel_bytes = sizeof(uint32_t) + sizeof(uint64_t);

void put_key(state::StateWriter& out, const EpisodeKey& key) {
  out.put<int32_t>(key.type);
  out.put(key.mmsi);
  out.put(key.counterpart_mmsi);
  out.put_string(key.zone_id);
  out.put(key.start_time_ms);
}

EpisodeKey get_key(state::StateReader& in) {
  EpisodeKey key;
  const auto type = in.get<int32_t>();
  if (in.ok() && !AlertType_IsValid(type)) in.fail("an episode key's alert type out of range");
  key.type = in.ok() ? static_cast<AlertType>(type) : ALERT_TYPE_UNSPECIFIED;
  key.mmsi = in.get<uint32_t>();
  key.counterpart_mmsi = in.get<uint32_t>();
  key.zone_id = in.get_string(max_saved_zone_id);
  key.start_time_ms = in.get<int64_t>();
  return key;
}

}  // namespace

void AlertManager::save_state(state::StateWriter& out) const {
  out.section("alrt");
  out.put(next_touch_);
  out.put<uint64_t>(lru_.size());
  std::string bytes;
  for (const auto& [touch, key] : lru_) {
    const OpenAlert& open = open_.at(key);
    put_key(out, key);
    out.put(touch);
    open.alert.SerializeToString(&bytes);
    out.put_string(bytes);
    out.put(open.emitted_lat);
    out.put(open.emitted_lon);
    out.put(open.emitted_ms);
    out.put(open.evidence_since_emit);
  }
  out.put<uint64_t>(closed_order_.size());
  for (const EpisodeKey& key : closed_order_) put_key(out, key);
  out.put<uint64_t>(recent_order_.size());
  for (const uint32_t mmsi : recent_order_) {
    const std::vector<RecentAlert>& list = recent_.at(mmsi);
    out.put(mmsi);
    out.put<uint64_t>(list.size());
    for (const RecentAlert& r : list) {
      put_key(out, r.key);
      out.put_string(r.alert_id);
      out.put(r.end_ms);
      out.put(r.open);
    }
  }
}

void AlertManager::restore_state(state::StateReader& in) {
  in.section("alrt");
  if (in.ok() && (!open_.empty() || !closed_.empty() || !recent_.empty() || next_touch_ != 0))
    in.fail("an alert state restored into a manager in use");
  next_touch_ = in.get<uint64_t>();
  const std::size_t open_count = in.count(policy_.max_open, min_saved_open_bytes);
  for (std::size_t i = 0; i < open_count && in.ok(); ++i) {
    EpisodeKey key = get_key(in);
    const auto touch = in.get<uint64_t>();
    const std::string bytes = in.get_string(max_saved_alert_bytes);
    const auto emitted_lat = in.get<double>();
    const auto emitted_lon = in.get<double>();
    const auto emitted_ms = in.get<int64_t>();
    const bool evidence_since_emit = in.get<bool>();
    if (!in.ok()) return;
    // touch() hands out ++next_touch_: every counter is unique, non-zero and at most that.
    if (touch == 0 || touch > next_touch_) return in.fail("an open alert's touch out of range");
    if (open_.contains(key)) return in.fail("an open alert's key twice");
    if (!lru_.emplace(touch, key).second) return in.fail("an open alert's touch twice");
    OpenAlert& open = open_[std::move(key)];
    if (!open.alert.ParseFromString(bytes)) return in.fail("an open alert that does not parse");
    if (open.alert.alert_id() != alert_id(lru_.at(touch)))
      return in.fail("an open alert whose id is not its key's");
    if (static_cast<std::size_t>(open.alert.evidence_size()) > policy_.max_evidence)
      return in.fail("an open alert with more evidence than max_evidence");
    open.touch = touch;
    open.emitted_lat = emitted_lat;
    open.emitted_lon = emitted_lon;
    open.emitted_ms = emitted_ms;
    open.evidence_since_emit = evidence_since_emit;
  }

  const std::size_t closed_count = in.count(policy_.max_closed_keys, saved_key_bytes);
  for (std::size_t i = 0; i < closed_count && in.ok(); ++i) {
    EpisodeKey key = get_key(in);
    if (!in.ok()) return;
    if (open_.contains(key)) return in.fail("a closed key that is also open");
    if (!closed_.insert(key).second) return in.fail("a closed key twice");
    closed_order_.push_back(std::move(key));
  }

  const std::size_t vessels = in.count(policy_.max_recent_vessels, min_saved_vessel_bytes);
  for (std::size_t i = 0; i < vessels && in.ok(); ++i) {
    const auto mmsi = in.get<uint32_t>();
    const std::size_t n = in.count(policy_.recent_per_vessel, saved_key_bytes);
    if (!in.ok()) return;
    auto [it, inserted] = recent_.try_emplace(mmsi);
    if (!inserted) return in.fail("a vessel's recent alerts twice");
    recent_order_.push_back(mmsi);
    for (std::size_t j = 0; j < n && in.ok(); ++j) {
      RecentAlert r;
      r.key = get_key(in);
      r.alert_id = in.get_string(max_saved_alert_id);
      r.end_ms = in.get<int64_t>();
      r.open = in.get<bool>();
      if (in.ok()) it->second.push_back(std::move(r));
    }
  }
}

}  // namespace aiswatch::alert
