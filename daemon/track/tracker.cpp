#include "track/tracker.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "ais/identity.h"

namespace aiswatch::track {
namespace {

std::size_t pow2_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

uint16_t tenths(const std::optional<float>& x) {
  if (!x) return TrackPoint::absent;
  const float t = std::round(*x * 10.0f);
  if (!(t >= 0.0f && t < 65535.0f)) return TrackPoint::absent;
  return static_cast<uint16_t>(t);
}

std::optional<float> to_float(const std::optional<double>& x) {
  if (!x) return std::nullopt;
  return static_cast<float>(*x);
}
std::optional<float> to_float(const std::optional<unsigned>& x) {
  if (!x) return std::nullopt;
  return static_cast<float>(*x);
}

// The position part of a message, if the message type carries one.
std::optional<PositionFix> position_of(const ais::Message& message, int64_t t) {
  return std::visit(
      [t](const auto& m) -> std::optional<PositionFix> {
        using M = std::decay_t<decltype(m)>;
        constexpr bool class_a = std::is_same_v<M, ais::PositionReport>;
        constexpr bool class_b = std::is_same_v<M, ais::ClassBPositionReport> ||
                                 std::is_same_v<M, ais::ClassBExtendedReport>;
        constexpr bool long_range = std::is_same_v<M, ais::LongRangeReport>;
        if constexpr (class_a || class_b || long_range) {
          PositionFix f;
          f.time_ms = t;
          f.message_type = m.header.type;
          f.accuracy = m.accuracy;
          // Absent lat/lon (91 / 181) is handled by the caller: NaN marks it here.
          f.lat = m.lat ? *m.lat : std::nan("");
          f.lon = m.lon ? *m.lon : std::nan("");
          f.speed_knots = to_float(m.speed);
          f.course_deg = to_float(m.course);
          if constexpr (class_a || class_b) {
            if (m.heading) f.heading_deg = static_cast<uint16_t>(*m.heading);
          }
          if constexpr (class_a || long_range) {
            if (m.status != 15) f.nav_status = m.status;  // 15: "not defined"
          }
          return f;
        } else {
          return std::nullopt;
        }
      },
      message);
}

bool is_vessel(const ais::Message& m, const ais::Header& h) {
  if (std::holds_alternative<ais::BaseStationReport>(m) ||
      std::holds_alternative<ais::SarAircraftReport>(m) ||
      std::holds_alternative<ais::AidToNavigationReport>(m)) {
    return false;
  }
  switch (h.category) {
    case ais::MmsiCategory::coast_station:
    case ais::MmsiCategory::aid_to_navigation:
    case ais::MmsiCategory::sar_aircraft:
      return false;
    default:
      return true;
  }
}

bool plausible(const TrackerConfig& c, double lat1, double lon1, int64_t t1, double lat2,
               double lon2, int64_t t2, float* knots_out) {
  // Fast path without trigonometry for the common case, a fix a few hundred metres from the
  // last: with cos(latitude) <= 1, R * hypot(dlat, dlon) in radians bounds the distance from
  // above (up to terms of the fourth order, negligible under a kilometre).
  const double dlat = lat2 - lat1, dlon = lon2 - lon1;
  if ((dlat * dlat + dlon * dlon) * (metres_per_degree * metres_per_degree) <
      0.98 * c.min_jump_m * c.min_jump_m) {
    if (knots_out) *knots_out = 0.0f;
    return true;
  }
  const double d = haversine_m(lat1, lon1, lat2, lon2);
  const double kn = implied_knots(d, t1 > t2 ? t1 - t2 : t2 - t1);
  if (knots_out) *knots_out = static_cast<float>(std::min(kn, 1e9));
  return d < c.min_jump_m || kn <= c.max_speed_knots;
}

template <std::size_t N>
void merge_text(ais::SixBitText<N>& dst, const ais::SixBitText<N>& src, uint16_t flag,
                uint16_t& changes) {
  if (src.length == 0 || dst == src) return;
  dst = src;
  changes |= flag;
}

template <class M>
void merge_dimensions(StaticData& s, const M& m, uint16_t& changes) {
  if (m.to_bow == 0 && m.to_stern == 0 && m.to_port == 0 && m.to_starboard == 0) return;
  if (s.to_bow == m.to_bow && s.to_stern == m.to_stern && s.to_port == m.to_port &&
      s.to_starboard == m.to_starboard) {
    return;
  }
  s.to_bow = m.to_bow;
  s.to_stern = m.to_stern;
  s.to_port = m.to_port;
  s.to_starboard = m.to_starboard;
  changes |= change_dimensions;
}

void merge_ship_type(StaticData& s, uint8_t type, uint16_t& changes) {
  if (type == 0 || s.ship_type == type) return;  // 0: not available
  s.ship_type = type;
  changes |= change_ship_type;
}

}  // namespace

std::string_view to_string(UpdateOutcome outcome) {
  switch (outcome) {
    case UpdateOutcome::accepted:
      return "accepted";
    case UpdateOutcome::late_accepted:
      return "late_accepted";
    case UpdateOutcome::duplicate:
      return "duplicate";
    case UpdateOutcome::implausible_kept_aside:
      return "implausible_kept_aside";
    case UpdateOutcome::no_position:
      return "no_position";
    case UpdateOutcome::not_a_vessel:
      return "not_a_vessel";
    case UpdateOutcome::too_old:
      return "too_old";
    case UpdateOutcome::table_full:
      return "table_full";
    case UpdateOutcome::count_:
      break;
  }
  return "unknown";
}

Tracker::Tracker(TrackerConfig config) : config_(config), grid_(config.grid_cell_deg) {
  config_.max_history_points =
      std::clamp(config_.max_history_points, TrackerConfig::min_history_points,
                 TrackerConfig::max_history_points_limit);
  track_capacity_ = config_.max_history_points;
  // The silence ring spans the eviction horizon plus lateness, so a bucket holds one interval's
  // vessels; anything beyond (bad timestamps) shares buckets and is filtered by exact time.
  const int64_t span = config_.eviction_horizon_ms + config_.allowed_lateness_ms;
  heard_heads_.assign(pow2_at_least(static_cast<std::size_t>(span / heard_bucket_ms) + 2), nil);
  const std::size_t expected = std::min(config_.expected_vessels, config_.max_vessels);
  vessels_.reserve(expected);
  links_.reserve(expected);
  free_slots_.reserve(expected);
  index_.assign(pow2_at_least(std::max<std::size_t>(expected * 2, 1024)), IndexEntry{});
  grid_.ensure_slots(expected);
  if (expected > 0) track_ring_of(static_cast<uint32_t>(expected - 1));  // rings reserved too
}

TrackPoint* Tracker::track_ring_of(uint32_t slot) {
  const std::size_t chunk = slot / track_chunk_slots;
  while (track_chunks_.size() <= chunk) {
    track_chunks_.push_back(std::make_unique<TrackPoint[]>(track_chunk_slots * track_capacity_));
  }
  return track_chunks_[chunk].get() + (slot % track_chunk_slots) * track_capacity_;
}

// ---- MMSI index: open addressing, linear probing, backward-shift deletion ----------------------

uint32_t Tracker::find_slot(uint32_t mmsi) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = mix32(mmsi) & mask;; i = (i + 1) & mask) {
    const IndexEntry& e = index_[i];
    if (e.slot == nil) return nil;
    if (e.mmsi == mmsi) return e.slot;
  }
}

