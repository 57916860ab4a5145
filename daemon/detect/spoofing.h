#pragma once
// Spoofing: a vessel's reported positions cannot be where a ship is — they jump impossibly, lie
// at impossible coordinates or on land, or come from two places at once (one MMSI on two
// transmitters: a cloned identity, or a ship hiding behind another's). The evidence is what the
// tracker keeps out of the track (track/tracker.h, "Position sanity": VesselState::rejected) and
// the rules' land zones (rules/land.geojson, ruleset::ZoneIndex::land_at).
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h, section spoofing):
//  - A counted jump: a fix the tracker kept aside for impossible speed (over tracker.max_speed_kn
//    from the track point nearest before it), or the fix at which the track restarted after such
//    fixes (track::change_track_restarted; its jump is measured from the track they left), that
//    lies at least min_jump_km (5 km) from the track, and farther than the vessel covers in
//    timing_error_h (1.5 h) at its reported speed (the speed of that track point; none counts as
//    0). Shorter jumps are GNSS noise or satellite reports stamped with the wrong receive time;
//    see thresholds.h for the figures from the exactEarth captures behind both limits.
//  - Jumps: min_jumps (3) counted jumps within window_h (6 h) open an episode. One glitch (a fix
//    far off, then the track goes on) is one jump; a switch to a position hundreds of km off is
//    the tracker's reacquire_after - 1 rejected fixes plus the restart: 3 jumps. The jump back
//    when the offset ends is more of the same episode.
//  - Impossible coordinates: min_jumps fixes out of the WGS 84 range (latitude 95: kept aside as
//    out_of_range; 91/181 mean "not available" and never get here) within window_h. One garbled
//    message is not spoofing.
//  - On land: min_land_fixes (3) fixes within window_h inside a land zone and in no port or
//    anchorage zone (ZoneIndex::land_at): new fixes at the head of the track, and fixes kept
//    aside for impossible speed (a switch onto land counts as jumps too). Land zones are drawn
//    20 km or more inland, clear of rivers and estuaries ships use, so GNSS jitter along a coast
//    or in a river port is never on land; one fix there is a glitch. Late fixes (behind the
//    head of the track) are not looked at. Where no land zone is drawn nothing is on land.
//  - Two places at once: counted jumps that agree with each other (a second track: the speed
//    between them is plausible, and each lies nearer the last than half its distance from the
//    track) while the vessel's own track keeps being heard between them.
//    Each switch between the two counts as an alternation (track, far, track, far: three); at
//    collision_min_alternations (4) the episode opens, or its reason changes, to "one MMSI
//    transmits from two places at once", with distance_m between the two. The tracker keeps the
//    two apart (TrackerConfig::reacquire_hold_ms): a track heard between rejected fixes is not
//    moved to the other transmitter, so neither corrupts the other's detections.
//  - Identities that unconfigured transponders share are not judged: MMSIs that are not a ship
//    station's (ais::MmsiCategory::ship), whose MID is not allocated, or whose six ship digits
//    are all zero (MID only). In the real captures 1193046 (0x123456, a factory default)
//    transmits from Los Angeles and San Diego, and from Auckland and Noumea, at once; 0,
//    111111111 and 273000000 jump hundreds of km. None of that is about one vessel.
//  - One episode per vessel at a time, key {SPOOFING, mmsi, 0, "", first counted fix still within
//    window_h when a criterion was met}. OPEN when a criterion is met, reported again at every
//    counted fix (the alert manager emits material changes only), with facts jumps,
//    bad_coordinates, alternations, land_fixes, max_implied_speed_kn, max_jump_m, distance_m (the
//    latest jump) and the counted fixes as evidence (out-of-range ones have no position to
//    show). Reason, first that holds: two places at once; "reported positions on land"; jumps;
//    impossible coordinates.
//    CLOSED "stopped" at the last counted fix once window_h has passed at the watermark without
//    another.
//
// Cost: on_update tests the update's outcome and two change bits; a new fix also reads one cell
// of the land grid (ZoneIndex::land_at: a bounds check and a 2-byte load; an exact
// point-in-polygon test only in the cells a land boundary crosses, 20 km or more inland, which
// ships never reach). It returns there for everything but a fix on land, a fix kept aside or a
// track restart (a few in a thousand of a terrestrial feed; a fifth of the exactEarth satellite
// captures); those take a hash lookup and a scan of the track ring.
// Memory: one small entry per vessel with a counted fix in the last window_h (a few dozen
// bytes, evidence of at most evidence_kept fixes while no episode is open), dropped at the
// periodic sweep once window_h has passed without another. The land grid belongs to the
// ruleset: 2 bytes a cell of 1/32 degree over the land zones' bounding box (about 0.4 MB for
// the shipped theatre), at most 8 MB whatever the land file.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/detector.h"

namespace aiswatch::detect {

class SpoofingDetector final : public Detector {
 public:
  SpoofingDetector() = default;
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit SpoofingDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void on_end(int64_t watermark_ms, Context& context) override;
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t tracked_count() const { return suspects_.size(); }

  // Counted fixes kept as evidence until an episode opens (the ones that open it).
  static constexpr std::size_t evidence_kept = 8;
  // Stale entries are looked for at most this often (event time).
  static constexpr int64_t sweep_interval_ms = 5 * 60'000;

 private:
  struct Place {
    int64_t time_ms = 0;
    double lat = 0, lon = 0;
  };
  struct Suspect {
    // Times of the counted fixes within window_h (oldest first; the newest min_jumps kept).
    std::vector<int64_t> jump_times, bad_coordinate_times, land_times;
    // The latest counted jump: where the second track (if it is one) was last heard, and the
    // track point it was measured from (a restart's jump is measured from there).
    Place far, track;
    double track_speed_kn = 0;
    bool has_far = false;
    int64_t chain_start_ms = 0;  // first jump of the current run of mutually consistent ones
    uint32_t alternations = 0;   // switches between the track and that run
    int64_t last_ms = 0;         // newest counted fix
    // The episode.
    bool open = false;
    int64_t start_ms = 0;
    uint32_t jumps = 0, bad_coordinates = 0, land_fixes = 0;
    double max_implied_kn = 0, max_jump_m = 0, distance_m = 0;
    std::vector<alert::Evidence> evidence;  // counted fixes not yet reported
  };

  // A fix of `v` on land (ZoneIndex::land_at).
  void count_land(const track::VesselState& v, const Place& fix, Context& context);
  // A counted jump of `v` to `fix` from the track point `from`.
  void count_jump(const track::VesselState& v, const Place& fix, const Place& from,
                  double from_speed_kn, double implied_kn, Context& context);
  void evaluate(const track::VesselState& v, Suspect& suspect, int64_t time_ms, Context& context);

  std::unordered_map<uint32_t, Suspect> suspects_;
  int64_t next_sweep_ms_ = INT64_MIN;
};

}  // namespace aiswatch::detect
