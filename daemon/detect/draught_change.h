#pragma once
// Draught change: a vessel reports a markedly deeper or shallower draught while away from
// ports — loaded or discharged at sea, the laden/ballast signature of a ship-to-ship transfer —
// linked as evidence to the rendezvous, dark period or dark rendezvous it overlaps or follows.
// The draught is what the crew keys into the transponder (type 5, in 0.1 m), so it changes when
// they update it, often hours after the cargo moved.
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - On an update that changes the vessel's draught, compared with the draught this detector
//    last saw for it: |after - before| at least draught_change.min_change_m (0.5 m) and at least
//    draught_change.min_change_pct (10 %) of before. The first draught of a vessel is no change.
//  - Not where a change is normal, judged at the vessel's current position: inside a port zone
//    (cargo is worked at berths, inside a watch zone too: Nampo's port lies within the West Sea
//    watch zone), or inside an anchorage zone that is not in a watch zone (detect::suppressed:
//    ships lighter alongside each other at anchor off Nampo). A vessel with no position yet is
//    not alerted either. The new draught becomes the baseline all the same.
//  - Alternation: a change back to the draught before the last change, within
//    alternation_window_ms (2 h) of it, is not reported: two vessels sharing one MMSI alternate
//    draughts with their static reports every few minutes, and a crew correcting a mistyped
//    draught changes it back within minutes; a real transfer takes hours.
//  - An instant DRAUGHT_CHANGE, keyed {mmsi, event time}: facts draught_before_m,
//    draught_after_m, change_m (absolute; the reason says deeper or shallower), evidence the
//    vessel's current position.
//  - Linking: every RENDEZVOUS, DARK_PERIOD or DARK_RENDEZVOUS alert naming the vessel (as
//    vessel or counterpart; alert::AlertManager::for_each_recent) that is open, or ended no more
//    than draught_change.related_window_h (24 h) before the change, is named in the draught
//    alert's related_alert_ids; each of those still open names the draught alert in turn
//    (AlertManager::relate: an UPDATE of it).
//  - Only ship MMSIs (MIDxxxxxx) are judged: a transponder default such as 001193046 is shared by
//    many vessels, whose draughts differ.
//  - Late or duplicated static messages change nothing (the tracker applies a draught only from
//    a report at least as recent as the one that set it, and drops copies).
//
// Cost: an update without the draught change bit returns after one comparison. A draught change
// (rare: crews update it a few times a voyage) reads one entry of an array by tracker slot and
// the vessel's few recent alerts. Memory: 24 bytes per tracker slot.
#include <cstdint>
#include <vector>

#include "detect/detector.h"

namespace aiswatch::detect {

struct DraughtChangeConfig {
  // A change back within this long is alternation or a correction: GFW's shortest encounter
  // (2 h, rendezvous.confirmed_after_h) is the least a transfer takes. aiswatch choice.
  int64_t alternation_window_ms = 2 * 3'600'000LL;
};

class DraughtChangeDetector final : public Detector {
 public:
  explicit DraughtChangeDetector(DraughtChangeConfig config = {}) : config_(config) {}
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit DraughtChangeDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t /*watermark_ms*/, Context& /*context*/) override {}
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

 private:
  struct Known {
    uint32_t mmsi = 0;             // 0: nothing known in this slot
    float draught_m = 0;           // 0: unknown
    float previous_draught_m = 0;  // before the last change; 0: none
    int64_t changed_ms = 0;        // event time of the last change
  };

  DraughtChangeConfig config_;
  std::vector<Known> known_;  // by tracker slot
};

}  // namespace aiswatch::detect
