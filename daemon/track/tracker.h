#pragma once
// Tracking: decoded AIS messages in, per-vessel state in event time out. No I/O, no clock: every
// time is an argument (UNIX milliseconds), so replay equals live.
//
// What a detector does with it:
//
//   track::Tracker tracker;                       // TrackerConfig for thresholds
//   UpdateResult r = tracker.update(message, payload.event_time_ms.value_or(arrival_ms),
//                                   payload.tag_source);
//   if (r.vessel && r.counts_as_heard())  ...     // r.vessel->position, ->statics, ->track_at(i)
//   if (r.late) ...                               // heard at r.event_time_ms, behind the
//   watermark:
//                                                 // close a dark period it contradicts
//   tracker.for_each_neighbour(lat, lon, 500.0, [](const VesselState& v, double metres) {...});
//   tracker.for_each_last_heard_in(from, to, [](const VesselState& v) {...});  // silence
//   tracker.advance_watermark(clock_now_ms);      // live input idle
//
// Event time and the watermark. A message's event time is its receive time (tag block `c:`,
// else arrival). watermark = max event time seen - allowed_lateness (default 60 s), and never
// moves back. A message older than the watermark is late, which is normal — satellite AIS reaches
// a feed minutes to hours after reception — so it still updates the vessel (inserted into the track
// in time order; last_heard moves only forward) and the result says it was late. Silence-driven
// detectors (dark period) act at the watermark, not on arrival, so a late message decides before
// anything fires unless it is later than allowed_lateness.
//
// De-duplication. One transmission heard by several stations (or a terrestrial and a satellite
// receiver, or re-sent by a repeater) reaches us several times: in shared/data/ais/simpleais/
// sample.ais most reports arrive twice, as !AIVDM and !ABVDM. Copies are recognised by a hash of
// the decoded message (MMSI, type and every field except the repeat indicator) within
// dedup_window_ms of each other, per vessel, and count once. Legitimate repeats of identical
// content are not lost with a window under a minute: position reports carry the UTC second of the
// fix (so identical reports are at least 60 s apart), and static data is sent every 6 minutes
// (ITU-R M.1371-5 Annex 1, Table 1, and its 6-minute static data interval).
//
// Position sanity. A fix implying more than max_speed_knots from the track point nearest in time
// before it (or after it, for a late fix) is kept out of the track and recorded in
// VesselState::rejected for the spoofing detector. Jumps under min_jump_m are always plausible:
// fixes seconds apart differ by GPS jitter that would otherwise imply absurd speeds. After
// reacquire_after consecutive rejected fixes that agree with each other, the vessel is taken to
// be where they say (a wrong first fix must not freeze a track forever); the result says so. A
// track that has itself been heard between rejected fixes (two transmitters of one MMSI) is kept
// until it has been silent reacquire_hold_ms, so that neither transmitter corrupts the other's.
//
// Memory. Vessel states live in one vector indexed by an open-addressing hash of MMSIs (no node
// per vessel); freed slots are reused. Each slot's track ring (max_history_points points) lives
// in a chunk of track storage shared by track_chunk_slots slots, allocated when the first of
// them is created; chunks never move, so VesselState::track_ring stays valid as tables grow.
// Vessels silent longer than eviction_horizon_ms behind the watermark are evicted (the eviction
// listener hears of each). Nothing allocates per message once the tables have grown to the number
// of vessels; reserve with expected_vessels.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ais/message.h"
#include "state/archive.h"
#include "track/geo.h"
#include "track/spatial_grid.h"
#include "track/vessel_state.h"