void Tracker::prefetch_vessel(uint32_t mmsi) const {
  const uint32_t slot = find_slot(mmsi);
  if (slot == nil) return;
  const VesselState& v = vessels_[slot];
  const auto* bytes = reinterpret_cast<const char*>(&v);
  for (std::size_t offset = 0; offset < sizeof(VesselState); offset += 64)
    __builtin_prefetch(bytes + offset);
}

const VesselState* Tracker::find(uint32_t mmsi) const {
  const uint32_t s = find_slot(mmsi);
  return s == nil ? nullptr : &vessels_[s];
}

void Tracker::index_insert(uint32_t mmsi, uint32_t slot) {
  if ((live_count_ + 1) * 2 > index_.size()) index_grow();
  const std::size_t mask = index_.size() - 1;
  std::size_t i = mix32(mmsi) & mask;
  while (index_[i].slot != nil) i = (i + 1) & mask;
  index_[i] = IndexEntry{mmsi, slot};
}

void Tracker::index_grow() {
  std::vector<IndexEntry> old(index_.size() * 2);
  old.swap(index_);
  const std::size_t mask = index_.size() - 1;
  for (const IndexEntry& e : old) {
    if (e.slot == nil) continue;
    std::size_t i = mix32(e.mmsi) & mask;
    while (index_[i].slot != nil) i = (i + 1) & mask;
    index_[i] = e;
  }
}

