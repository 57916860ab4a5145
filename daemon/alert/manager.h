#pragma once
// The alert lifecycle: detectors describe episodes, the manager decides what is published.
//
// A detector calls report() each time it re-evaluates an episode (as often as every message) and
// close() when the episode ends. The manager turns that stream into few events:
//   OPEN     once, on the first report of an episode key;
//   UPDATE   only on a material change (see UpdatePolicy), never merely because a report arrived;
//   CLOSED   once, with a reason; after that the same key (hence the same id) is never reopened —
//            a later meeting of the same pair is a new episode with a new start time.
// Instantaneous alerts (a zone entered, an identity changed) go through instant(): OPEN and
// CLOSED ("instantaneous") back to back, so consumers that track open alerts never see one hang.
//
// Pure and single-threaded like the rest of the core: no I/O, no clock — every time is event time
// carried by the caller. Memory is bounded: at most max_open alerts (the least recently reported
// is closed as "evicted" to make room), at most max_evidence points per alert, and a bounded
// memory of closed keys for the no-reopen rule.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "aiswatch/v1/alert.pb.h"
#include "alert/alert_id.h"
#include "alert/severity.h"
#include "state/archive.h"

namespace aiswatch::alert {

// Receives every alert event, in order. The Kafka producer, the JSON-lines writer and tests
// implement it.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void on_alert(const aiswatch::v1::Alert& alert) = 0;
};

// What the vessel says about itself; empty / nullopt when not (yet) received.
struct VesselSnapshot {
  uint32_t mmsi = 0;
  std::string name;
  std::optional<uint32_t> imo;
  std::string callsign;
  std::string flag;  // ISO 3166-1 alpha-2 from ais::flag_for_mid
  uint32_t ship_type = 0;

  friend bool operator==(const VesselSnapshot&, const VesselSnapshot&) = default;
};

struct Evidence {
  uint32_t mmsi = 0;
  int64_t time_ms = 0;
  double lat = 0;
  double lon = 0;
  std::optional<double> sog;  // absent is not zero
  std::optional<double> cog;
};

struct Fact {
  std::string name;  // snake_case with unit suffix: distance_m, duration_s, implied_speed_kn
  double value = 0;
};

// One evaluation of an episode by a detector.
struct EpisodeReport {
  EpisodeKey key;
  aiswatch::v1::Phase phase = aiswatch::v1::PHASE_CONFIRMED;
  int64_t time_ms = 0;  // event time of this evaluation; becomes the alert's end_time
  double lat = 0;       // representative position now (e.g. midpoint of the pair)
  double lon = 0;
  VesselSnapshot vessel;
  std::optional<VesselSnapshot> counterpart;
  std::vector<Evidence> evidence;  // points new since the last report (appended, bounded)
  std::vector<Fact> facts;         // current measurements (replace the previous ones)
  std::string reason;
  // Levels above the type's and phase's severity (an escalated dark period: deliberate
  // silence); the watchlist raises it one more. Material when it changes.
  int severity_raise = 0;
  // Ids of alerts this episode is evidence for (see Alert.related_alert_ids): added to the
  // alert's list once each; an id new to the list is a material change.
  std::vector<std::string> related_alert_ids;
};

// An alert that recently named a vessel (as primary or counterpart), as other detectors look it
// up to link evidence to it (a draught change after a rendezvous).
struct RecentAlert {
  EpisodeKey key;
  std::string alert_id;
  int64_t end_ms = 0;  // the latest event time it was observed at, or when it closed
  bool open = false;
};

// What counts as material, and the memory bounds. Defaults are chosen for a watch floor: an
// analyst wants to hear when an alert becomes more serious or the ships move somewhere else, and
// a sign of life on a long episode, not a line per AIS message.
struct UpdatePolicy {
  // An UPDATE is emitted when, compared with the last emitted event:
  //  - the severity changed (confirmation, a vessel newly found on the watchlist), or
  //  - the phase changed (provisional -> confirmed), or
  //  - the vessel's or counterpart's identity snapshot changed (name, IMO, call sign, flag, type), or
  //  - the position moved more than move_threshold_m (great-circle distance), or
  //  - at least heartbeat_ms of event time passed and evidence arrived since.
  // Nothing else (facts, reason text, more evidence within the heartbeat) is material by itself;
  // it is kept and carried by the next event.
  double move_threshold_m = 1'000.0;  // a drifting pair moves ~1 km in 30 min at 1 kn
  int64_t heartbeat_ms = 30 * 60 * 1'000;
  std::size_t max_open = 100'000;
  std::size_t max_evidence = 32;  // the first point plus the latest ones
  std::size_t max_closed_keys = 1'000'000;  // ~150 bytes each
  // for_each_recent memory: the newest recent_per_vessel alerts of each of at most
  // max_recent_vessels vessels (the vessels whose alerts are oldest are forgotten first).
  std::size_t recent_per_vessel = 4;
  std::size_t max_recent_vessels = 200'000;
};

