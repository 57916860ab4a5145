#pragma once
// A deterministic traffic simulator: vessels on the sea lanes of an area, transmitting what real
// transponders transmit at the intervals ITU-R M.1371-5 sets, received by several shore stations
// the way a merged network feed receives them (losses, duplicates, arrival delays that put lines
// out of order, the odd corrupted line), written as NMEA 4.0 sentences with tag-block receive
// times. Into that background it plants the behaviours aiswatch hunts (ship-to-ship rendezvous,
// dark periods, loitering) and the look-alikes it must not alert on (fishing fleets drifting
// together, a tug alongside for minutes, pair trawlers, a roadstead anchorage), and reports each
// as ground truth. It makes the sample feeds aiswatch ships with, and the scenarios its detector
// tests measure precision and recall on. Same configuration and seed, same output, byte for byte.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiswatch::sim {

struct TrafficConfig {
  uint64_t seed = 1;
  unsigned vessels = 40;                 // background traffic
  int64_t start_time_s = 1'767'225'600;  // 2026-01-01T00:00:00Z
  int64_t duration_s = 600;
  // Sea area: the Korea Bay and the approaches to Nampo, where ship-to-ship transfers to North
  // Korean tankers have been documented by the UN Panel of Experts (S/2019/171, S/2021/211).
  double min_lat = 38.0, max_lat = 39.4;
  double min_lon = 123.6, max_lon = 125.0;

  // Reception by a network of shore stations, each named as the tag-block s: of its lines.
  unsigned stations = 2;
  double reception_probability = 0.8;  // per station and transmission
  int64_t max_arrival_delay_ms = 4'000;  // network latency: later lines arrive earlier
  double malformed_probability = 0.0;   // a received line corrupted in transit

  // Planted behaviours (ground truth type in brackets). Their timing is spread over the run;
  // an event that does not fit in duration_s is not planted.
  unsigned rendezvous = 0;     // two tankers meet and drift alongside for hours [RENDEZVOUS]
  unsigned dark_periods = 0;   // a vessel at sea stops transmitting for 8-10 h [DARK_PERIOD]
  unsigned loiterings = 0;     // a lone vessel idles at sea for 5-6 h [LOITERING]
  // Look-alikes that must not alert [CONFOUNDER].
  unsigned fishing_fleets = 0;   // a dozen fishing vessels drifting together at night
  unsigned tug_assists = 0;      // a tug alongside a slow tanker for 20 minutes
  unsigned pair_trawlers = 0;    // two trawlers 300 m apart, towing at 3-4 knots for hours
  unsigned roadsteads = 0;       // six ships at anchor 1 nm apart outside any zone, for days

  // Watch zones, for geofence truth: bit i of watch_zones_at(lat, lon) is set when the point lies
  // inside watch_zone_ids[i] (at most 64 zones), and watch_zone_distance_m(i, lat, lon) is the
  // distance to that zone's boundary; sim/watch_zones.h sets them from a ruleset. When set,
  // every crossing of a watch-zone boundary by any vessel is ground truth [GEOFENCE_ENTRY /
  // GEOFENCE_EXIT], judged on its true positions at its transmissions with the detector's
  // hysteresis: geofence_hysteresis_m across, for geofence_hysteresis_s.
  std::vector<std::string> watch_zone_ids;
  std::function<uint64_t(double lat, double lon)> watch_zones_at;
  std::function<double(std::size_t zone, double lat, double lon)> watch_zone_distance_m;
  double geofence_hysteresis_m = 300;
  int64_t geofence_hysteresis_s = 300;
  // Planted with watch zones only (a boundary is searched for from random points of the area):
  unsigned zone_crossings = 0;       // a ship sails straight across a watch-zone boundary
  unsigned boundary_anchorages = 0;  // a ship at anchor 20 m from a watch-zone boundary for 3 h,
                                     // its fix jittering 60 m across it [CONFOUNDER]