void Tracker::index_erase(uint32_t mmsi) {
  const std::size_t mask = index_.size() - 1;
  std::size_t i = mix32(mmsi) & mask;
  while (index_[i].mmsi != mmsi || index_[i].slot == nil) {
    if (index_[i].slot == nil) return;
    i = (i + 1) & mask;
  }
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (index_[j].slot == nil) break;
    const std::size_t home = mix32(index_[j].mmsi) & mask;
    const bool home_in_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!home_in_between) {
      index_[i] = index_[j];
      i = j;
    }
  }
  index_[i] = IndexEntry{};
}

// ---- Silence index ----------------------------------------------------------------------------

void Tracker::heard_link(uint32_t slot) {
  const auto b = static_cast<uint32_t>(ring_index(bucket_of(vessels_[slot].last_heard_ms)));
  HeardLink& l = links_[slot];
  l.bucket = b;
  l.prev = nil;
  l.next = heard_heads_[b];
  if (l.next != nil) links_[l.next].prev = slot;
  heard_heads_[b] = slot;
}

void Tracker::heard_unlink(uint32_t slot) {
  HeardLink& l = links_[slot];
  if (l.bucket == nil) return;
  if (l.prev != nil) {
    links_[l.prev].next = l.next;
  } else {
    heard_heads_[l.bucket] = l.next;
  }
  if (l.next != nil) links_[l.next].prev = l.prev;
  l = HeardLink{};
}

// ---- Vessel lifecycle -------------------------------------------------------------------------

uint32_t Tracker::create(uint32_t mmsi, const ais::Header& header, int64_t t) {
  if (live_count_ >= config_.max_vessels) return nil;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    TrackPoint* const ring = vessels_[slot].track_ring;  // the slot keeps its ring
    vessels_[slot] = VesselState{};
    vessels_[slot].track_ring = ring;
  } else {
    slot = static_cast<uint32_t>(vessels_.size());
    vessels_.emplace_back();
    vessels_.back().track_ring = track_ring_of(slot);
    links_.emplace_back();
    grid_.ensure_slots(vessels_.size());
    // Evicting every vessel must not allocate: the free list can hold them all.
    if (free_slots_.capacity() < vessels_.capacity()) free_slots_.reserve(vessels_.capacity());
  }
  VesselState& v = vessels_[slot];
  v.track_capacity = static_cast<uint16_t>(track_capacity_);
  v.mmsi = mmsi;
  // The decoder fills category and MID; a hand-built header may not have, so derive them.
  const ais::MmsiIdentity id = ais::classify_mmsi(mmsi);
  v.category = id.category;
  v.flag = ais::flag_for_mid(header.mid != 0 ? header.mid : id.mid);
  v.first_seen_ms = t;
  v.last_heard_ms = t;
  index_insert(mmsi, slot);
  ++live_count_;
  heard_link(slot);
  return slot;
}

void Tracker::evict(uint32_t slot) {
  VesselState& v = vessels_[slot];
  if (eviction_listener_) eviction_listener_(v);
  heard_unlink(slot);
  grid_.remove(slot);
  index_erase(v.mmsi);
  v.mmsi = 0;
  free_slots_.push_back(slot);  // capacity reserved as slots were created: no allocation
  --live_count_;
  ++stats_.evicted;
}