struct AlertStats {
  uint64_t opened = 0;
  uint64_t updated = 0;
  uint64_t closed = 0;
  uint64_t evicted = 0;                // also counted in closed
  uint64_t reports_suppressed = 0;     // a report that changed nothing material
  uint64_t reports_after_close = 0;    // a report for a key already closed: dropped
  uint64_t close_unknown = 0;          // close() of a key that is not open: ignored
};

class AlertManager {
 public:
  explicit AlertManager(AlertSink& sink, UpdatePolicy policy = {});

  // The watchlist in force; nullptr for none. Not owned. Swapped on rules reload; open alerts pick
  // up the new listing at their next report.
  void set_watchlist(const WatchlistLookup* watchlist) { watchlist_ = watchlist; }

  void report(const EpisodeReport& report);
  // Closes an open alert at event time time_ms. Returns false when the key is not open.
  bool close(const EpisodeKey& key, int64_t time_ms, std::string_view close_reason);
  // An alert with no duration: OPEN and CLOSED (close_reason "instantaneous") at report.time_ms.
  void instant(const EpisodeReport& report);
  // Closes every open alert (shutdown, end of replay), oldest-reported first.
  void close_all(int64_t time_ms, std::string_view close_reason);

  // Links the open alert `key` to the alert `related_id` (appended to related_alert_ids once) and
  // emits an UPDATE at time_ms. Returns false, changing nothing, when `key` is not open.
  bool relate(const EpisodeKey& key, std::string_view related_id, int64_t time_ms);

  // Calls f(const RecentAlert&) for the most recent alerts naming `mmsi` as vessel or
  // counterpart (open, or closed but still remembered; see UpdatePolicy), newest first.
  template <class F>
  void for_each_recent(uint32_t mmsi, F&& f) const {
    auto it = recent_.find(mmsi);
    if (it == recent_.end()) return;
    for (auto r = it->second.rbegin(); r != it->second.rend(); ++r) f(*r);
  }

  std::size_t open_count() const { return open_.size(); }
  bool is_open(const EpisodeKey& key) const { return open_.contains(key); }
  const AlertStats& stats() const { return stats_; }

  // Checkpoints (state/archive.h): the open alerts (their current Alert, LRU order and last
  // emitted event), the closed keys still remembered and the recent alerts by vessel, so that
  // an episode open before a restart keeps its alert id and start time, and a report for one
  // closed before it is still dropped. restore_state reads into a manager freshly constructed
  // (nothing reported yet) and emits nothing. Statistics are not kept.
  void save_state(state::StateWriter& out) const;
  void restore_state(state::StateReader& in);

 private:
  struct OpenAlert {
    aiswatch::v1::Alert alert;  // the current state; emitted as a copy with its state set
    uint64_t touch = 0;         // position in lru_
    double emitted_lat = 0;     // position of the last emitted event
    double emitted_lon = 0;
    int64_t emitted_ms = 0;     // event time of the last emitted event
    bool evidence_since_emit = false;
  };

  // Internal map hash; ids use alert_id(), which is specified byte by byte.
  struct KeyHash {
    std::size_t operator()(const EpisodeKey& key) const;
  };

  // Returns whether anything material to an UPDATE changed (identity, severity, phase).
  bool apply(OpenAlert& open, const EpisodeReport& report);
  void emit(const EpisodeKey& key, OpenAlert& open, aiswatch::v1::AlertState state,
            int64_t time_ms);
  void touch(OpenAlert& open, const EpisodeKey& key);
  void close_open(EpisodeKey key, int64_t time_ms, std::optional<int64_t> end_ms,
                  std::string_view close_reason);
  void remember_closed(const EpisodeKey& key);
  void note_recent(const EpisodeKey& key, const aiswatch::v1::Alert& alert,
                   aiswatch::v1::AlertState state);
  void note_recent_of(uint32_t mmsi, const EpisodeKey& key, const aiswatch::v1::Alert& alert,
                      aiswatch::v1::AlertState state);
  std::optional<std::string_view> listing(const VesselSnapshot& vessel) const;

  // The report path (an episode re-evaluated, nothing material) allocates nothing once warm: maps
  // are keyed by EpisodeKey itself, the LRU reorders by moving its node, strings and repeated
  // fields of the stored Alert are overwritten in place. A detector may report on every message.
  AlertSink& sink_;
  UpdatePolicy policy_;
  const WatchlistLookup* watchlist_ = nullptr;
  std::unordered_map<EpisodeKey, OpenAlert, KeyHash> open_;
  // touch counter -> key; begin() is the least recently reported alert. A counter rather than
  // event time so ties cannot occur and order never depends on hash-map iteration.
  std::map<uint64_t, EpisodeKey> lru_;
  uint64_t next_touch_ = 0;
  std::unordered_set<EpisodeKey, KeyHash> closed_;
  std::deque<EpisodeKey> closed_order_;  // forgets the oldest closed keys beyond the bound
  // for_each_recent: per vessel, oldest first; recent_order_ forgets vessels first noted longest
  // ago once more than max_recent_vessels are held.
  std::unordered_map<uint32_t, std::vector<RecentAlert>> recent_;
  std::deque<uint32_t> recent_order_;
  AlertStats stats_;
};

}  // namespace aiswatch::alert
