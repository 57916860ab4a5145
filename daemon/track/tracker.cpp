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

// ---- Checkpoints ------------------------------------------------------------------------------
//
// Layout: the watermark, the newest event time and the eviction cursor; the number of slots;
// each tracked vessel with its slot number and its track (oldest point first); the free slots in
// the order create() takes them; then two orders that are not in the vessels themselves:
//  - the silence index: each bucket's list, tail first, so that linking them again in that order
//    (heard_link puts a vessel at the head) rebuilds every list as it was, and
//    for_each_last_heard_in and eviction visit vessels in the same order as before;
//  - the spatial grid: each cell's list, tail first, for the same reason (SpatialGrid::place
//    also links at the head), so for_each_neighbour reports neighbours in the same order.
// The MMSI index is rebuilt by inserting; its layout is not observable.

namespace {

// Times a restored state may hold: far beyond any real event time, near enough to zero that
// the tracker's differences and bucket arithmetic cannot overflow on corrupt input.
constexpr int64_t time_limit = INT64_MAX / 4;
bool valid_time(int64_t t) { return t > -time_limit && t < time_limit; }
// The markers "before the first message" and "nothing evicted yet" are INT64_MIN.
bool valid_time_or_unset(int64_t t) { return t == INT64_MIN || valid_time(t); }

int64_t get_time(state::StateReader& in, std::string_view what) {
  const auto t = in.get<int64_t>();
  if (in.ok() && !valid_time(t)) in.fail(std::string(what) + " out of range");
  return t;
}

// Lower bound of a saved vessel's size (slot, MMSI, times, dedup hashes), for StateReader::count.
constexpr std::size_t min_saved_vessel_bytes =
    sizeof(uint32_t) * 2 + sizeof(int64_t) * 2 + VesselState::dedup_capacity * 16;

template <std::size_t N>
void put_text(state::StateWriter& out, const ais::SixBitText<N>& text) {
  out.put(text.length);
  for (const char c : text.chars) out.put(c);
}

template <std::size_t N>
void get_text(state::StateReader& in, ais::SixBitText<N>& text, std::string_view what) {
  text.length = in.get<uint8_t>();
  for (char& c : text.chars) c = in.get<char>();
  if (in.ok() && text.length > N) in.fail(std::string(what) + " longer than its field");
}

void put_fix(state::StateWriter& out, const PositionFix& f) {
  out.put(f.time_ms);
  out.put(f.lat);
  out.put(f.lon);
  out.put(f.speed_knots);
  out.put(f.course_deg);
  out.put(f.heading_deg);
  out.put(f.nav_status);
  out.put(f.message_type);
  out.put(f.accuracy);
}

void get_fix(state::StateReader& in, PositionFix& f) {
  f.time_ms = get_time(in, "a position's time");
  f.lat = in.get<double>();
  f.lon = in.get<double>();
  f.speed_knots = in.get_optional<float>();
  f.course_deg = in.get_optional<float>();
  f.heading_deg = in.get_optional<uint16_t>();
  f.nav_status = in.get_optional<uint8_t>();
  f.message_type = in.get<uint8_t>();
  f.accuracy = in.get<bool>();
  // The grid places the vessel by it: an accepted fix is always a valid position.
  if (in.ok() && !valid_position(f.lat, f.lon)) in.fail("a vessel's position out of range");
}

void put_statics(state::StateWriter& out, const StaticData& s) {
  put_text(out, s.name);
  put_text(out, s.callsign);
  put_text(out, s.destination);
  out.put(s.imo);
  out.put(s.ship_type);
  out.put(s.draught_m);
  out.put(s.to_bow);
  out.put(s.to_stern);
  out.put(s.to_port);
  out.put(s.to_starboard);
  out.put(s.mothership_mmsi);
  out.put(s.name_seen_ms);
  out.put(s.identity_seen_ms);
  out.put(s.voyage_seen_ms);
}

void get_statics(state::StateReader& in, StaticData& s) {
  get_text(in, s.name, "a vessel's name");
  get_text(in, s.callsign, "a vessel's call sign");
  get_text(in, s.destination, "a vessel's destination");
  s.imo = in.get_optional<uint32_t>();
  s.ship_type = in.get_optional<uint8_t>();
  s.draught_m = in.get_optional<float>();
  s.to_bow = in.get<uint16_t>();
  s.to_stern = in.get<uint16_t>();
  s.to_port = in.get<uint8_t>();
  s.to_starboard = in.get<uint8_t>();
  s.mothership_mmsi = in.get<uint32_t>();
  s.name_seen_ms = in.get<int64_t>();
  s.identity_seen_ms = in.get<int64_t>();
  s.voyage_seen_ms = in.get<int64_t>();
}

// Everything of a VesselState but its track (the tracker writes that: it depends on the ring).
void put_vessel(state::StateWriter& out, const VesselState& v) {
  out.put(v.mmsi);
  // The flag by its MID: create() takes the MID of the message's header, which may differ from
  // the one classify_mmsi derives (category is always derived, so it is not written).
  out.put(v.flag != nullptr);
  out.put<uint16_t>(v.flag != nullptr ? v.flag->mid : 0);
  out.put(v.first_seen_ms);
  out.put(v.last_heard_ms);
  for (const VesselState::RecentHash& r : v.recent) {
    out.put(r.hash);
    out.put(r.time_ms);
  }
  out.put(v.recent_next);
  out.put(v.source_count);
  for (std::size_t i = 0; i < v.source_count; ++i) {
    const SourceSeen& source = v.sources[i];
    for (const char c : source.name) out.put(c);
    out.put(source.name_length);
    out.put(source.last_ms);
  }
  out.put(v.rejected_streak);
  out.put(v.track_reasserted);
  out.put(v.position.has_value());
  if (v.position) put_fix(out, *v.position);
  put_statics(out, v.statics);
  for (const RejectedFix& r : v.rejected) {
    out.put(r.time_ms);
    out.put(r.lat);
    out.put(r.lon);
    out.put(r.implied_knots);
    out.put(r.reason);
  }
  out.put(v.rejected_count);
  out.put(v.rejected_next);
  out.put(v.late_outside_track);
}

void get_vessel(state::StateReader& in, VesselState& v) {
  v.mmsi = in.get<uint32_t>();
  v.category = ais::classify_mmsi(v.mmsi).category;  // as create() derives it
  const bool has_flag = in.get<bool>();
  const auto mid = in.get<uint16_t>();
  v.flag = has_flag ? ais::flag_for_mid(mid) : nullptr;
  if (in.ok() && has_flag && v.flag == nullptr) in.fail("a vessel's flag MID is not allocated");
  v.first_seen_ms = get_time(in, "a vessel's first_seen_ms");
  v.last_heard_ms = get_time(in, "a vessel's last_heard_ms");
  for (VesselState::RecentHash& r : v.recent) {
    r.hash = in.get<uint64_t>();
    r.time_ms = get_time(in, "a de-duplication time");
  }
  v.recent_next = in.get<uint8_t>();
  if (in.ok() && v.recent_next >= VesselState::dedup_capacity)
    in.fail("a vessel's recent_next out of range");
  v.source_count = in.get<uint8_t>();
  if (in.ok() && v.source_count > VesselState::source_capacity)
    in.fail("a vessel's source_count out of range");
  for (std::size_t i = 0; i < v.source_count && in.ok(); ++i) {
    SourceSeen& source = v.sources[i];
    for (char& c : source.name) c = in.get<char>();
    source.name_length = in.get<uint8_t>();
    source.last_ms = in.get<int64_t>();
    if (in.ok() && source.name_length > SourceSeen::max_name)
      in.fail("a vessel's source name_length out of range");
  }
  v.rejected_streak = in.get<uint8_t>();
  v.track_reasserted = in.get<bool>();
  if (in.get<bool>()) {
    v.position.emplace();
    get_fix(in, *v.position);
  }
  get_statics(in, v.statics);
  for (RejectedFix& r : v.rejected) {
    r.time_ms = get_time(in, "a rejected fix's time");
    r.lat = in.get<float>();
    r.lon = in.get<float>();
    r.implied_knots = in.get<float>();
    r.reason = in.get_enum(ImplausibleReason::impossible_speed);
  }
  v.rejected_count = in.get<uint8_t>();
  v.rejected_next = in.get<uint8_t>();
  if (in.ok() && (v.rejected_count > VesselState::rejected_capacity ||
                  v.rejected_next >= VesselState::rejected_capacity))
    in.fail("a vessel's rejected_count or rejected_next out of range");
  v.late_outside_track = in.get<uint32_t>();
}

}  // namespace