namespace aiswatch::track {

struct TrackerConfig {
  // Watermark lateness: 60 s, the default of issue 3; terrestrial feeds from several stations
  // arrive within seconds of each other.
  int64_t allowed_lateness_ms = 60'000;
  // Copies of one message within this much event time count once (see the header comment for
  // why 10 s is safe: anything under 60 s is).
  int64_t dedup_window_ms = 10'000;
  // Fastest plausible speed over ground. The fastest merchant ships (container ships, fast
  // ferries aside) make under 30 kn; high-speed craft reach about 40-45 kn. 50 kn leaves room
  // for jitter over short intervals while catching the jumps of spoofing and MMSI collisions
  // (two vessels sharing one MMSI alternate between far-apart positions).
  double max_speed_knots = 50.0;
  // Jumps shorter than this are always plausible (GPS jitter and the 1/10 minute resolution of
  // message 27 over reports seconds apart).
  double min_jump_m = 500.0;
  // Consecutive rejected fixes, consistent with each other, after which the track restarts there.
  uint8_t reacquire_after = 3;
  // ... unless the track has already outlasted rejected fixes since it (re)started
  // (VesselState::track_reasserted): then it restarts only when its own newest point is at least
  // this much older than the fix. Two transmitters sharing one MMSI interleave their reports, and
  // a burst of reacquire_after from one of them would otherwise move the other's track there and
  // back. A Class A ship at anchor reports every 3 minutes (ITU-R M.1371-5 Annex 1, Table 1): two
  // of its intervals without a report mean it is no longer there.
  int64_t reacquire_hold_ms = 6 * 60'000;
  // Vessels silent for longer than this behind the watermark are evicted: the longest detector
  // horizon (rendezvous episodes a few hours apart merge; dark periods are judged over a day or
  // two; 48 h covers both).
  int64_t eviction_horizon_ms = 48LL * 3'600'000;
  // Spatial grid cell size in degrees (see spatial_grid.h): 0.01 deg (1.1 km north-south) keeps
  // a 500 m rendezvous query to 2-3 x 2-3 cells of a few ships each even in a crowded roadstead
  // (bench_track BM_neighbours_500m_anchorage), while a 50 km query still touches only ~10 000
  // cells.
  double grid_cell_deg = 0.01;
  // Track points kept per vessel (the rules' tracker.max_history_points, whose range [2, 1024]
  // this is clamped to). Each costs every tracked vessel 24 bytes
  // (sizeof(TrackPoint)), allocated with its slot: 16 keeps a million vessels at about 1.1 KB
  // each and 32 at about 1.4 KB (bench_track BM_memory), within issue 3's 2 KB per vessel;
  // beyond about 56 a million no longer fit it. A Class A ship under way reports every 2-10 s
  // (ITU-R M.1371-5 Annex 1, Table 1), so 16 points span 30 s to 3 min of it, about 45 min at
  // anchor. Fewer bytes per vessel also keep more of a busy feed's vessels in cache: replay of
  // 20,000 vessels ran 2-20 % faster at 16 than at 32 (tests/bench/replay_throughput.sh).
  std::size_t max_history_points = 16;
  static constexpr std::size_t min_history_points = 2;
  static constexpr std::size_t max_history_points_limit = 1'024;
  // Upper bound on vessels held at once; beyond it new vessels are refused (counted).
  std::size_t max_vessels = 4'000'000;
  // Reserve room for this many vessels up front (no growth, no rehash until exceeded).
  std::size_t expected_vessels = 0;
};

// What update() did with a message. Every message is counted under exactly one outcome.
enum class UpdateOutcome : uint8_t {
  accepted,                // applied: position into the track and/or static data, or heard
  late_accepted,           // as accepted, but its event time is behind the watermark
  duplicate,               // a copy of a message already applied (other station, repeater)
  implausible_kept_aside,  // a position out of range or implying an impossible speed
  no_position,             // a position report without a position; the vessel is still heard
  not_a_vessel,            // base stations, aids to navigation, SAR aircraft: not tracked
  too_old,                 // behind the watermark by more than the eviction horizon
  table_full,              // a new vessel beyond max_vessels
  count_                   // number of outcomes; keep last
};
inline constexpr std::size_t update_outcome_count = static_cast<std::size_t>(UpdateOutcome::count_);
std::string_view to_string(UpdateOutcome outcome);

// Bits of UpdateResult::changes: what this message changed in the vessel's state.
enum Change : uint16_t {
  change_position = 1u << 0,  // VesselState::position is a newer fix
  change_track = 1u << 1,     // a point joined the track (maybe in the past, for late fixes)
  change_name = 1u << 2,
  change_callsign = 1u << 3,
  change_imo = 1u << 4,
  change_ship_type = 1u << 5,
  change_dimensions = 1u << 6,
  change_draught = 1u << 7,
  change_destination = 1u << 8,
  change_track_restarted = 1u << 9,  // consistent rejected fixes replaced the track
  change_new_vessel = 1u << 10,
};

struct UpdateResult {
  UpdateOutcome outcome = UpdateOutcome::not_a_vessel;
  // The event time was behind the watermark (true for late_accepted, and for a late duplicate or
  // implausible fix too).
  bool late = false;
  int64_t event_time_ms = 0;
  // The vessel's last_heard_ms before this message (equal to event_time_ms for a new vessel):
  // event_time_ms - previous_last_heard_ms is the silence this message ends, when positive.
  int64_t previous_last_heard_ms = 0;
  uint16_t changes = 0;  // Change bits
  // The vessel the message belongs to; nullptr for not_a_vessel, too_old and table_full. Valid
  // until the next call that can add or evict a vessel (update, advance_watermark).
  const VesselState* vessel = nullptr;

