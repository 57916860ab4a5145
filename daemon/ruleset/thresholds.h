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
  std::string_view unit;  // "m", "kn", "s", "min", "h", "points"
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
