#pragma once
// Loitering: a lone vessel idling at sea for hours (waiting for a transfer partner, a dark port
// call, or orders), outside the places where idling is normal.
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - Slow: speed over ground under loitering.max_speed_kn (2 kn). Missing speed is not zero: a
//    report without speed is judged by the speed implied by the track (current_speed_knots);
//    when that cannot be known either, the report leaves the state unchanged.
//  - A run of slow reports starts at the first slow one (the episode's start, its key) and ends
//    when the vessel is at or above max_speed for fast_hysteresis_ms (so one jittery report does
//    not split a run), or after a reception gap longer than max_gap_ms.
//  - Lone: every sample_interval_ms of the run, the vessels within lone_radius_m (1.5 nm) whose
//    newest position is fresh (neighbour_fresh_ms) and slow are counted. A sample with any such
//    neighbour is "in company". The vessel is lone when at least min_lone_fraction (80 %) of its
//    samples are alone. Ships waiting together in a roadstead (0.5-1 nm apart), a
//    fishing fleet drifting in company and a rendezvous pair (the rendezvous detector's case)
//    are therefore not loitering; a tanker alone on the sea is.
//  - Context: samples taken inside a `port` or `anchorage` zone (and not inside a `watch` zone,
//    where nothing is suppressed) count as in company too, and no alert opens while the vessel
//    is in such a zone.
//  - OPEN once the run lasts loitering.min_duration_h (4 h) and the vessel is lone; reported again
//    at each sample (the alert manager emits only material changes); CLOSED "under way" when the
//    run ends by speed, "silent" when the watermark passes its last report by max_gap_ms.
//
// Cost: an array read per position report (a hash lookup when the vessel is in a run), a
// neighbour query per sample interval per slow vessel.
// Memory: 4 bytes per tracker slot, one small entry per vessel in a slow run; entries of vessels silent past max_gap_ms are
// dropped at the periodic sweep.
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/detector.h"

namespace aiswatch::detect {

struct LoiteringConfig {
  // Company radius: 1.5 nm. Ships waiting in a roadstead anchor 0.5-1 nm from their nearest
  // neighbour (swing circles of a few cables); fishing fleets and transfer pairs sit far closer.
  // A wider radius would take a lone tanker idling 2-3 nm off a roadstead or a fleet for company
  // (seen in simulated scenarios). aiswatch choice.
  double lone_radius_m = 1.5 * 1'852.0;
  double min_lone_fraction = 0.8;              // "for most of the period"
  int64_t sample_interval_ms = 5 * 60'000;     // company checked every 5 min
  int64_t neighbour_fresh_ms = 30 * 60'000;    // a neighbour's position counts this long
  int64_t fast_hysteresis_ms = 10 * 60'000;    // at speed this long ends a run
  int64_t max_gap_ms = 2 * 3'600'000;          // a gap this long ends a run (and closes)
  int64_t min_infer_interval_ms = 5 * 60'000;  // GPS jitter over seconds implies absurd speeds
};

class LoiteringDetector final : public Detector {
 public:
  explicit LoiteringDetector(LoiteringConfig config = {}) : config_(config) {}
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit LoiteringDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void on_end(int64_t watermark_ms, Context& context) override;
  // The slow runs, the slot table and the next sweep time; not the configuration.
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t tracked_count() const { return runs_.size(); }

 private:
  struct Run {
    int64_t start_ms = 0;        // first slow report
    int64_t last_ms = 0;         // newest report in the run
    int64_t fast_since_ms = -1;  // first report at speed since the last slow one; -1: none
    int64_t next_sample_ms = 0;
    double start_lat = 0, start_lon = 0;
    double lat = 0, lon = 0;  // newest position
    uint32_t samples = 0, alone = 0;
    uint32_t slot = 0;  // the vessel's tracker slot when the run began
    bool open = false;
  };

  void end_run(uint32_t mmsi, Run& run, int64_t time_ms, std::string_view reason, Context& context);
  void erase_run(std::unordered_map<uint32_t, Run>::iterator it);

  LoiteringConfig config_;
  std::unordered_map<uint32_t, Run> runs_;
  // By tracker slot: the MMSI of the slot's vessel when it has a run, else 0. Spares the hash
  // lookup for the reports of ships under way (most of a feed).
  std::vector<uint32_t> run_of_slot_;
  int64_t next_sweep_ms_ = INT64_MIN;
};

// Shortest track span a speed is inferred over: 100 s. 30 m of GPS jitter over it is 0.6 kn,
// under the 2 kn loitering limit; a ship at 10 kn covers 500 m. aiswatch choice.
inline constexpr int64_t min_infer_span_ms = 100'000;

// The vessel's speed at its newest position: the reported one, else the one implied by the
// track, over the newest point at least min_interval_ms older, else over the whole track when it
// spans min_infer_span_ms (nullopt when none of these is known).
std::optional<double> current_speed_knots(const track::VesselState& v, int64_t min_interval_ms);

}  // namespace aiswatch::detect
