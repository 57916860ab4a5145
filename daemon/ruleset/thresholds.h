#pragma once
// Detector thresholds, rules/detectors.yaml. The table below is the one source of truth: the
// defaults, the validation (every key known, every value range-checked) and the documented
// default file (`aiswatchd rules defaults`, which wrote rules/detectors.yaml) all come from it.
//
//   rendezvous:
//     max_distance_m: 500
//   dark_period:
//     threshold_h: 6
//
// A missing detectors.yaml means every default; a key left out means its default. The unit is
// part of each key's name so a file never leaves it to guesswork.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ruleset/load_error.h"

namespace aiswatch::ruleset {

enum class ThresholdType { real, integer };

// X(section, key, type, default, min, max, unit, meaning, source of the default)
// Sources: GFW = Global Fishing Watch. "aiswatch choice" marks a default that is ours.
#define AISWATCH_THRESHOLDS(X)                                                                   \
  X(rendezvous, max_distance_m, real, 500, 50, 5000, "m",                                        \
    "Two vessels closer than this are in contact.",                                              \
    "GFW encounter events: vessels within 500 m of one another (GFW FAQ, 'What is a vessel "     \
    "encounter?').")                                                                             \
  X(rendezvous, max_speed_kn, real, 2, 0.1, 10, "kn",                                            \
    "Both vessels slower than this (median over the contact) for it to count.",                  \
    "GFW encounter events: median speed below 2 knots (GFW FAQ, 'What is a vessel "              \
    "encounter?').")                                                                             \
  X(rendezvous, provisional_after_min, real, 30, 5, 240, "min",                                  \
    "A contact this long opens a provisional alert, so the watch floor hears early.",            \
    "aiswatch choice (issue 3).")                                                                \
  X(rendezvous, confirmed_after_h, real, 2, 0.5, 48, "h",                                        \
    "A contact this long confirms the alert (an update with higher severity).",                  \
    "GFW encounter events: at least 2 hours (GFW FAQ, 'What is a vessel encounter?').")          \
  X(rendezvous, gap_bridge_min, real, 60, 0, 720, "min",                                         \
    "A reception gap in either track shorter than this does not break a contact.",               \
    "aiswatch choice: satellite AIS leaves gaps of tens of minutes between passes over open "    \
    "sea (GFW, 'Deciphering suspicious behavior: not always what it seems').")                   \
  X(rendezvous, episode_merge_h, real, 6, 0, 72, "h",                                            \
    "Contacts of the same pair less than this apart are one episode (one alert).",               \
    "aiswatch choice: transfers pause and resume; issue 3 asks contacts a few hours apart to "   \
    "be one episode.")                                                                           \
  X(dark_period, threshold_h, real, 6, 1, 168, "h",                                              \
    "A vessel last heard at sea and silent this long opens a dark-period alert.",                \
    "GFW AIS gap events start at 6 hours of silence (GFW technical documentation, 'Gaps': "      \
    "proto_ais_gap_events and proto_ais_off_events); its published disabling events use 12 h.")  \
  X(dark_period, watchlisted_threshold_h, real, 2, 0.5, 168, "h",                                \
    "The same for a watchlisted vessel; not longer than threshold_h.",                           \
    "aiswatch choice: a listed vessel's silence matters sooner.")                                \
  X(dark_period, deliberate_after_h, real, 12, 2, 168, "h",                                      \
    "A dark period this long escalates (an update with higher severity) when the silence looks "  \
    "chosen: it began away from coverage edges and other vessels near its last position kept "   \
    "being received.",                                                                           \
    "GFW intentional AIS disabling: gaps of 12 hours or more where reception is good (Welch et " \
    "al., 'Hot spots of unseen fishing vessels', Science Advances 8(44), 2022).")                \
  X(dark_period, reception_radius_km, real, 30, 5, 300, "km",                                    \
    "Other vessels heard this close to the silent vessel's last position are the evidence that " \
    "it was within reach of the receivers; the coverage edge is looked for this far around it.", \
    "aiswatch choice: about a shore station's AIS range to a ship (20-30 nm; IALA Guideline "    \
    "1082), so vessels this close were within reach of the same stations.")                      \
  X(dark_period, reception_min_pct, real, 90, 10, 100, "%",                                      \
    "Share of the silence's hours in which another vessel near its last position was heard for " \
    "the silence to look chosen.",                                                               \
    "aiswatch choice: 'kept being received throughout' (issue 4), allowing an hour's lull.")     \
  X(dark_rendezvous, min_silence_h, real, 2, 0.5, 48, "h",                                       \
    "A vessel last heard at sea and silent this long counts as dark for a dark rendezvous.",     \
    "aiswatch choice: a transfer alongside takes hours; the watchlisted dark-period threshold.") \
  X(dark_rendezvous, min_loiter_h, real, 2, 0.25, 48, "h",                                       \
    "The visible vessel idles at sea (under loitering.max_speed_kn) at least this long while "   \
    "the other is dark, and the dark one could have lain alongside it this long.",               \
    "GFW encounter events last at least 2 hours (GFW FAQ, 'What is a vessel encounter?'); at 1 " \
    "hour, ships silent nearby for other reasons were linked by chance in simulated traffic.")   \
  X(dark_rendezvous, max_wait_h, real, 1, 0, 48, "h",                                            \
    "The visible vessel began idling at most this long after the dark one could first have "     \
    "reached it: a meeting is arranged, one does not wait half a day for the other.",            \
    "aiswatch choice: in simulated traffic every chance link (a ship dark for other reasons) "   \
    "had its partner start idling 1.7-9 h after that; planted transfers, within minutes.")      \
  X(dark_rendezvous, max_speed_kn, real, 12, 1, 30, "kn",                                        \
    "The dark vessel could reach the loitering one (from its last position, or to its first "    \
    "after the silence) at no more than this speed in the time available.",                     \
    "aiswatch choice: the service speed of a laden product tanker, 12-14 kn.")                   \
  X(dark_rendezvous, max_distance_km, real, 30, 1, 500, "km",                                    \
    "... and that position lies within this distance of where the visible vessel loiters.",      \
    "aiswatch choice: about 1.5 hours' steaming at 12 kn; farther links are too loose to alert " \
    "on (in simulated traffic, ships silent 38-41 km from a loitering tanker were linked by "    \
    "chance at 50 km).")                                                                         \
  X(dark_rendezvous, pair_max_distance_km, real, 15, 0.5, 100, "km",                             \
    "Two vessels that go dark this close to each other ...",                                     \
    "aiswatch choice: two ships switching off 20 minutes out (6 km at 10 kn) on opposite sides " \
    "of a meeting point are 12 km apart.")                                                       \
  X(dark_rendezvous, pair_max_interval_h, real, 1, 0.1, 12, "h",                                 \
    "... and within this time of each other are a dark rendezvous.",                             \
    "aiswatch choice.")                                                                          \
  X(loitering, max_speed_kn, real, 2, 0.1, 10, "kn",                                             \
    "A lone vessel slower than this (average) is loitering.",                                    \
    "GFW loitering events: average speed below 2 knots (GFW FAQ, 'What is a loitering "          \
    "event?').")                                                                                 \
  X(loitering, min_duration_h, real, 4, 0.5, 72, "h",                                            \
    "Loitering this long outside port and anchorage zones alerts.",                              \
    "Under 2 knots for at least 4 hours (Starboard help, 'How are loitering events "             \
    "defined?', a GFW-based platform); GFW's carrier portal lists loitering from 1 hour.")      \
  X(geofence, hysteresis_m, real, 300, 0, 5000, "m",                                             \
    "A vessel must be this far across a watch zone's boundary before entry or exit counts.",     \
    "aiswatch choice: well above GNSS jitter on a stopped ship, well below a zone's size.")      \
  X(geofence, hysteresis_min, real, 5, 0, 120, "min",                                            \
    "... and stay on the new side this long.",                                                   \
    "aiswatch choice: a few Class A reports at anchor (ITU-R M.1371: every 3 min).")             \
  X(geofence, dwell_alert_h, real, 0, 0, 720, "h",                                               \
    "A vessel inside a watch zone this long raises a dwell alert; 0 turns dwell alerts off.",   \
    "aiswatch choice: off unless the operator wants it.")                                        \
  X(spoofing, min_jumps, integer, 3, 2, 100, "jumps",                                            \
    "Impossible jumps (fixes implying more than tracker.max_speed_kn) within window_h before a " \
    "vessel is reported; a single glitch is not spoofing.",                                      \
    "aiswatch choice (issue 4: repeatedly, not a single glitch).")                               \
  X(spoofing, window_h, real, 6, 0.5, 72, "h",                                                   \
    "The time over which impossible jumps, impossible coordinates and fixes on land are "        \
    "counted.",                                                                                  \
    "aiswatch choice.")                                                                          \
  X(spoofing, min_jump_km, real, 5, 0.5, 1000, "km",                                             \
    "A jump shorter than this is not counted (GNSS glitches, and reports of one satellite pass " \
    "stamped seconds apart though minutes apart in truth, move a fix a few km).",                \
    "aiswatch choice: in the exactEarth captures of shared/data/ais, 1532 of 1618 rejected "     \
    "fixes of ships lie under 5 km from their track (median 1.3 km).")                           \
  X(spoofing, timing_error_h, real, 1.5, 0, 24, "h",                                             \
    "A jump no longer than the vessel covers at its reported speed in this time is not counted: " \
    "satellite AIS can pair a report with a receive time this far off. 0 counts every jump.",   \
    "aiswatch choice: the other 86 (5-38 km) in those captures are each 0.1-1.1 h of the "      \
    "vessel's own speed, a receive time an hour off; spoofed positions lie hundreds of km "      \
    "away, many hours at any ship's speed.")                                                     \
  X(spoofing, collision_min_alternations, integer, 4, 2, 100, "alternations",                    \
    "Alternations between two self-consistent tracks before one MMSI is reported as "            \
    "transmitting from two places at once.",                                                     \
    "aiswatch choice.")                                                                          \
  X(spoofing, min_land_fixes, integer, 3, 2, 100, "fixes",                                       \
    "Positions inside a land zone (drawn 20 km or more inland; a port or anchorage zone wins) "  \
    "within window_h before a vessel is reported; a single fix on land is a glitch.",            \
    "aiswatch choice, as min_jumps: positions spoofed onto land last for hours (C4ADS, 'Above "  \
    "Us Only Stars', 2019: ships shown at inland airports; MIT Technology Review, 2019: AIS "    \
    "tracks circling on land near Shanghai), one glitch is one fix.")                            \
  X(identity_change, imo_shared_window_h, real, 6, 0.5, 72, "h",                                 \
    "Two MMSIs transmitting the same IMO number within this time of each other share it.",       \
    "aiswatch choice: static data is sent every 6 minutes (ITU-R M.1371); hours rule out a "     \
    "renumbered transponder handing over.")                                                      \
  X(draught_change, min_change_m, real, 0.5, 0.1, 10, "m",                                       \
    "A reported draught change at sea at least this large ...",                                  \
    "Issue 4: at least 0.5 m and 10 %.")                                                         \
  X(draught_change, min_change_pct, real, 10, 1, 100, "%",                                       \
    "... and at least this share of the previous draught alerts.",                               \
    "Issue 4: at least 0.5 m and 10 %.")                                                         \
  X(draught_change, related_window_h, real, 24, 1, 168, "h",                                     \
    "A draught change during or up to this long after a rendezvous, dark period or dark "        \
    "rendezvous of the vessel is linked to it as evidence.",                                     \
    "aiswatch choice: crews often update the draught hours after a transfer, at the latest on "  \
    "the next voyage.")                                                                          \
  X(tracker, lateness_s, real, 60, 0, 86400, "s",                                                \
    "The watermark trails the newest event time by this much; later reports are still kept.",   \
    "Issue 3: bounded lateness, default 60 s.")                                                  \
  X(tracker, duplicate_window_s, real, 30, 0, 600, "s",                                          \
    "Copies of one message heard by several stations within this window count once.",            \
    "aiswatch choice: terrestrial copies arrive within seconds of each other.")                  \
  X(tracker, max_speed_kn, real, 50, 20, 102.2, "kn",                                            \
    "A report implying a faster speed from the track is kept out of it (a spoofing clue).",      \
    "aiswatch choice: above the fastest merchant ships; AIS speed over ground tops out at "      \
    "102.2 kn (ITU-R M.1371).")                                                                  \
  X(tracker, max_history_points, integer, 16, 2, 1024, "points",                                 \
    "Track points kept per vessel (speed is inferred from them when a vessel reports none); "    \
    "each costs every tracked vessel 24 bytes.",                                                 \
    "aiswatch choice: 16 span a few minutes under way, enough to infer speed; a tracked vessel " \
    "then costs about 1.1 KB (bench_track, a million vessels), within the 2 KB per vessel of "   \
    "issue 3 (above about 56 points it is not), and replay keeps more vessels in cache.")

enum class ThresholdId : std::size_t {
#define AISWATCH_THRESHOLD_ENUM(section, key, ...) section##_##key,
  AISWATCH_THRESHOLDS(AISWATCH_THRESHOLD_ENUM)
#undef AISWATCH_THRESHOLD_ENUM
};

struct ThresholdSpec {
  std::string_view section;
  std::string_view key;
  ThresholdType type;
  double default_value;
  double min;
  double max;
  std::string_view unit;  // "m", "km", "kn", "s", "min", "h", "%", "points", ...
  std::string_view meaning;
  std::string_view source;