  // Deception (issue 4). Planted:
  unsigned dark_sts = 0;             // a tanker idles at sea while another comes to it with its
                                     // transponder off, lies alongside for hours and leaves dark;
                                     // reappears laden (draught +2-3 m) [DARK_RENDEZVOUS, and
                                     // DRAUGHT_CHANGE "laden_after_dark_sts"]
  unsigned both_dark_meetings = 0;   // two tankers switch off minutes apart a few km from each
                                     // other, meet, part, reappear [DARK_RENDEZVOUS]
  unsigned deliberate_silences = 0;  // a tanker drifts at sea among traffic with its transponder
                                     // off for 14-16 h [DARK_PERIOD, kind "deliberate_silence":
                                     // should escalate]
  unsigned position_offsets = 0;     // a ship reports a position 200-400 km from the truth for
                                     // 2-3 h [SPOOFING]
  unsigned shared_mmsis = 0;         // two ships 40-100 km apart transmit one MMSI (different
                                     // names and IMO numbers) [SPOOFING]
  unsigned renamed_tankers = 0;      // a tanker's transmitted name changes at sea [IDENTITY_CHANGE]
  unsigned flag_mismatches = 0;      // an MMSI of Sierra Leone with a North Korean call sign and an
                                     // IMO number whose check digit is wrong [IDENTITY_CHANGE]
  unsigned draught_changes = 0;      // a tanker under way at sea reports 2-4 m more draught
                                     // [DRAUGHT_CHANGE]
  // Look-alikes that must not alert [CONFOUNDER]:
  unsigned gps_glitches = 0;          // one position report 20-80 km off, then the track goes on
  unsigned coverage_holes = 0;        // nothing is received in a 0.4 x 0.4 degree box for 14-16 h;
                                      // four trawlers working in it go quiet together (their dark
                                      // periods may alert; they must not escalate or be linked);
                                      // later plants are placed 0.3 degrees clear of it
  unsigned port_draught_changes = 0;  // a ship moored in a port changes its draught by 3 m
                                      // (needs port_points)
  unsigned coastal_traffic = 0;       // a ship with a poor GPS (fix scattering 150 m) sails
                                      // close along the Hwanghae coast (under 1 to 7 km off)
                                      // into the Taedong, past Nampo up to Pyongyang and back,
                                      // or up the Yalu to Dandong and back: never on land
                                      // [CONFOUNDER]
  // Planted, with land points only:
  unsigned land_positions = 0;  // a ship's reported positions are put at a point deep inland for
                                // 1-2 h: circling there 1-3 km across from its first report, or
                                // frozen there after 30 min at sea [SPOOFING]
  // Points inside port zones, for port_draught_changes; sim/watch_zones.h sets them from a
  // ruleset.
  std::vector<std::pair<double, double>> port_points;
  // Points deep inside land zones (10 km or more from their edge), for land_positions;
  // sim/watch_zones.h sets them from a ruleset.
  std::vector<std::pair<double, double>> land_points;
};

// One planted behaviour, as the detectors should (or, for confounders, should not) report it.
struct TruthEvent {
  // RENDEZVOUS, DARK_PERIOD, LOITERING, GEOFENCE_ENTRY, GEOFENCE_EXIT, DARK_RENDEZVOUS,
  // SPOOFING, IDENTITY_CHANGE, DRAUGHT_CHANGE or CONFOUNDER
  std::string type;
  std::string kind;                // what was planted, e.g. "drift_alongside", "fishing_fleet"
  std::string zone_id;             // the watch zone of a GEOFENCE_ event; empty otherwise
  std::vector<uint32_t> mmsis;     // the vessels involved (two for a rendezvous)
  int64_t start_time_s = 0;        // when the behaviour began (a dark period: last transmission)
  int64_t end_time_s = 0;          // when it ended (a dark period: first transmission after)
  double lat = 0, lon = 0;         // where
};

struct TrafficSummary {
  uint64_t lines = 0;
  uint64_t messages = 0;     // transmissions made (received or not)
  uint64_t received = 0;     // transmissions received by at least one station
  uint64_t duplicates = 0;   // extra copies from a second station
  uint64_t malformed = 0;    // lines corrupted in transit
  unsigned vessels = 0;      // background and planted
  std::vector<TruthEvent> truth;
};

// Calls on_line for every NMEA line of the simulated feed, in arrival order (receive times in
// the tag blocks are then slightly out of order, as in a real merged feed).
TrafficSummary simulate_traffic(const TrafficConfig& config,
                                const std::function<void(std::string_view line)>& on_line);

// The ground truth as JSON lines: one object per planted event, times in RFC 3339 UTC.
std::string truth_to_json_lines(const std::vector<TruthEvent>& truth);

}  // namespace aiswatch::sim