void Tracker::save_state(state::StateWriter& out) const {
  out.section("trak");
  out.put(max_event_time_);
  out.put(watermark_);
  out.put(evicted_through_bucket_);
  out.put<uint64_t>(vessels_.size());

  out.put<uint64_t>(live_count_);
  for (uint32_t slot = 0; slot < vessels_.size(); ++slot) {
    if (links_[slot].bucket == nil) continue;  // free: every tracked vessel is heard-linked
    const VesselState& v = vessels_[slot];
    out.put(slot);
    put_vessel(out, v);
    out.put(v.track_capacity);
    out.put(v.track_begin);
    out.put(v.track_count);
    for (std::size_t i = 0; i < v.track_size(); ++i) {
      const TrackPoint& p = v.track_at(i);
      out.put(p.time_ms);
      out.put(p.lat);
      out.put(p.lon);
      out.put(p.speed_tenths);
      out.put(p.course_tenths);
    }
  }

  out.put<uint64_t>(free_slots_.size());
  for (const uint32_t slot : free_slots_) out.put(slot);

  out.put<uint64_t>(live_count_);
  std::vector<uint32_t> list;
  for (const uint32_t head : heard_heads_) {
    list.clear();
    for (uint32_t s = head; s != nil; s = links_[s].next) list.push_back(s);
    for (auto s = list.rbegin(); s != list.rend(); ++s) out.put(*s);
  }

  // Each cell's list, in its order, once.
  std::size_t placed = 0;
  for (uint32_t slot = 0; slot < vessels_.size(); ++slot)
    if (grid_.contains(slot)) ++placed;
  out.put<uint64_t>(placed);
  std::vector<bool> written(vessels_.size(), false);
  for (uint32_t slot = 0; slot < vessels_.size(); ++slot) {
    if (written[slot] || !grid_.contains(slot)) continue;
    list.clear();
    grid_.for_each_in_cell_of(slot, [&](uint32_t s) { list.push_back(s); });
    for (auto s = list.rbegin(); s != list.rend(); ++s) {
      out.put(*s);
      written[*s] = true;
    }
  }
}

