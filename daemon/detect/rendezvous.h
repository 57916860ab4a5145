#pragma once
// Rendezvous (ship-to-ship transfer): two vessels within rendezvous.max_distance_m (500 m) of
// each other and both slow, for rendezvous.provisional_after_min (30 min: PROVISIONAL alert) and
// rendezvous.confirmed_after_h (2 h: CONFIRMED) of accumulated contact. The definition is Global
// Fishing Watch's encounter event (within 500 m, under 2 knots, at least 2 hours); the
// provisional phase is ours, so that the watch floor hears early (issue 3).
//
// Rules, and why:
//  - Slow. A vessel is slow under max_speed_kn (2 kn). Pairs drifting together with the current
//    make 1-2.5 kn (issue 3), so a pair also counts when both are under max_speed_kn +
//    drift_allowance_kn (0.75 kn: 2.75 kn by default) AND their speeds differ by less than
//    co_movement_kn (0.5 kn) — they move as one, which is what lying alongside looks like. Pair
//    trawlers (3-4 kn) stay above that; a meeting of two ships that merely cross never lasts 30
//    minutes within 500 m. Missing speed is not zero: without a reported speed over ground, the
//    speed is inferred from the vessel's own track (its oldest point at least 20 s back), and a
//    vessel whose speed cannot be known does not make contact.
//  - Contact time. Each update of a slow vessel looks up its neighbours within max_distance_m
//    (tracker spatial grid) whose latest fix is at most 10 min old. Contact time accumulates
//    between successive contact observations of the pair less than gap_bridge_min (60 min)
//    apart, so reception gaps (satellite passes) do not break it; a longer gap starts a new
//    contact. Contacts less than episode_merge_h (6 h) apart are one episode: one alert key (the
//    episode's first contact as start time), and their contact times add up.
//  - Closing. The alert manager never reopens a closed key, so an episode can only merge a later
//    contact while its alert is open: the alert closes ("parted") when the watermark passes the
//    last contact by episode_merge_h, with end time the last contact. A pair that stays out of
//    contact for less than that keeps its alert.
//  - Primary vessel: the lower MMSI (deterministic, kept for the episode); counterpart the other.
//  - Zones: when both vessels are inside `port` or `anchorage` zones, the observation is not a
//    contact (berthing, lightering at anchor) — unless either is inside a `watch` zone, where
//    nothing is suppressed (transfers off Nampo happen within sight of a port). The alert's zone
//    is the first watch zone of the primary's position at the first report, else none.
//  - Fleets. Fishing fleets drift together by the dozen at night: one fleet is not hundreds of
//    rendezvous. Every fleet_sample_ms (5 min) of contact the pair's surroundings are sampled:
//    the pair is "in a cluster" when more than fleet_min_others (3) other slow vessels are within
//    fleet_radius_m (2 km) of its midpoint — or, when both are fishing vessels (ship type 30),
//    more than one other slow vessel (a fishing pair with company is fishing). A pair in a
//    cluster for at least half of its samples is not reported. A transfer inside a crowded
//    roadstead can be missed this way; that is the price of not drowning the watch floor.
//
// Memory: at most max_pairs pair states in one hash map (reserved up front, so steady state does
// not allocate per update); pairs out of contact for longer than the merge window are forgotten
// on the watermark, and new pairs beyond the cap are refused (counted).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alert/manager.h"
#include "detect/detector.h"
#include "ruleset/ruleset.h"
#include "ruleset/thresholds.h"
#include "track/vessel_state.h"

namespace aiswatch::detect {

struct RendezvousConfig {
  double max_distance_m = 500;
  double max_speed_kn = 2;
  int64_t provisional_after_ms = 30 * 60'000LL;
  int64_t confirmed_after_ms = 2 * 3'600'000LL;
  int64_t gap_bridge_ms = 60 * 60'000LL;
  int64_t episode_merge_ms = 6 * 3'600'000LL;
  // aiswatch choices (see the header comment).
  double drift_allowance_kn = 0.75;
  double co_movement_kn = 0.5;
  int64_t max_fix_age_ms = 10 * 60'000LL;
  double fleet_radius_m = 2'000;
  unsigned fleet_min_others = 3;
  int64_t fleet_sample_ms = 5 * 60'000LL;
  int64_t report_interval_ms = 60'000;  // re-evaluations sent to the manager, at most this often
  std::size_t max_pairs = 200'000;

  static RendezvousConfig from(const ruleset::Thresholds& thresholds);
  // `base` with the rendezvous.* thresholds applied (the other fields are not thresholds).
  static RendezvousConfig from(const ruleset::Thresholds& thresholds, RendezvousConfig base);
};

struct RendezvousStats {
  uint64_t contacts = 0;          // contact observations of a pair
  uint64_t suppressed_zone = 0;   // observations dropped: both in port/anchorage, no watch zone
  uint64_t fleet_samples = 0;     // cluster samples taken
  uint64_t fleet_suppressed = 0;  // reports withheld because the pair is in a cluster
  uint64_t pairs_refused = 0;     // new pairs beyond max_pairs
  uint64_t opened = 0;            // episodes first reported
  uint64_t closed = 0;
};

class RendezvousDetector : public Detector {
 public:
  explicit RendezvousDetector(const ruleset::Thresholds& thresholds);
  // From the rules' thresholds (what the registry calls); zones are read per call from Context.
  explicit RendezvousDetector(const ruleset::Ruleset& rules);
  // Reloaded rules: the rendezvous.* thresholds apply to contacts from now on.
  void on_rules(const ruleset::Ruleset& rules) override;
  explicit RendezvousDetector(RendezvousConfig config);

  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  // Every pair state and the sweep time; not the configuration (the rules in force), the scratch
  // space or the statistics.
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  const RendezvousStats& stats() const { return stats_; }
  std::size_t pair_count() const { return pairs_.size(); }

 private:
  struct Pair {
    int64_t episode_start_ms = 0;  // first contact of the episode: the alert key's start time
    int64_t run_start_ms = 0;      // first contact of the current (bridged) contact
    int64_t last_contact_ms = 0;
    int64_t contact_ms = 0;  // accumulated over the episode
    int64_t last_sample_ms = INT64_MIN;
    int64_t last_report_ms = INT64_MIN;
    uint32_t samples = 0;
    uint32_t clustered = 0;
    bool reported = false;  // an alert is open under `zone_id` / episode_start_ms
    bool confirmed = false;
    std::string zone_id;
  };
  struct Candidate {
    const track::VesselState* vessel;
    double distance_m;
  };

  void contact(const track::VesselState& a, const track::VesselState& b, double distance_m,
               const ruleset::ZoneMatches& a_zones, int64_t t, Context& context);
  bool clustered(const track::VesselState& a, const track::VesselState& b, double mid_lat,
                 double mid_lon, int64_t t, const Context& context) const;
  void report(Pair& pair, const track::VesselState& a, const track::VesselState& b,
              double distance_m, int64_t t, Context& context);
  alert::EpisodeKey key_of(uint64_t pair_key, const Pair& pair) const;

  RendezvousConfig config_;
  std::unordered_map<uint64_t, Pair> pairs_;  // (min mmsi << 32) | max mmsi
  std::vector<Candidate> candidates_;         // scratch for one update
  alert::EpisodeReport report_;               // reused: strings and vectors keep their capacity
  int64_t last_sweep_ms_ = INT64_MIN;
  RendezvousStats stats_;
};

// Speed over ground of a vessel at its latest fix: the reported one, else inferred from its
// track; nullopt when neither is known.
std::optional<double> vessel_speed_knots(const track::VesselState& vessel);

}  // namespace aiswatch::detect