void Tracker::evict_silent() {
  if (watermark_ == INT64_MIN) return;
  const int64_t cutoff = watermark_ - config_.eviction_horizon_ms;
  const int64_t target = bucket_of(cutoff);
  if (evicted_through_bucket_ != INT64_MIN && target <= evicted_through_bucket_) return;
  const auto n = static_cast<int64_t>(heard_heads_.size());
  int64_t from = evicted_through_bucket_ == INT64_MIN ? target - n + 1 : evicted_through_bucket_;
  if (target - from + 1 > n) from = target - n + 1;
  for (int64_t b = from; b <= target; ++b) {
    uint32_t s = heard_heads_[ring_index(b)];
    while (s != nil) {
      const uint32_t next = links_[s].next;
      if (vessels_[s].last_heard_ms < cutoff) evict(s);
      s = next;
    }
  }
  evicted_through_bucket_ = target;
}

int64_t Tracker::advance_watermark(int64_t now_ms) {
  const int64_t w = now_ms - config_.allowed_lateness_ms;
  if (w > watermark_) {
    watermark_ = w;
    evict_silent();
  }
  return watermark_;
}

// ---- Per-vessel records -----------------------------------------------------------------------

void Tracker::note_source(VesselState& v, std::string_view source, int64_t t) {
  source = source.substr(0, SourceSeen::max_name);
  std::size_t oldest = 0;
  for (std::size_t i = 0; i < v.source_count; ++i) {
    SourceSeen& s = v.sources[i];
    if (s.view() == source) {
      s.last_ms = std::max(s.last_ms, t);
      return;
    }
    if (s.last_ms < v.sources[oldest].last_ms) oldest = i;
  }
  const std::size_t i = v.source_count < VesselState::source_capacity ? v.source_count++ : oldest;
  SourceSeen& s = v.sources[i];
  std::copy(source.begin(), source.end(), s.name.begin());
  s.name_length = static_cast<uint8_t>(source.size());
  s.last_ms = t;
}

bool Tracker::seen_recently(VesselState& v, uint64_t hash, int64_t t) {
  for (const VesselState::RecentHash& r : v.recent) {
    // time 0 with hash 0 is an unused entry; a real hash of 0 at time 0 is harmless either way.
    if (r.hash == hash && (r.time_ms != 0 || r.hash != 0) &&
        std::abs(r.time_ms - t) <= config_.dedup_window_ms) {
      return true;
    }
  }
  v.recent[v.recent_next] = {hash, t};
  v.recent_next = static_cast<uint8_t>((v.recent_next + 1) % VesselState::dedup_capacity);
  return false;
}