  // The vessel transmitted at event_time_ms (a dark-period detector closes a silence that this
  // contradicts). True for every outcome that has a vessel except duplicate.
  bool counts_as_heard() const { return vessel != nullptr && outcome != UpdateOutcome::duplicate; }
};

struct TrackerStats {
  uint64_t messages = 0;
  std::array<uint64_t, update_outcome_count> by_outcome{};
  uint64_t late = 0;                // messages behind the watermark, whatever their outcome
  uint64_t late_outside_track = 0;  // late fixes older than the whole track ring
  uint64_t track_restarts = 0;
  uint64_t evicted = 0;
  uint64_t operator[](UpdateOutcome o) const { return by_outcome[static_cast<std::size_t>(o)]; }
};

class Tracker {
 public:
  explicit Tracker(TrackerConfig config = {});

  // Apply one decoded message received at event_time_ms (UNIX ms) from `source` (tag-block s:
  // or the input's name; may be empty). `payload_hash`, when given, replaces the hash of the
  // decoded message for de-duplication (e.g. a hash of the armoured payload).
  UpdateResult update(const ais::Message& message, int64_t event_time_ms,
                      std::string_view source = {},
                      std::optional<uint64_t> payload_hash = std::nullopt);

  // Live input is idle: the watermark moves to at least now_ms - allowed_lateness. Evicts
  // vessels silent past the horizon. Returns the watermark.
  int64_t advance_watermark(int64_t now_ms);

  // Max event time seen minus allowed lateness; INT64_MIN before the first message.
  int64_t watermark() const { return watermark_; }
  int64_t max_event_time() const { return max_event_time_; }

  const VesselState* find(uint32_t mmsi) const;

  // Optional hint: the next update will be for `mmsi`. With a million vessels every update
  // starts with a cache miss on the MMSI index; a caller that decodes one message ahead can
  // overlap that miss with the current update (bench_track: BM_update/N/2).
  void prefetch(uint32_t mmsi) const {
    __builtin_prefetch(&index_[mix32(mmsi) & (index_.size() - 1)]);
  }
  // The second stage, a message later (the index entry has arrived by then): fetch the vessel's
  // state.
  void prefetch_vessel(uint32_t mmsi) const;
  std::size_t size() const { return live_count_; }

  // The vessel's slot: a dense index below slot_count(), stable while the vessel is tracked and
  // reused once it is evicted (the update that brings a vessel into a slot carries
  // change_new_vessel). Lets a detector keep per-vessel state in a flat array rather than a hash
  // map: one cache line per update instead of a chain of them.
  uint32_t slot_of(const VesselState& v) const {
    return static_cast<uint32_t>(&v - vessels_.data());
  }
  std::size_t slot_count() const { return vessels_.size(); }

  // Calls f(const VesselState&, double metres) for every vessel whose current position (its
  // newest accepted fix, however old: check v.position->time_ms) is within radius_m of
  // (lat, lon), in no particular order, the querying vessel included. Cost: the vessels in the
  // few grid cells the circle touches. f must not call update().
  template <class F>
  void for_each_neighbour(double lat, double lon, double radius_m, F&& f) const {
    // A bounding box in degrees rejects most candidates of the covering cells before the
    // trigonometry (longitude span from the box's edge nearest a pole, wrapped at +-180).
    const double dlat = radius_m / metres_per_degree * 1.0001;
    const double polemost = std::fabs(lat) + dlat;
    const double dlon = polemost >= 89.9 ? 360.0 : dlat / std::cos(polemost * degrees_to_radians);
    grid_.for_each_candidate(lat, lon, radius_m, [&](uint32_t slot) {
      const VesselState& v = vessels_[slot];
      if (std::fabs(v.position->lat - lat) > dlat) return;
      double dl = std::fabs(v.position->lon - lon);
      if (dl > 180.0) dl = 360.0 - dl;
      if (dl > dlon) return;
      const double d = haversine_m(lat, lon, v.position->lat, v.position->lon);
      if (d <= radius_m) f(v, d);
    });
  }

  // Calls f(const VesselState&) for every vessel whose last_heard_ms is in [from_ms, to_ms).
  // A dark-period detector calls it with [previous threshold, watermark - silence threshold) as
  // the watermark moves, and so sees each vessel that crossed the threshold once, at the cost of
  // the vessels heard in that interval — not of every vessel. f must not call update().
  template <class F>
  void for_each_last_heard_in(int64_t from_ms, int64_t to_ms, F&& f) const {
    // Clamped so that bucket arithmetic cannot overflow; no real event time is near the limits.
    from_ms = std::max(from_ms, INT64_MIN / 4);
    to_ms = std::min(to_ms, INT64_MAX / 4);
    if (to_ms <= from_ms) return;
    const int64_t first = bucket_of(from_ms), last = bucket_of(to_ms - 1);
    const int64_t n = static_cast<int64_t>(heard_heads_.size());
    const int64_t count = (last - first + 1) >= n ? n : last - first + 1;
    for (int64_t b = 0; b < count; ++b) {
      for (uint32_t s = heard_heads_[ring_index(first + b)]; s != nil; s = links_[s].next) {
        const VesselState& v = vessels_[s];
        if (v.last_heard_ms >= from_ms && v.last_heard_ms < to_ms) f(v);
      }
    }
  }