void Tracker::restore_state(state::StateReader& in) {
  in.section("trak");
  const auto max_event_time = in.get<int64_t>();
  const auto watermark = in.get<int64_t>();
  const auto evicted_through_bucket = in.get<int64_t>();
  if (in.ok() && (!valid_time_or_unset(max_event_time) || !valid_time_or_unset(watermark) ||
                  !valid_time_or_unset(evicted_through_bucket)))
    in.fail("the tracker's watermark, newest event time or eviction cursor out of range");
  if (in.ok() && !vessels_.empty()) in.fail("a tracker state restored into a tracker in use");
  // Every slot is written at least as a four-byte slot number (as a vessel or a free slot).
  // Slots are only added while fewer than max_vessels are tracked, so there are at most that
  // many; a tracker configured for fewer cannot take the state.
  const std::size_t slot_count = in.count(config_.max_vessels, sizeof(uint32_t));
  if (!in.ok()) return;
  max_event_time_ = max_event_time;
  watermark_ = watermark;
  evicted_through_bucket_ = evicted_through_bucket;

  vessels_.resize(slot_count);
  links_.resize(slot_count);
  grid_.ensure_slots(slot_count);
  for (uint32_t slot = 0; slot < slot_count; ++slot)
    vessels_[slot].track_ring = track_ring_of(slot);
  enum : uint8_t { slot_unseen, slot_live, slot_free };
  std::vector<uint8_t> slot_state(slot_count, slot_unseen);

  const std::size_t live_count = in.count(slot_count, min_saved_vessel_bytes);
  for (std::size_t i = 0; i < live_count && in.ok(); ++i) {
    const auto slot = in.get<uint32_t>();
    if (!in.ok()) return;
    if (slot >= slot_count) return in.fail("a vessel's slot out of range");
    if (slot_state[slot] != slot_unseen) return in.fail("a vessel's slot used twice");
    slot_state[slot] = slot_live;
    VesselState& v = vessels_[slot];
    get_vessel(in, v);
    if (!in.ok()) return;
    if (find_slot(v.mmsi) != nil) return in.fail("a vessel's MMSI tracked twice");

    // The track, oldest point first. A smaller ring keeps the newest points; the same size keeps
    // the ring's rotation too.
    const auto saved_capacity = in.get<uint16_t>();
    const auto saved_begin = in.get<uint16_t>();
    const auto saved_count = in.get<uint16_t>();
    if (!in.ok()) return;
    if (saved_capacity < TrackerConfig::min_history_points ||
        saved_capacity > TrackerConfig::max_history_points_limit || saved_begin >= saved_capacity ||
        saved_count > saved_capacity)
      return in.fail("a vessel's track capacity, begin or count out of range");
    const std::size_t cap = track_capacity_;
    const std::size_t keep = std::min<std::size_t>(saved_count, cap);
    v.track_capacity = static_cast<uint16_t>(cap);
    v.track_begin = saved_capacity == cap ? saved_begin : 0;
    v.track_count = static_cast<uint16_t>(keep);
    for (std::size_t p = 0; p < saved_count && in.ok(); ++p) {
      TrackPoint point;
      point.time_ms = get_time(in, "a track point's time");
      point.lat = in.get<float>();
      point.lon = in.get<float>();
      point.speed_tenths = in.get<uint16_t>();
      point.course_tenths = in.get<uint16_t>();
      if (p + keep < saved_count) continue;  // older than this tracker's ring holds
      v.track_ring[(v.track_begin + p - (saved_count - keep)) % cap] = point;
    }
    if (!in.ok()) return;
    index_insert(v.mmsi, slot);
    ++live_count_;
  }
  if (!in.ok()) return;

  const std::size_t free_count = in.count(slot_count, sizeof(uint32_t));
  if (in.ok() && free_count != slot_count - live_count)
    return in.fail("free slots and vessels do not add up to the slots");
  if (free_slots_.capacity() < vessels_.capacity()) free_slots_.reserve(vessels_.capacity());
  for (std::size_t i = 0; i < free_count && in.ok(); ++i) {
    const auto slot = in.get<uint32_t>();
    if (!in.ok()) return;
    if (slot >= slot_count || slot_state[slot] != slot_unseen)
      return in.fail("a free slot out of range or in use");
    slot_state[slot] = slot_free;
    free_slots_.push_back(slot);
  }

  const std::size_t heard = in.count(live_count, sizeof(uint32_t));
  if (in.ok() && heard != live_count) return in.fail("a silence index without every vessel");
  for (std::size_t i = 0; i < heard && in.ok(); ++i) {
    const auto slot = in.get<uint32_t>();
    if (!in.ok()) return;
    if (slot >= slot_count || slot_state[slot] != slot_live || links_[slot].bucket != nil)
      return in.fail("a silence index slot out of range, free or listed twice");
    heard_link(slot);
  }

  std::size_t with_position = 0;
  for (uint32_t slot = 0; slot < slot_count; ++slot)
    if (slot_state[slot] == slot_live && vessels_[slot].position) ++with_position;
  const std::size_t placed = in.count(live_count, sizeof(uint32_t));
  if (in.ok() && placed != with_position)
    return in.fail("a spatial grid without every vessel that has a position");
  for (std::size_t i = 0; i < placed && in.ok(); ++i) {
    const auto slot = in.get<uint32_t>();
    if (!in.ok()) return;
    if (slot >= slot_count || slot_state[slot] != slot_live || !vessels_[slot].position ||
        grid_.contains(slot))
      return in.fail("a spatial grid slot out of range, without a position or listed twice");
    grid_.place(slot, vessels_[slot].position->lat, vessels_[slot].position->lon);
  }
}

}  // namespace aiswatch::track
