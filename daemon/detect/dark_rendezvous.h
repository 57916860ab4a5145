#pragma once
// Dark rendezvous: a meeting at sea with a transponder off. Published systems report loitering
// and AIS gaps apart; the link between a visible vessel idling and another going dark within
// reach of it is what an analyst needs (issue 4). Our most severe alert (CRITICAL when
// confirmed), so every rule below leans to precision.
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - Dark: a vessel last heard at sea (its last position outside port and anchorage zones, or
//    inside a watch zone) and silent dark_rendezvous.min_silence_h (2 h) by the watermark. Its
//    last position and time t_off are the evidence.
//  - Loitering: a visible vessel V (heard within the last 30 min) under loitering.max_speed_kn
//    (2 kn; current_speed_knots when no speed is reported; unknown is not slow) since its slow
//    run began, at sea at its latest position. The run survives one fast report
//    (10 min hysteresis, as loitering.h) and ends after a 2 h reception gap.
//  - Reachable (dark vessel D, loitering V): D's last position lies within
//    dark_rendezvous.max_distance_km (30 km) of V's position, and the meeting window
//    [max(t_off + distance / max_speed_kn, V slow since), V's latest slow report] lasts at least
//    dark_rendezvous.min_loiter_h (2 h): D, leaving its last position at
//    dark_rendezvous.max_speed_kn (12 kn), could have lain alongside V that long while V idled
//    and D was dark. A silence too young for the trip plus the stay is not linked yet. V must
//    have begun idling no later than dark_rendezvous.max_wait_h (1 h) after D could first have
//    been there (t_off + distance / max_speed_kn): one ship waits for the other, and a ship
//    that began to idle many hours after another went dark nearby is not its meeting.
//  - Not a passer-by: a D under way at t_off (speed at least loitering.max_speed_kn) that was
//    farther than 3 km from V must have been heading within 20 degrees of V
//    (fact course_offset_deg); a ship that switches off while steaming away is not linked
//    before its reappearance could show a detour (and then it is not linked at all).
//  - Not a reception hole: other vessels near D's last position (dark_period.
//    reception_radius_km, 30 km) were heard at least an hour after t_off, and few fell silent
//    with it (Surroundings, reception.h). A ship leaving coverage is not a ship switching off.
//  - PROVISIONAL (HIGH) when all of the above hold, key {DARK_RENDEZVOUS, D, V, "", t_off};
//    evidence D's last position, V's position when its slow run began and now; facts
//    distance_m, silence_s, loiter_s, required_speed_kn (to reach V and stay min_loiter_h),
//    neighbours_heard.
//  - Reappearance: D's first position after the silence (at t1) decides. The detour
//    last -> V -> first at max_speed_kn must leave a stop alongside of min_loiter_h while V
//    loitered: window [max(t_off + d1 / v, V slow since), min(t1 - d2 / v, V's loitering end)]
//    at least min_loiter_h. It fits: CONFIRMED (CRITICAL), then CLOSED "reappeared: meeting
//    fits". It does not: CLOSED "reappeared out of reach: ..." with the hours it would need.
//    A passer-by that keeps its course reappears where no detour with a stop fits.
//  - Both dark: two vessels last heard at sea within dark_rendezvous.pair_max_distance_km
//    (15 km) and dark_rendezvous.pair_max_interval_h (1 h) of each other, both silent past
//    min_silence_h, and not a reception hole around their midpoint (as above, the pair
//    excluded). Key {DARK_RENDEZVOUS, lower MMSI, higher MMSI, "", earlier t_off}. The first of
//    the two to reappear decides as above, with the midpoint of their last positions as the
//    meeting point and the partner there from its own t_off plus its trip.
//  - A late report from inside D's silence closes its links "heard late"; D silent past the
//    tracker's eviction horizon closes them "silent past horizon".
//
// Cost: per position report one read and write of a 32-byte per-slot entry (slow run) and, for
// a report without speed, current_speed_knots; nothing else. Every 5 minutes of watermark: the
// vessels newly silent past min_silence_h (Tracker::for_each_last_heard_in), one zone lookup
// each, and for every vessel currently dark one neighbour query of max_distance_km (plus one of
// pair_max_distance_km when it turns dark). Dark vessels are few against the feed.
// Memory: 32 bytes per tracker slot; one entry per dark vessel (silent past min_silence_h at
// sea, until it reappears or the tracker forgets it) and per link.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detect/detector.h"

namespace aiswatch::detect {

class DarkRendezvousDetector final : public Detector {
 public:
  DarkRendezvousDetector() = default;
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit DarkRendezvousDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void on_end(int64_t watermark_ms, Context& context) override;
  // The per-slot slow runs, the dark vessels, the links (open alerts), the vessels to reconsider,
  // the scan cursor and the next tick.
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t dark_count() const { return dark_.size(); }
  std::size_t link_count() const { return links_.size(); }

 private:
  static constexpr int64_t none = INT64_MIN;
  // Per tracker slot, for every vessel: its slow run, and whether it is in dark_.
  struct SlotState {
    int64_t slow_since_ms = none;          // first slow report of the current run
    int64_t fast_since_ms = none;          // first fast report since the last slow one
    float anchor_lat = 0, anchor_lon = 0;  // where the run began
    bool at_sea = false;                   // latest position outside port/anchorage zones
    bool dark = false;
  };
  struct Dark {
    int64_t t_off_ms = 0;  // last transmission
    double lat = 0, lon = 0;
    std::optional<float> sog, cog;
    uint32_t slot = 0;
  };
  struct Link {
    bool both_dark = false;
    int64_t start_ms = 0;
    double meet_lat = 0, meet_lon = 0;
    // When the counterpart was at the meeting point: V's slow run, or the other dark vessel
    // from its t_off plus its trip (until: none while it still is).
    int64_t partner_from_ms = 0;
    int64_t partner_until_ms = none;
  };
  using LinkKey = std::pair<uint32_t, uint32_t>;  // the alert key's (mmsi, counterpart)

  SlotState& slot_state(uint32_t slot, const Context& context);
  void add_dark(const track::VesselState& v, int64_t watermark_ms, Context& context);
  void find_dark_partner(uint32_t mmsi, const Dark& d, int64_t watermark_ms, Context& context);
  void find_loiterers(uint32_t mmsi, const Dark& d, int64_t watermark_ms, Context& context);
  void reappeared(const track::VesselState& v, const Dark& d, Context& context);
  void drop_dark(uint32_t mmsi, int64_t time_ms, std::string_view reason, Context& context);
  alert::EpisodeKey key_of(const LinkKey& key, const Link& link) const;

  std::vector<SlotState> slots_;
  std::map<uint32_t, Dark> dark_;
  std::map<LinkKey, Link> links_;
  std::vector<uint32_t> reconsider_;  // heard late behind the cursor: judge again next tick
  int64_t cursor_ms_ = INT64_MIN;     // last_heard already examined: [.., cursor)
  int64_t next_tick_ms_ = INT64_MIN;
};

}  // namespace aiswatch::detect