UpdateOutcome Tracker::apply_position(uint32_t slot, const PositionFix& fix, UpdateResult& r) {
  VesselState& v = vessels_[slot];
  auto keep_aside = [&](ImplausibleReason reason, float knots) {
    v.rejected[v.rejected_next] = RejectedFix{fix.time_ms, static_cast<float>(fix.lat),
                                              static_cast<float>(fix.lon), knots, reason};
    v.rejected_next = static_cast<uint8_t>((v.rejected_next + 1) % VesselState::rejected_capacity);
    if (v.rejected_count < VesselState::rejected_capacity) ++v.rejected_count;
  };
  if (!valid_position(fix.lat, fix.lon)) {
    keep_aside(ImplausibleReason::out_of_range, 0.0f);
    return UpdateOutcome::implausible_kept_aside;
  }

  // Where the fix goes in the track: before the first point that is later.
  std::size_t at = v.track_count;
  while (at > 0 && v.track_at(at - 1).time_ms > fix.time_ms) --at;

  bool restart = false;
  if (v.track_count > 0) {
    const TrackPoint& ref = at > 0 ? v.track_at(at - 1) : v.track_at(at);
    float knots = 0.0f;
    if (!plausible(config_, ref.lat, ref.lon, ref.time_ms, fix.lat, fix.lon, fix.time_ms, &knots)) {
      // Consecutive rejections that agree with each other: maybe the track was wrong.
      uint8_t streak = 1;
      if (v.rejected_streak > 0) {
        const RejectedFix& prev =
            v.rejected[(v.rejected_next + VesselState::rejected_capacity - 1) %
                       VesselState::rejected_capacity];
        if (prev.reason == ImplausibleReason::impossible_speed &&
            plausible(config_, prev.lat, prev.lon, prev.time_ms, fix.lat, fix.lon, fix.time_ms,
                      nullptr)) {
          streak = static_cast<uint8_t>(std::min(v.rejected_streak + 1, 255));
        }
      }
      const bool track_still_live =
          v.track_reasserted && fix.time_ms - v.track_back().time_ms < config_.reacquire_hold_ms;
      if (streak < config_.reacquire_after || track_still_live) {
        keep_aside(ImplausibleReason::impossible_speed, knots);
        v.rejected_streak = streak;
        return UpdateOutcome::implausible_kept_aside;
      }
      restart = true;
    }
  }
  if (v.rejected_streak != 0) {
    v.track_reasserted = !restart;
    v.rejected_streak = 0;
  }

  TrackPoint p;
  p.time_ms = fix.time_ms;
  p.lat = static_cast<float>(fix.lat);
  p.lon = static_cast<float>(fix.lon);
  p.speed_tenths = tenths(fix.speed_knots);
  p.course_tenths = tenths(fix.course_deg);
  if (restart) {
    v.track_begin = 0;
    v.track_count = 0;
    at = 0;
    r.changes |= change_track_restarted;
    ++stats_.track_restarts;
  }
  const std::size_t cap = v.track_capacity;
  if (v.track_count == cap && at == 0) {
    // Older than everything in a full ring: outside the track's span. Still plausible and
    // reported to the detectors through the result.
    ++v.late_outside_track;
    ++stats_.late_outside_track;
  } else {
    if (v.track_count == cap) {  // drop the oldest
      v.track_begin = static_cast<uint16_t>((v.track_begin + 1) % cap);
      --v.track_count;
      --at;
    }
    for (std::size_t i = v.track_count; i > at; --i) {
      v.track_ring[(v.track_begin + i) % cap] = v.track_ring[(v.track_begin + i - 1) % cap];
    }
    v.track_ring[(v.track_begin + at) % cap] = p;
    ++v.track_count;
    r.changes |= change_track;
  }
  if (restart || !v.position || fix.time_ms >= v.position->time_ms) {
    v.position = fix;
    grid_.place(slot, fix.lat, fix.lon);
    r.changes |= change_position;
  }
  return UpdateOutcome::accepted;
}

void Tracker::apply_static(VesselState& v, const ais::Message& message, int64_t t,
                           UpdateResult& r) {
  StaticData& s = v.statics;
  uint16_t& ch = r.changes;
  auto name = [&](const ais::SixBitText<20>& n) {
    if (n.length == 0 || t < s.name_seen_ms) return;
    merge_text(s.name, n, change_name, ch);
    s.name_seen_ms = t;
  };
  if (const auto* m5 = std::get_if<ais::StaticVoyageData>(&message)) {
    name(m5->shipname);
    if (t >= s.identity_seen_ms) {
      merge_text(s.callsign, m5->callsign, change_callsign, ch);
      if (m5->imo && s.imo != *m5->imo) {
        s.imo = *m5->imo;
        ch |= change_imo;
      }
      merge_ship_type(s, m5->shiptype, ch);
      merge_dimensions(s, *m5, ch);
      s.identity_seen_ms = t;
    }
    if (t >= s.voyage_seen_ms) {
      if (m5->draught) {
        const auto d = static_cast<float>(*m5->draught);
        if (s.draught_m != d) {
          s.draught_m = d;
          ch |= change_draught;
        }
      }
      merge_text(s.destination, m5->destination, change_destination, ch);
      s.voyage_seen_ms = t;
    }
  } else if (const auto* m19 = std::get_if<ais::ClassBExtendedReport>(&message)) {
    name(m19->shipname);
    if (t >= s.identity_seen_ms) {
      merge_ship_type(s, m19->shiptype, ch);
      merge_dimensions(s, *m19, ch);
      s.identity_seen_ms = t;
    }
  } else if (const auto* m24 = std::get_if<ais::StaticDataReport>(&message)) {
    if (m24->partno == 0) {
      name(m24->shipname);
    } else if (t >= s.identity_seen_ms) {
      merge_ship_type(s, m24->shiptype, ch);
      merge_text(s.callsign, m24->callsign, change_callsign, ch);
      if (m24->header.category == ais::MmsiCategory::craft_with_parent) {
        s.mothership_mmsi = m24->mothership_mmsi;
      } else {
        merge_dimensions(s, *m24, ch);
      }
      s.identity_seen_ms = t;
    }
  }
}

