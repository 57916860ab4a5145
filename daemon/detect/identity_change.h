#pragma once
// Identity change: a vessel that changes what it says it is (name, call sign, IMO number, ship
// type), an IMO number transmitted by two MMSIs at once, and identities that cannot be true (an
// MMSI whose MID is unallocated or names another flag than the call sign, an IMO number that
// fails its check digit). Transmitting a false name or another ship's IMO number is how
// sanctioned tankers pass as other ships (UN Panel of Experts on the DPRK, e.g. S/2019/171).
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - Change. On an update whose changes include name, call sign, IMO or ship type, each such
//    field is compared with the value this detector last saw for the vessel. A field whose old
//    value was unknown is not changed: the first static report of a vessel, or the first report
//    of one field, sets it. One instant IDENTITY_CHANGE per update, keyed {mmsi, event time},
//    its reason listing every change ('name "A" -> "B"; call sign "X" -> "Y"'), the new identity
//    in the vessel snapshot.
//  - Alternation. A field changed back to the value it had just before, within
//    alternation_window_ms (24 h) of the vessel's last identity change, is not reported: two
//    vessels sharing one MMSI alternate names every few minutes (the spoofing detector reports
//    the sharing), and one alert for the first change is enough. Class B reports the name
//    (24A) and the call sign (24B) apart, so the rule is per field, not per whole identity.
//  - Ship type. A change within one of the decades whose second digit is the hazardous cargo
//    category (2x, 4x, 6x, 7x, 8x, 9x: ITU-R M.1371-5 Table 53) is a cargo change, not an
//    identity change (a tanker 80 -> 81): only a change of the first digit, or within 3x and 5x
//    (where each code is a different kind of ship), is reported.
//  - Once per vessel (bits per tracker slot), in the alert of the update that shows it, or in
//    an alert of their own: a ship MMSI (MIDxxxxxx) whose MID is allocated to no country; a
//    seven-digit IMO number failing its check digit (ais::imo_check_digit_valid; other lengths
//    are no attempt at an IMO number: an unset field of all ones, 1073741823, is common); a call
//    sign of another country's ITU series than the MMSI's flag (ais::callsign_fits_flag:
//    Appendix 42; unknown series, placeholders such as "NONE" and texts not formed as a ship's
//    call sign, such as a boat's name, are never judged).
//  - IMO shared. Each static report that sets the identity group with a valid IMO number notes
//    (IMO, MMSI, time). When another MMSI transmitted the same IMO number within
//    identity_change.imo_shared_window_h (6 h), is still tracked and still transmits that
//    number: an instant IDENTITY_CHANGE with counterpart_mmsi = the other MMSI, keyed {mmsi,
//    other, event time}, once per pair (while both hold the number's entry). IMO numbers that
//    fail their check digit are left out: each is reported per vessel already, and a mistyped
//    or made-up number two boats share is not one ship's identity borrowed by another.
//  - Alerts need a position (their lat/lon and evidence): a change seen before a vessel's first
//    position becomes the vessel's known identity without an alert; the once-per-vessel checks
//    wait for the first position (they run again then).
//  - Only ship MMSIs (MIDxxxxxx) are judged: numbers of no valid form (000000000, 001193046 =
//    0x123456, transponder defaults) are shared by many unconfigured transponders, so their
//    "changes" are different vessels (seen in the exactEarth captures: one such MMSI went through
//    four names in two hours).
//  - Not alerted: late or duplicated static messages (the tracker lets only a report at least as
//    recent as the one that set a field change it, and drops copies), empty or "not available"
//    values (they never erase a known one).
//
// Cost: an update with no identity change bit and a position bit returns after two comparisons
// of UpdateResult fields; it reads nothing else. A static report without a change reads the
// vessel's static data (which the tracker has just read) and, when it carries an IMO number,
// does one hash lookup. Changes (rare) read one 64-byte entry of an array by tracker slot.
// Memory: 64 bytes per tracker slot; one 32-byte entry per IMO number heard within the window,
// dropped at a sweep every sweep_interval_ms, never more than max_imo_entries.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ais/message.h"
#include "detect/detector.h"

namespace aiswatch::detect {

struct IdentityChangeConfig {
  // A change back to the previous value this soon after the last change is alternation. Two
  // vessels under one MMSI alternate every few minutes (static data every 6 min, ITU-R M.1371);
  // a day covers feeds that hear each only now and then (satellite passes). aiswatch choice.
  int64_t alternation_window_ms = 24 * 3'600'000LL;
  // How often IMO entries older than the window are dropped (event time).
  int64_t sweep_interval_ms = 3'600'000;
  // Bound on IMO numbers held: more than the world's merchant fleet (about 100 000 IMO-numbered
  // ships). Numbers new beyond it are not noted.
  std::size_t max_imo_entries = 1'000'000;
};

class IdentityChangeDetector final : public Detector {
 public:
  explicit IdentityChangeDetector(IdentityChangeConfig config = {}) : config_(config) {}
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit IdentityChangeDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t imo_entries() const { return imo_holders_.size(); }

 private:
  // What the detector last saw a vessel transmit. One cache line per tracker slot.
  struct Known {
    uint32_t mmsi = 0;  // 0: nothing known in this slot
    uint32_t imo = 0;   // 0: unknown
    ais::SixBitText<20> name;
    ais::SixBitText<7> callsign;
    uint8_t ship_type = 0;  // 0: unknown
    uint8_t reported = 0;   // once-per-vessel findings already alerted (Finding bits)
    uint8_t previous_ship_type = 0;
    // The values before the last change of each field (0: none): texts as 32-bit hashes, which
    // only ever decide whether a change is an alternation.
    uint32_t previous_name_hash = 0;
    uint32_t previous_callsign_hash = 0;
    uint32_t previous_imo = 0;
    int64_t changed_ms = 0;  // event time of the last identity change
  };
  enum Finding : uint8_t {
    finding_mid_unallocated = 1u << 0,
    finding_imo_invalid = 1u << 1,
    finding_callsign_flag = 1u << 2,
  };
  // The two MMSIs that last transmitted one IMO number.
  struct ImoHolders {
    uint32_t mmsi[2] = {0, 0};
    int64_t last_ms[2] = {0, 0};
    bool pair_reported = false;
  };

  Known& known_of(const track::VesselState& v, bool new_vessel, Context& context);
  void on_identity(const track::UpdateResult& u, Context& context);
  // Appends the once-per-vessel findings not yet reported to `reason`.
  void check_findings(const track::VesselState& v, Known& known, std::string& reason) const;
  void note_imo(const track::VesselState& v, int64_t time_ms, Context& context);

  IdentityChangeConfig config_;
  std::vector<Known> known_;  // by tracker slot
  std::unordered_map<uint32_t, ImoHolders> imo_holders_;
  int64_t next_sweep_ms_ = INT64_MIN;
};

}  // namespace aiswatch::detect