  std::string path() const;  // "rendezvous.max_distance_m"
};

inline constexpr std::array threshold_specs = {
#define AISWATCH_THRESHOLD_SPEC(section, key, type, def, min, max, unit, meaning, source) \
  ThresholdSpec{#section, #key, ThresholdType::type, def, min, max, unit, meaning, source},
    AISWATCH_THRESHOLDS(AISWATCH_THRESHOLD_SPEC)
#undef AISWATCH_THRESHOLD_SPEC
};
inline constexpr std::size_t threshold_count = threshold_specs.size();

const ThresholdSpec& spec(ThresholdId id);

class Thresholds {
 public:
  Thresholds();  // every default

  double value(ThresholdId id) const { return values_[static_cast<std::size_t>(id)]; }
  // A duration threshold (unit s, min or h) in seconds.
  double seconds(ThresholdId id) const;
  // The same in whole milliseconds, rounded to the nearest (0.7 h is 2 520 000, not the
  // 2 519 999 that truncating 0.7 * 3600 * 1000 gives): the unit of event time.
  int64_t milliseconds(ThresholdId id) const;

  // The thresholds whose value differs from the default.
  std::vector<ThresholdId> differences() const;

  // Parses detectors.yaml; keys with problems keep their default and each problem is appended
  // to `errors` naming the key ("rendezvous.max_distance_m: 50000 is out of range [50, 5000]").
  static Thresholds parse(const std::string& file, std::string_view text, LoadErrors& errors);

  // The default detectors.yaml, every key with its meaning, range and source as comments.
  static std::string default_yaml();

 private:
  std::array<double, threshold_count> values_;
};

// "50000", "0.5", "102.2": a value as an operator wrote it, without trailing zeros.
std::string format_number(double value);

}  // namespace aiswatch::ruleset