// ---- update -----------------------------------------------------------------------------------

UpdateResult Tracker::finish(UpdateResult r) {
  ++stats_.by_outcome[static_cast<std::size_t>(r.outcome)];
  return r;
}

UpdateResult Tracker::update(const ais::Message& message, int64_t t, std::string_view source,
                             std::optional<uint64_t> payload_hash) {
  UpdateResult r;
  r.event_time_ms = t;
  ++stats_.messages;
  const ais::Header& header = ais::header_of(message);

  r.late = watermark_ != INT64_MIN && t < watermark_;
  if (r.late) ++stats_.late;
  if (t > max_event_time_) {
    max_event_time_ = t;
    if (t - config_.allowed_lateness_ms > watermark_) {
      watermark_ = t - config_.allowed_lateness_ms;
      // Before the lookup, so that the result's vessel pointer is not invalidated by eviction.
      evict_silent();
    }
  }
  if (!is_vessel(message, header)) {
    r.outcome = UpdateOutcome::not_a_vessel;
    return finish(r);
  }
  if (r.late && t < watermark_ - config_.eviction_horizon_ms) {
    r.outcome = UpdateOutcome::too_old;  // it would be evicted at once
    return finish(r);
  }

  uint32_t slot = find_slot(header.mmsi);
  if (slot == nil) {
    slot = create(header.mmsi, header, t);
    if (slot == nil) {
      r.outcome = UpdateOutcome::table_full;
      return finish(r);
    }
    r.changes |= change_new_vessel;
  }
  VesselState& v = vessels_[slot];
  r.vessel = &v;
  r.previous_last_heard_ms = v.last_heard_ms;
  note_source(v, source, t);

  const std::optional<uint64_t> hash = payload_hash ? payload_hash : message_hash(message);
  if (hash && seen_recently(v, *hash, t)) {
    r.outcome = UpdateOutcome::duplicate;
    return finish(r);
  }

  // Heard: independent of whether the message carries a usable position.
  if (t > v.last_heard_ms) {
    const std::size_t old_bucket = links_[slot].bucket;
    v.last_heard_ms = t;
    if (ring_index(bucket_of(t)) != old_bucket) {
      heard_unlink(slot);
      heard_link(slot);
    }
  }
  if (t < v.first_seen_ms) v.first_seen_ms = t;

  UpdateOutcome outcome = UpdateOutcome::accepted;
  if (std::optional<PositionFix> fix = position_of(message, t)) {
    if (std::isnan(fix->lat) || std::isnan(fix->lon)) {
      outcome = UpdateOutcome::no_position;
    } else {
      outcome = apply_position(slot, *fix, r);
    }
  }
  apply_static(v, message, t, r);
  if (outcome == UpdateOutcome::accepted && r.late) outcome = UpdateOutcome::late_accepted;
  r.outcome = outcome;
  return finish(r);
}

std::size_t Tracker::memory_bytes() const {
  return sizeof(*this) + vessels_.capacity() * sizeof(VesselState) +
         track_chunks_.size() * track_chunk_slots * track_capacity_ * sizeof(TrackPoint) +
         track_chunks_.capacity() * sizeof(track_chunks_[0]) +
         links_.capacity() * sizeof(HeardLink) + free_slots_.capacity() * sizeof(uint32_t) +
         index_.capacity() * sizeof(IndexEntry) + heard_heads_.capacity() * sizeof(uint32_t) +
         grid_.memory_bytes();
}

}  // namespace aiswatch::track

// TODO(checkpoint): placeholder until the state is written field by field.
namespace aiswatch::track {
void Tracker::save_state(state::StateWriter& out) const { out.section("todo"); }
void Tracker::restore_state(state::StateReader& in) { in.fail("Tracker state not implemented"); }
}  // namespace aiswatch::track