  // Called with each vessel just before it is evicted.
  void set_eviction_listener(std::function<void(const VesselState&)> listener) {
    eviction_listener_ = std::move(listener);
  }

  const TrackerStats& stats() const { return stats_; }
  const TrackerConfig& config() const { return config_; }
  // Bytes held by the tracker's tables (capacity, not just use).
  std::size_t memory_bytes() const;

  // Checkpoints (state/archive.h): every tracked vessel in its slot (detectors keep per-slot
  // state, so slots survive a restore), its track ring, the free slots, the watermark, the
  // newest event time and the eviction cursor. restore_state reads into a tracker freshly
  // constructed (no update yet) with any configuration: a track longer than this tracker's
  // capacity keeps its newest points. Statistics are not kept. On a failed reader the tracker
  // is left in a valid but unspecified state, to be discarded.
  void save_state(state::StateWriter& out) const;
  void restore_state(state::StateReader& in);
  std::size_t occupied_cells() const { return grid_.occupied_cells(); }

 private:
  static constexpr uint32_t nil = 0xFFFF'FFFFu;
  // Silence index: vessels bucketed by last_heard_ms in a ring of buckets of this width. A
  // vessel moves to a new bucket (unlink + link: two random cache lines) only when its
  // last_heard crosses into another bucket: with one-minute buckets that is once a minute, not
  // on each of the 6 to 30 reports a Class A ship under way sends a minute (ITU-R M.1371-5
  // Annex 1, Table 1). Queries filter by exact time, so the width costs no precision; it only
  // sets how many extra vessels a query's two boundary buckets hold, and the delay (under a
  // minute) with which eviction follows the horizon.
  static constexpr int64_t heard_bucket_ms = 60'000;
  struct HeardLink {
    uint32_t prev = nil, next = nil;
    uint32_t bucket = nil;  // ring index, nil when not linked
  };
  struct IndexEntry {
    uint32_t mmsi = 0;
    uint32_t slot = nil;  // nil: empty
  };

  static uint32_t mix32(uint32_t x) {  // lowbias32 (Chris Wellons' hash prospector)
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
  }
  static int64_t bucket_of(int64_t t) {  // floor division
    return t >= 0 ? t / heard_bucket_ms : -((-t + heard_bucket_ms - 1) / heard_bucket_ms);
  }
  std::size_t ring_index(int64_t bucket) const {
    return static_cast<std::size_t>(bucket) & (heard_heads_.size() - 1);
  }

  // Slots per chunk of track storage: small enough that a tracker of a few vessels costs little
  // (256 x 32 points x 24 B = 192 KB), large enough that a million vessels need only ~4 000.
  static constexpr std::size_t track_chunk_slots = 256;

  UpdateResult finish(UpdateResult r);
  TrackPoint* track_ring_of(uint32_t slot);  // allocates the slot's chunk if it has none
  uint32_t find_slot(uint32_t mmsi) const;
  uint32_t create(uint32_t mmsi, const ais::Header& header, int64_t t);
  void evict(uint32_t slot);
  void evict_silent();
  void index_insert(uint32_t mmsi, uint32_t slot);
  void index_erase(uint32_t mmsi);
  void index_grow();
  void heard_link(uint32_t slot);
  void heard_unlink(uint32_t slot);
  void note_source(VesselState& v, std::string_view source, int64_t t);
  bool seen_recently(VesselState& v, uint64_t hash, int64_t t);
  UpdateOutcome apply_position(uint32_t slot, const PositionFix& fix, UpdateResult& r);
  void apply_static(VesselState& v, const ais::Message& m, int64_t t, UpdateResult& r);

  TrackerConfig config_;
  int64_t max_event_time_ = INT64_MIN;
  int64_t watermark_ = INT64_MIN;
  int64_t evicted_through_bucket_ = INT64_MIN;  // eviction cursor over the silence index
  std::vector<VesselState> vessels_;
  std::vector<std::unique_ptr<TrackPoint[]>> track_chunks_;  // see track_ring_of
  std::size_t track_capacity_ = 0;                           // config_.max_history_points, clamped
  std::vector<HeardLink> links_;
  std::vector<uint32_t> free_slots_;
  std::vector<IndexEntry> index_;  // power-of-two size, load <= 1/2
  std::vector<uint32_t> heard_heads_;
  std::size_t live_count_ = 0;
  SpatialGrid grid_;
  TrackerStats stats_;
  std::function<void(const VesselState&)> eviction_listener_;
};

// Hash of a decoded message for de-duplication: MMSI, type and every field of its table except
// the repeat indicator. nullopt for types without a field table (they are never de-duplicated).
std::optional<uint64_t> message_hash(const ais::Message& message);

}  // namespace aiswatch::track
