#include "sim/traffic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <queue>
#include <span>
#include <string>
#include <vector>

#include "ais/encoder.h"
#include "ais/message.h"

namespace aiswatch::sim {
namespace {

// splitmix64: a tiny generator whose output is fully specified, so the feed is the same with
// every standard library (std:: distributions are implementation-defined).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform(double low, double high) {
    return low + (high - low) * static_cast<double>(next() >> 11) * 0x1.0p-53;
  }
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }

 private:
  uint64_t state_;
};

template <std::size_t N>
void set_text(ais::SixBitText<N>& text, std::string_view value) {
  text.length = static_cast<uint8_t>(std::min(value.size(), N));
  for (std::size_t i = 0; i < text.length; ++i) text.chars[i] = value[i];
}

// Seven-digit IMO number with a valid check digit (IMO Resolution A.1078(28)), one per vessel
// index (unique up to 100,000 vessels: a random pick collided by the thousand in a 20,000-vessel
// scenario, and an IMO number sent by two MMSIs is an alert).
uint32_t make_imo(unsigned index) {
  const uint32_t digits = 900'000 + index % 100'000;
  uint32_t sum = 0, rest = digits;
  for (uint32_t weight = 2; weight <= 7; ++weight, rest /= 10) sum += (rest % 10) * weight;
  return digits * 10 + sum % 10;
}

constexpr double pi = std::numbers::pi;
constexpr double metres_per_degree = 111'195.0;  // of latitude, on a 6371 km sphere

enum class Kind { class_a, class_b };

// What a vessel does during one stretch of time.
enum class Mode {
  transit,  // hold course and speed, small course changes, turn back at the area's edge
  go_to,    // head for a point at a speed, then idle there
  drift,    // idle: under 1 knot (or `speed`), wandering course
  anchored, // at anchor: no way on, the fix jittering around the anchor position
  follow,   // keep station at an offset from another vessel (alongside, in company)
  silent,   // transit with the transponder off
};

struct Leg {
  int64_t until_s = 0;   // the leg ends at this time (the last leg runs to the end)
  Mode mode = Mode::transit;
  double speed = 10;     // knots
  double course = 0;     // degrees, for transit
  double target_lat = 0, target_lon = 0;  // go_to
  std::size_t leader = 0;                 // follow: index of the vessel to keep station on
  double offset_north_m = 0, offset_east_m = 0;  // follow: where, relative to the leader
  uint8_t status = 0;    // navigational status transmitted during the leg
  bool transponder_off = false;  // nothing is transmitted during the leg
};

struct Vessel {
  Kind kind = Kind::class_a;
  uint32_t mmsi = 0;
  uint32_t imo = 0;
  std::string name, callsign, destination;
  uint8_t shiptype = 0;
  uint16_t length = 0;
  uint8_t beam = 0;
  double draught = 0;
  bool reports_heading = true;  // some transponders send heading 511 (no gyro connected)
  bool reports_speed = true;    // and a few send speed 102.3 (not available)
  double gps_jitter_m = 4.0;    // reported fixes scatter this far around the true position
  // True state.
  double lat = 0, lon = 0, course = 0, speed = 0;
  uint8_t status = 0;
  int64_t state_time_s = 0;  // when lat/lon were last advanced
  std::vector<Leg> legs;
  std::size_t leg = 0;
  std::size_t course_leg = SIZE_MAX;  // the leg whose course `course` was set from
  int64_t appears_s = 0;     // first transmission (planted vessels enter the scene later)
  int64_t next_position_s = 0;
  int64_t next_static_s = 0;
  // What the transponder says that is not so (deception plants); -1: never.
  int64_t offset_from_s = -1, offset_until_s = -1;  // positions reported offset by:
  double offset_north_m = 0, offset_east_m = 0;
  int64_t glitch_at_s = -1;  // the first position report from then on is offset by:
  double glitch_north_m = 0, glitch_east_m = 0;
  int64_t renamed_at_s = -1;  // static data from then on carries new_name
  std::string new_name;
  int64_t draught_changed_at_s = -1;  // static data from then on carries new_draught
  double new_draught = 0;
  // Positions reported at (land_lat, land_lon) instead, circling it land_radius_m out (0: frozen
  // there) once every 20 minutes, from land_from_s until land_until_s.
  int64_t land_from_s = -1, land_until_s = -1;
  double land_lat = 0, land_lon = 0, land_radius_m = 0;
};

// A box where no station receives anything for a while.
struct CoverageHole {
  int64_t from_s = 0, until_s = 0;
  double min_lat = 0, max_lat = 0, min_lon = 0, max_lon = 0;
  bool covers(double lat, double lon, int64_t now_s) const {
    return now_s >= from_s && now_s < until_s && lat >= min_lat && lat <= max_lat &&
           lon >= min_lon && lon <= max_lon;
  }
};

double wrap_degrees(double d) {
  d = std::fmod(d, 360.0);
  return d < 0 ? d + 360.0 : d;
}

// Moves a point `metres` along `course` (flat-earth step: the steps here are short).
void step(double& lat, double& lon, double course, double metres) {
  lat += metres * std::cos(course * pi / 180) / metres_per_degree;
  lon += metres * std::sin(course * pi / 180) / (metres_per_degree * std::cos(lat * pi / 180));
}

double bearing_to(double lat, double lon, double to_lat, double to_lon) {
  const double north = (to_lat - lat) * metres_per_degree;
  const double east = (to_lon - lon) * metres_per_degree * std::cos(lat * pi / 180);
  return wrap_degrees(std::atan2(east, north) * 180 / pi);
}

double distance_m(double lat, double lon, double to_lat, double to_lon) {
  const double north = (to_lat - lat) * metres_per_degree;
  const double east = (to_lon - lon) * metres_per_degree * std::cos(lat * pi / 180);
  return std::hypot(north, east);
}

class Scene {
 public:
  Scene(const TrafficConfig& config) : config_(config), random_(config.seed) {}

  const TrafficConfig& config() const { return config_; }
  Random& random() { return random_; }
  std::vector<Vessel>& fleet() { return fleet_; }
  std::vector<TruthEvent>& truth() { return truth_; }
  // Planted dark periods: (truth index, vessel index), made exact after the run.
  std::vector<std::pair<std::size_t, std::size_t>>& dark_plants() { return dark_plants_; }
  std::vector<CoverageHole>& coverage_holes() { return coverage_holes_; }
  bool receivable(double lat, double lon, int64_t now_s) const {
    for (const CoverageHole& hole : coverage_holes_)
      if (hole.covers(lat, lon, now_s)) return false;
    return true;
  }

  std::size_t add_vessel(Kind kind, uint8_t shiptype, double lat, double lon, int64_t appears_s) {
    Vessel v;
    v.kind = kind;
    const unsigned index = static_cast<unsigned>(fleet_.size());
    const uint16_t mid = flag_mids[random_.below(flag_mids.size())];
    v.mmsi = mid * 1'000'000u + 100'000u + index % 900'000u;
    // Built with append: std::string operator+ trips a false -Wrestrict in GCC 12 at -O3 (GCC
    // bug 105329).
    v.name.append(name_words[random_.below(name_words.size())])
        .append(" ")
        .append(name_words[random_.below(name_words.size())])
        .append(" ")
        .append(std::to_string(1 + random_.below(9)));
    v.callsign.append(callsign_prefix(mid)).append(std::to_string(1000 + index % 9000));
    v.destination = destinations[random_.below(destinations.size())];
    v.shiptype = shiptype;
    if (kind == Kind::class_a) {
      v.imo = make_imo(index);
      v.length = static_cast<uint16_t>(shiptype == 30 ? 25 + random_.below(30) : 80 + random_.below(120));
      v.beam = static_cast<uint8_t>(v.length / 6 + 2);
      v.draught = std::round(random_.uniform(4.0, 11.0) * 10) / 10;
    } else {
      v.length = static_cast<uint16_t>(12 + random_.below(20));
      v.beam = static_cast<uint8_t>(4 + random_.below(5));
    }
    v.reports_heading = random_.below(20) != 0;
    v.reports_speed = random_.below(50) != 0;
    v.lat = lat;
    v.lon = lon;
    v.course = random_.uniform(0, 360);
    v.state_time_s = appears_s;
    v.appears_s = appears_s;
    v.next_position_s = appears_s + random_.below(10);
    v.next_static_s = appears_s + random_.below(60);
    fleet_.push_back(std::move(v));
    return fleet_.size() - 1;
  }

  // A point at least `margin_deg` inside the area and, when it can be, 0.3 degrees clear of
  // every coverage hole (planted first), so that what is planted there is heard.
  std::pair<double, double> point_inside(double margin_deg) {
    std::pair<double, double> point;
    for (int attempt = 0; attempt < 100; ++attempt) {
      point = {random_.uniform(config_.min_lat + margin_deg, config_.max_lat - margin_deg),
               random_.uniform(config_.min_lon + margin_deg, config_.max_lon - margin_deg)};
      bool clear = true;
      for (const CoverageHole& hole : coverage_holes_)
        clear = clear && (point.first < hole.min_lat - 0.3 || point.first > hole.max_lat + 0.3 ||
                          point.second < hole.min_lon - 0.3 || point.second > hole.max_lon + 0.3);
      if (clear) break;
    }
    return point;
  }

  // Brings vessel `index` forward to `now_s`, leg by leg.
  void advance(std::size_t index, int64_t now_s) {
    Vessel& v = fleet_[index];
    while (v.state_time_s < now_s) {
      const bool last_leg = v.leg + 1 >= v.legs.size();
      const int64_t leg_end = last_leg ? now_s : std::min(now_s, v.legs[v.leg].until_s);
      if (leg_end > v.state_time_s) move(index, leg_end);
      if (!last_leg && v.state_time_s >= v.legs[v.leg].until_s) ++v.leg;
      if (leg_end == now_s) break;
    }
  }

  const Leg& leg_of(const Vessel& v) const { return v.legs[v.leg]; }

 private:
  void move(std::size_t index, int64_t to_s) {
    Vessel& v = fleet_[index];
    const Leg& leg = v.legs[v.leg];
    const auto dt = static_cast<double>(to_s - v.state_time_s);
    v.status = leg.status;
    switch (leg.mode) {
      case Mode::transit:
      case Mode::silent:
        v.speed = leg.speed;
        if (v.course_leg != v.leg) {  // a transit leg starts on its own course
          v.course = leg.course;
          v.course_leg = v.leg;
        }
        if (random_.below(20) == 0) v.course = wrap_degrees(v.course + random_.uniform(-10, 10));
        step(v.lat, v.lon, v.course, v.speed * 1852.0 / 3600.0 * dt);
        if (v.lat < config_.min_lat || v.lat > config_.max_lat) v.course = wrap_degrees(180 - v.course);
        if (v.lon < config_.min_lon || v.lon > config_.max_lon) v.course = wrap_degrees(360 - v.course);
        break;
      case Mode::go_to: {
        const double remaining = distance_m(v.lat, v.lon, leg.target_lat, leg.target_lon);
        const double travel = leg.speed * 1852.0 / 3600.0 * dt;
        v.course = bearing_to(v.lat, v.lon, leg.target_lat, leg.target_lon);
        if (travel >= remaining) {
          v.lat = leg.target_lat;
          v.lon = leg.target_lon;
          v.speed = 0.3;
        } else {
          v.speed = leg.speed;
          step(v.lat, v.lon, v.course, travel);
        }
        break;
      }
      case Mode::drift:
        v.speed = std::clamp(leg.speed + random_.uniform(-0.2, 0.2), 0.0, 3.0);
        v.course = wrap_degrees(v.course + random_.uniform(-20, 20));
        step(v.lat, v.lon, v.course, v.speed * 1852.0 / 3600.0 * dt);
        break;
      case Mode::anchored:
        v.speed = 0;
        v.course = random_.uniform(0, 360);  // a stopped GPS reports any course
        break;
      case Mode::follow: {
        advance(leg.leader, to_s);
        const Vessel& leader = fleet_[leg.leader];
        v.lat = leader.lat + leg.offset_north_m / metres_per_degree;
        v.lon = leader.lon +
                leg.offset_east_m / (metres_per_degree * std::cos(leader.lat * pi / 180));
        v.speed = leader.speed;
        v.course = leader.course;
        break;
      }
    }
    v.state_time_s = to_s;
  }

  // Flag MIDs of the fleets seen in the area: North Korea, China, South Korea, Panama, Sierra
  // Leone, Togo, Mongolia (the last four are flags of convenience in UN Panel of Experts reports).
  static constexpr std::array<uint16_t, 7> flag_mids = {445, 412, 440, 352, 667, 671, 457};

 public:
  // A call sign series of the MID's country (ITU Radio Regulations, Appendix 42), so that a
  // transponder's call sign and MMSI agree on the flag as real ones do.
  static std::string_view callsign_prefix(uint16_t mid) {
    switch (mid) {
      case 445:
        return "HM";  // North Korea: HMA-HMZ
      case 412:
        return "BQ";  // China: BAA-BZZ
      case 440:
        return "DS";  // Korea (Republic of): DSA-DTZ
      case 352:
        return "3E";  // Panama: 3EA-3FZ
      case 667:
        return "9L";  // Sierra Leone: 9LA-9LZ
      case 671:
        return "5V";  // Togo: 5VA-5VZ
      case 457:
        return "JV";  // Mongolia: JTA-JVZ
      default:
        return "X";
    }
  }

 private:
  static constexpr std::array<std::string_view, 12> name_words = {
      "SEA", "PIONEER", "GOLDEN", "STAR", "OCEAN", "GLORY", "EAST", "WIND",
      "BRIGHT", "PEARL", "NORTH", "HARMONY"};
  static constexpr std::array<std::string_view, 5> destinations = {"NAMPO", "DALIAN", "INCHEON",
                                                                  "YANTAI", "DANDONG"};

  TrafficConfig config_;
  Random random_;
  std::vector<Vessel> fleet_;
  std::vector<TruthEvent> truth_;
  std::vector<std::pair<std::size_t, std::size_t>> dark_plants_;
  std::vector<CoverageHole> coverage_holes_;
};

Leg transit_leg(int64_t until_s, double speed, double course) {
  Leg leg;
  leg.until_s = until_s;
  leg.mode = Mode::transit;
  leg.speed = speed;
  leg.course = course;
  return leg;
}

Leg idle_leg(int64_t until_s, Mode mode, double speed, uint8_t status) {
  Leg leg;
  leg.until_s = until_s;
  leg.mode = mode;
  leg.speed = speed;
  leg.status = status;
  return leg;
}

Leg go_to_leg(int64_t until_s, double speed, double lat, double lon) {
  Leg leg;
  leg.until_s = until_s;
  leg.mode = Mode::go_to;
  leg.speed = speed;
  leg.target_lat = lat;
  leg.target_lon = lon;
  return leg;
}

Leg follow_leg(int64_t until_s, std::size_t leader, double north_m, double east_m, uint8_t status) {
  Leg leg;
  leg.until_s = until_s;
  leg.mode = Mode::follow;
  leg.leader = leader;
  leg.offset_north_m = north_m;
  leg.offset_east_m = east_m;
  leg.status = status;
  return leg;
}

// A start time for an event of `length_s` (plus `lead_s` before it) that fits in the run, or -1.
int64_t fit(Scene& scene, int64_t lead_s, int64_t length_s) {
  const TrafficConfig& c = scene.config();
  const int64_t earliest = c.start_time_s + lead_s;
  const int64_t latest = c.start_time_s + c.duration_s - length_s - 600;
  if (latest < earliest) return -1;
  return earliest + static_cast<int64_t>(scene.random().uniform(0, static_cast<double>(latest - earliest)));
}

void add_truth(Scene& scene, std::string type, std::string kind, std::vector<uint32_t> mmsis,
               int64_t start_s, int64_t end_s, double lat, double lon) {
  TruthEvent e;
  e.type = std::move(type);
  e.kind = std::move(kind);
  e.mmsis = std::move(mmsis);
  e.start_time_s = start_s;
  e.end_time_s = end_s;
  e.lat = lat;
  e.lon = lon;
  scene.truth().push_back(std::move(e));
}

// Two tankers come from 10 nm apart, meet, lie alongside for 3-5 hours and part. Variants: both
// drifting, both reporting "at anchor" or "moored" in open water, or drifting together with the
// current at up to 2.4 knots.
void plant_rendezvous(Scene& scene, unsigned variant) {
  const int64_t approach_s = 3'600;
  const auto duration_s = static_cast<int64_t>(scene.random().uniform(3 * 3'600, 5 * 3'600));
  const int64_t meet_s = fit(scene, approach_s, duration_s + 3'600);
  if (meet_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.25);
  static constexpr std::array<std::string_view, 3> kinds = {"drift_alongside", "anchored_alongside",
                                                            "drift_with_current"};
  const unsigned kind = variant % 3;
  const uint8_t status = kind == 1 ? (scene.random().below(2) == 0 ? 1 : 5) : 0;
  const double idle_speed = kind == 2 ? scene.random().uniform(1.0, 2.4) : 0.4;
  const Mode idle_mode = kind == 1 ? Mode::anchored : Mode::drift;

  std::array<std::size_t, 2> pair{};
  for (std::size_t k = 0; k < 2; ++k) {
    const double from = scene.random().uniform(0, 360);
    double start_lat = lat, start_lon = lon;
    step(start_lat, start_lon, from, 10 * 1852.0);
    pair[k] = scene.add_vessel(Kind::class_a, k == 0 ? 80 : 81, start_lat, start_lon,
                               meet_s - approach_s);
  }
  Vessel& giver = scene.fleet()[pair[0]];
  const Leg approach = go_to_leg(meet_s, 10, lat, lon);
  giver.legs = {approach, idle_leg(meet_s + duration_s, idle_mode, idle_speed, status),
                transit_leg(0, 11, scene.random().uniform(0, 360))};
  Vessel& receiver = scene.fleet()[pair[1]];
  Leg approach_b = approach;
  approach_b.target_lat = lat + 80 / metres_per_degree;  // stops 80 m north of the giver
  receiver.legs = {approach_b, follow_leg(meet_s + duration_s, pair[0], 80, 20, status),
                   transit_leg(0, 11, scene.random().uniform(0, 360))};
  add_truth(scene, "RENDEZVOUS", std::string(kinds[kind]),
            {scene.fleet()[pair[0]].mmsi, scene.fleet()[pair[1]].mmsi}, meet_s, meet_s + duration_s,
            lat, lon);
}

// A cargo ship at sea switches its transponder off for 8-10 hours and keeps going.
void plant_dark_period(Scene& scene) {
  const auto dark_s = static_cast<int64_t>(scene.random().uniform(8 * 3'600, 10 * 3'600));
  const int64_t off_s = fit(scene, 1'800, dark_s + 1'800);
  if (off_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.2);
  const std::size_t index = scene.add_vessel(Kind::class_a, 70, lat, lon, off_s - 1'800);
  const double course = scene.random().uniform(0, 360);
  Leg silent = transit_leg(off_s + dark_s, 4, course);
  silent.mode = Mode::silent;
  scene.fleet()[index].legs = {transit_leg(off_s, 8, course), silent, transit_leg(0, 8, course)};
  // The times are made exact after the run, from the last and first transmissions around it.
  scene.dark_plants().emplace_back(scene.truth().size(), index);
  add_truth(scene, "DARK_PERIOD", "transponder_off", {scene.fleet()[index].mmsi}, off_s,
            off_s + dark_s, lat, lon);
}

// A tanker alone at sea, idling for 5-6 hours.
void plant_loitering(Scene& scene) {
  const auto idle_s = static_cast<int64_t>(scene.random().uniform(5 * 3'600, 6 * 3'600));
  const int64_t stop_s = fit(scene, 1'800, idle_s + 1'800);
  if (stop_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.2);
  double start_lat = lat, start_lon = lon;
  step(start_lat, start_lon, scene.random().uniform(0, 360), 4 * 1852.0);
  const std::size_t index = scene.add_vessel(Kind::class_a, 80, start_lat, start_lon, stop_s - 1'800);
  scene.fleet()[index].legs = {go_to_leg(stop_s, 9, lat, lon), idle_leg(stop_s + idle_s, Mode::drift, 0.5, 0),
                               transit_leg(0, 10, scene.random().uniform(0, 360))};
  add_truth(scene, "LOITERING", "idle_at_sea", {scene.fleet()[index].mmsi}, stop_s, stop_s + idle_s,
            lat, lon);
}

// A dozen fishing vessels drifting in company for 4-6 hours (at night, with lights and nets).
void plant_fishing_fleet(Scene& scene) {
  const auto length_s = static_cast<int64_t>(scene.random().uniform(4 * 3'600, 6 * 3'600));
  const int64_t start_s = fit(scene, 0, length_s);
  if (start_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.2);
  std::vector<uint32_t> mmsis;
  const std::size_t lead = scene.add_vessel(Kind::class_a, 30, lat, lon, start_s);
  scene.fleet()[lead].legs = {idle_leg(start_s + length_s, Mode::drift, 0.6, 7),
                              transit_leg(0, 8, scene.random().uniform(0, 360))};
  mmsis.push_back(scene.fleet()[lead].mmsi);
  for (unsigned k = 1; k < 12; ++k) {
    const Kind kind = k % 3 == 0 ? Kind::class_b : Kind::class_a;
    const double north = scene.random().uniform(-900, 900), east = scene.random().uniform(-900, 900);
    const std::size_t index = scene.add_vessel(kind, 30, lat, lon, start_s);
    scene.fleet()[index].legs = {follow_leg(start_s + length_s, lead, north, east, 7),
                                 transit_leg(0, 8, scene.random().uniform(0, 360))};
    mmsis.push_back(scene.fleet()[index].mmsi);
  }
  add_truth(scene, "CONFOUNDER", "fishing_fleet", std::move(mmsis), start_s, start_s + length_s,
            lat, lon);
}

// A tanker slows to 1.5 knots while a tug comes alongside for 20 minutes, then both go on.
void plant_tug_assist(Scene& scene) {
  const int64_t start_s = fit(scene, 600, 1'200 + 1'800);
  if (start_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.2);
  const double course = scene.random().uniform(0, 360);
  const std::size_t tanker = scene.add_vessel(Kind::class_a, 80, lat, lon, start_s - 600);
  scene.fleet()[tanker].legs = {transit_leg(start_s, 8, course), transit_leg(start_s + 1'200, 1.5, course),
                                transit_leg(0, 9, course)};
  const std::size_t tug = scene.add_vessel(Kind::class_a, 52, lat, lon, start_s);
  scene.fleet()[tug].legs = {follow_leg(start_s + 1'200, tanker, 30, 15, 0),
                             transit_leg(0, 10, wrap_degrees(course + 150))};
  add_truth(scene, "CONFOUNDER", "tug_alongside_20_min",
            {scene.fleet()[tanker].mmsi, scene.fleet()[tug].mmsi}, start_s, start_s + 1'200, lat, lon);
}

// Two trawlers towing one net between them, 300 m apart at 3-4 knots, for hours.
void plant_pair_trawlers(Scene& scene) {
  const auto length_s = static_cast<int64_t>(scene.random().uniform(3 * 3'600, 5 * 3'600));
  const int64_t start_s = fit(scene, 0, length_s);
  if (start_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.3);
  const double course = scene.random().uniform(0, 360);
  const std::size_t lead = scene.add_vessel(Kind::class_a, 30, lat, lon, start_s);
  scene.fleet()[lead].legs = {transit_leg(start_s + length_s, scene.random().uniform(3, 4), course),
                              transit_leg(0, 9, course)};
  const std::size_t partner = scene.add_vessel(Kind::class_a, 30, lat, lon, start_s);
  const double beam_north = 300 * std::cos((course + 90) * pi / 180);
  const double beam_east = 300 * std::sin((course + 90) * pi / 180);
  scene.fleet()[partner].legs = {follow_leg(start_s + length_s, lead, beam_north, beam_east, 7),
                                 transit_leg(0, 9, wrap_degrees(course + 40))};
  add_truth(scene, "CONFOUNDER", "pair_trawlers",
            {scene.fleet()[lead].mmsi, scene.fleet()[partner].mmsi}, start_s, start_s + length_s, lat,
            lon);
}

// Six ships at anchor a nautical mile apart, waiting for a berth, outside any listed anchorage.
void plant_roadstead(Scene& scene) {
  const TrafficConfig& c = scene.config();
  const auto [lat, lon] = scene.point_inside(0.2);
  std::vector<uint32_t> mmsis;
  for (unsigned k = 0; k < 6; ++k) {
    double ship_lat = lat, ship_lon = lon;
    step(ship_lat, ship_lon, 90, 1852.0 * (k % 3));
    step(ship_lat, ship_lon, 0, 1852.0 * (k / 3));
    const std::size_t index = scene.add_vessel(Kind::class_a, k % 2 == 0 ? 70 : 80, ship_lat,
                                               ship_lon, c.start_time_s);
    scene.fleet()[index].legs = {idle_leg(0, Mode::anchored, 0, 1)};
    mmsis.push_back(scene.fleet()[index].mmsi);
  }
  add_truth(scene, "CONFOUNDER", "roadstead_anchorage", std::move(mmsis), c.start_time_s,
            c.start_time_s + c.duration_s, lat, lon);
}

// A point on a watch-zone boundary, reached from a random point of the area by walking a
// random course in 100 m steps through at least `clear_m` of unchanging watch zones (so that a
// ship coming that way crosses nothing else first), found to within a metre. Returns false when
// 200 tries found none inside the area.
struct BoundaryPoint {
  double lat = 0, lon = 0;  // on the near side, within a metre of the boundary
  double course = 0;        // walking this way crosses the boundary
};

bool find_boundary(Scene& scene, double clear_m, BoundaryPoint& out) {
  const TrafficConfig& c = scene.config();
  if (!c.watch_zones_at) return false;
  auto inside_area = [&](double lat, double lon) {
    return lat > c.min_lat && lat < c.max_lat && lon > c.min_lon && lon < c.max_lon;
  };
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto [lat, lon] = scene.point_inside(0.05);
    const double course = scene.random().uniform(0, 360);
    const uint64_t start_zones = c.watch_zones_at(lat, lon);
    for (int k = 0; k < 300; ++k) {
      double next_lat = lat, next_lon = lon;
      step(next_lat, next_lon, course, 100);
      if (!inside_area(next_lat, next_lon)) break;
      if (c.watch_zones_at(next_lat, next_lon) != start_zones) {
        if (k * 100.0 < clear_m) break;
        double low = 0, high = 100;  // metres from (lat, lon): low on the near side, high across
        while (high - low > 1) {
          const double mid = (low + high) / 2;
          double mid_lat = lat, mid_lon = lon;
          step(mid_lat, mid_lon, course, mid);
          (c.watch_zones_at(mid_lat, mid_lon) == start_zones ? low : high) = mid;
        }
        step(lat, lon, course, low);
        out = {lat, lon, course};
        return true;
      }
      lat = next_lat;
      lon = next_lon;
    }
  }
  return false;
}

// A ship sails straight across a watch-zone boundary at 9-12 knots, from 3 nm before it. Its
// truth is that of every crossing (the watch zones at each transmission).
void plant_zone_crossing(Scene& scene) {
  BoundaryPoint boundary;
  if (!find_boundary(scene, 3 * 1852.0, boundary)) return;
  const int64_t start_s = fit(scene, 0, 3'600);
  if (start_s < 0) return;
  double lat = boundary.lat, lon = boundary.lon;
  step(lat, lon, wrap_degrees(boundary.course + 180), 3 * 1852.0);
  const std::size_t index = scene.add_vessel(Kind::class_a, 70, lat, lon, start_s);
  scene.fleet()[index].legs = {transit_leg(0, scene.random().uniform(9, 12), boundary.course)};
}

// A ship comes to anchor 20 m short of a watch-zone boundary for 3 hours (under loitering's 4),
// its GPS fix scattering 60 m around the anchor position and so across the boundary, then
// leaves the way it came. It never crosses: a geofence alert on it is GPS jitter taken for a
// crossing.
void plant_boundary_anchorage(Scene& scene) {
  BoundaryPoint boundary;
  if (!find_boundary(scene, 3 * 1852.0, boundary)) return;
  const int64_t approach_s = 1'800, anchored_s = 3 * 3'600;
  const int64_t anchor_s = fit(scene, approach_s, anchored_s + 1'800);
  if (anchor_s < 0) return;
  const double back = wrap_degrees(boundary.course + 180);
  double anchor_lat = boundary.lat, anchor_lon = boundary.lon;
  step(anchor_lat, anchor_lon, back, 20);
  double lat = anchor_lat, lon = anchor_lon;
  step(lat, lon, back, 3 * 1852.0);
  const std::size_t index = scene.add_vessel(Kind::class_a, 80, lat, lon, anchor_s - approach_s);
  Vessel& v = scene.fleet()[index];
  v.gps_jitter_m = 60;
  v.legs = {go_to_leg(anchor_s, 8, anchor_lat, anchor_lon), idle_leg(anchor_s + anchored_s, Mode::anchored, 0, 1),
            transit_leg(0, 10, back)};
  add_truth(scene, "CONFOUNDER", "anchored_on_zone_boundary", {v.mmsi}, anchor_s,
            anchor_s + anchored_s, anchor_lat, anchor_lon);
}

// A Class A ship of `shiptype` appearing at `appears_s` at a random point 0.2 degrees inside the
// area, under way at 8-12 knots on a random course for the rest of the run.
Vessel& add_ship_under_way(Scene& scene, uint8_t shiptype, int64_t appears_s) {
  const auto [lat, lon] = scene.point_inside(0.2);
  const std::size_t index = scene.add_vessel(Kind::class_a, shiptype, lat, lon, appears_s);
  Vessel& v = scene.fleet()[index];
  v.legs = {transit_leg(0, scene.random().uniform(8, 12), scene.random().uniform(0, 360))};
  return v;
}

// Deception plants (issue 4).

// A tanker idles at sea for 5-6 hours. Another, 30-35 km away, heads for it, switches its
// transponder off about an hour out, lies alongside for 3-4 hours, leaves and switches back on an
// hour later, 2-3 m deeper in the water.
void plant_dark_sts(Scene& scene) {
  const auto stay_s = static_cast<int64_t>(scene.random().uniform(3 * 3'600, 4 * 3'600));
  const int64_t approach_s = 2 * 3'600, idle_lead_s = 1'800;
  const int64_t meet_s = fit(scene, approach_s, stay_s + 2 * 3'600);
  if (meet_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.3);
  double waiting_lat = lat, waiting_lon = lon;
  step(waiting_lat, waiting_lon, scene.random().uniform(0, 360), 3 * 1852.0);
  const std::size_t waiting =
      scene.add_vessel(Kind::class_a, 80, waiting_lat, waiting_lon, meet_s - approach_s);
  const int64_t leaves_s = meet_s + stay_s + 600;
  scene.fleet()[waiting].legs = {go_to_leg(meet_s - idle_lead_s, 8, lat, lon),
                                 idle_leg(leaves_s, Mode::drift, 0.4, 0),
                                 transit_leg(0, 10, scene.random().uniform(0, 360))};
  double dark_lat = lat, dark_lon = lon;
  step(dark_lat, dark_lon, scene.random().uniform(0, 360), scene.random().uniform(30e3, 35e3));
  const std::size_t dark =
      scene.add_vessel(Kind::class_a, 80, dark_lat, dark_lon, meet_s - approach_s);
  Vessel& d = scene.fleet()[dark];
  const int64_t off_s = meet_s - 3'600, on_s = meet_s + stay_s + 3'600;
  Leg approach_off = go_to_leg(meet_s, 10, lat + 80 / metres_per_degree, lon);
  approach_off.transponder_off = true;
  Leg alongside = follow_leg(meet_s + stay_s, waiting, 80, 20, 0);
  alongside.transponder_off = true;
  const double away = scene.random().uniform(0, 360);
  Leg leaving = transit_leg(on_s, 10, away);
  leaving.transponder_off = true;
  d.legs = {go_to_leg(off_s, 10, lat, lon), approach_off, alongside, leaving,
            transit_leg(0, 10, away)};
  d.draught_changed_at_s = meet_s + stay_s;
  d.new_draught = d.draught + std::round(scene.random().uniform(2.0, 3.0) * 10) / 10;
  scene.dark_plants().emplace_back(scene.truth().size(), dark);
  add_truth(scene, "DARK_RENDEZVOUS", "dark_sts", {d.mmsi, scene.fleet()[waiting].mmsi}, off_s,
            on_s, lat, lon);
  // Reported with the first static data after it reappears (every 6 minutes).
  add_truth(scene, "DRAUGHT_CHANGE", "laden_after_dark_sts", {d.mmsi}, on_s, on_s + 900, lat, lon);
}

// Two tankers approach a meeting point from 10 nm; each switches off 3-6 km out, minutes apart;
// they lie alongside for 3-5 hours, part, and switch on an hour later.
void plant_both_dark_meeting(Scene& scene) {
  const auto stay_s = static_cast<int64_t>(scene.random().uniform(3 * 3'600, 5 * 3'600));
  const int64_t approach_s = 3'600;
  const int64_t meet_s = fit(scene, approach_s, stay_s + 2 * 3'600);
  if (meet_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.25);
  std::array<std::size_t, 2> pair{};
  int64_t first_off_s = INT64_MAX;
  for (std::size_t k = 0; k < 2; ++k) {
    double start_lat = lat, start_lon = lon;
    step(start_lat, start_lon, scene.random().uniform(0, 360), 10 * 1852.0);
    pair[k] = scene.add_vessel(Kind::class_a, 80 + static_cast<uint8_t>(k), start_lat, start_lon,
                               meet_s - approach_s);
    // At 10 kn a ship covers 3-6 km in 10-20 minutes.
    const auto off_s = meet_s - static_cast<int64_t>(scene.random().uniform(600, 1'200));
    first_off_s = std::min(first_off_s, off_s);
    Vessel& v = scene.fleet()[pair[k]];
    const double target_lat = lat + (k == 0 ? 0.0 : 80 / metres_per_degree);
    const double away = scene.random().uniform(0, 360);
    Leg approach_off = go_to_leg(meet_s, 10, target_lat, lon);
    approach_off.transponder_off = true;
    Leg idle = k == 0 ? idle_leg(meet_s + stay_s, Mode::drift, 0.4, 0)
                      : follow_leg(meet_s + stay_s, pair[0], 80, 20, 0);
    idle.transponder_off = true;
    Leg leaving = transit_leg(meet_s + stay_s + 3'600, 10, away);
    leaving.transponder_off = true;
    v.legs = {go_to_leg(off_s, 10, target_lat, lon), approach_off, idle, leaving,
              transit_leg(0, 10, away)};
  }
  add_truth(scene, "DARK_RENDEZVOUS", "both_dark",
            {scene.fleet()[pair[0]].mmsi, scene.fleet()[pair[1]].mmsi}, first_off_s,
            meet_s + stay_s + 3'600, lat, lon);
}

// A tanker among the traffic of the area drifts with its transponder off for 14-16 hours.
void plant_deliberate_silence(Scene& scene) {
  const auto dark_s = static_cast<int64_t>(scene.random().uniform(14 * 3'600, 16 * 3'600));
  const int64_t off_s = fit(scene, 1'800, dark_s + 1'800);
  if (off_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.4);
  const std::size_t index = scene.add_vessel(Kind::class_a, 80, lat, lon, off_s - 1'800);
  Leg dark = idle_leg(off_s + dark_s, Mode::drift, 0.5, 0);
  dark.transponder_off = true;
  const double course = scene.random().uniform(0, 360);
  scene.fleet()[index].legs = {transit_leg(off_s, 6, course), dark, transit_leg(0, 9, course)};
  scene.dark_plants().emplace_back(scene.truth().size(), index);
  add_truth(scene, "DARK_PERIOD", "deliberate_silence", {scene.fleet()[index].mmsi}, off_s,
            off_s + dark_s, lat, lon);
}

// A ship under way whose reports, for 2-3 hours, put it 200-400 km from where it is.
void plant_position_offset(Scene& scene) {
  const auto length_s = static_cast<int64_t>(scene.random().uniform(2 * 3'600, 3 * 3'600));
  const int64_t from_s = fit(scene, 1'800, length_s + 1'800);
  if (from_s < 0) return;
  Vessel& v = add_ship_under_way(scene, 80, from_s - 1'800);
  const double bearing = scene.random().uniform(0, 360) * pi / 180;
  const double offset_m = scene.random().uniform(200e3, 400e3);
  v.offset_from_s = from_s;
  v.offset_until_s = from_s + length_s;
  v.offset_north_m = offset_m * std::cos(bearing);
  v.offset_east_m = offset_m * std::sin(bearing);
  add_truth(scene, "SPOOFING", "position_offset", {v.mmsi}, from_s, from_s + length_s, v.lat,
            v.lon);
}

// Two ships 40-100 km apart, both transmitting the MMSI of the first for the rest of the run.
void plant_shared_mmsi(Scene& scene) {
  const int64_t from_s = fit(scene, 0, 3 * 3'600);
  if (from_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.2);
  const std::size_t first = scene.add_vessel(Kind::class_a, 70, lat, lon, from_s);
  double other_lat = lat, other_lon = lon;
  step(other_lat, other_lon, scene.random().uniform(0, 360), scene.random().uniform(40e3, 100e3));
  const std::size_t second = scene.add_vessel(Kind::class_a, 80, other_lat, other_lon, from_s);
  for (std::size_t index : {first, second})
    scene.fleet()[index].legs = {
        transit_leg(0, scene.random().uniform(7, 12), scene.random().uniform(0, 360))};
  scene.fleet()[second].mmsi = scene.fleet()[first].mmsi;
  const int64_t end_s = scene.config().start_time_s + scene.config().duration_s;
  add_truth(scene, "SPOOFING", "shared_mmsi", {scene.fleet()[first].mmsi}, from_s, end_s, lat, lon);
}

// A tanker under way starts transmitting another name.
void plant_renamed_tanker(Scene& scene) {
  const int64_t renamed_s = fit(scene, 1'800, 1'800);
  if (renamed_s < 0) return;
  Vessel& v = add_ship_under_way(scene, 80, renamed_s - 1'800);
  v.renamed_at_s = renamed_s;
  v.new_name.append("NEW ").append(v.name);
  // Static data goes out every 6 minutes: the new name is heard within about 10.
  add_truth(scene, "IDENTITY_CHANGE", "renamed", {v.mmsi}, renamed_s, renamed_s + 900, v.lat,
            v.lon);
}

// A Sierra Leone MMSI whose call sign is North Korean and whose IMO check digit is wrong.
void plant_flag_mismatch(Scene& scene) {
  const int64_t from_s = fit(scene, 0, 1'800);
  if (from_s < 0) return;
  Vessel& v = add_ship_under_way(scene, 80, from_s);
  // 667 9xxxxx: no other simulated vessel has it (theirs are MID 1xxxxx).
  v.mmsi = 667'900'000u + v.mmsi % 100'000u;  // its index, below 100,000
  v.callsign = std::string(Scene::callsign_prefix(445)) + v.callsign.substr(2);
  v.imo = v.imo / 10 * 10 + (v.imo % 10 + 1) % 10;  // a wrong check digit
  add_truth(scene, "IDENTITY_CHANGE", "flag_mismatch", {v.mmsi}, from_s, from_s + 900, v.lat,
            v.lon);
}

// A tanker under way at sea reports 2-4 m more draught.
void plant_draught_change(Scene& scene) {
  const int64_t changed_s = fit(scene, 1'800, 1'800);
  if (changed_s < 0) return;
  Vessel& v = add_ship_under_way(scene, 80, changed_s - 1'800);
  v.draught_changed_at_s = changed_s;
  v.new_draught = v.draught + std::round(scene.random().uniform(2.0, 4.0) * 10) / 10;
  add_truth(scene, "DRAUGHT_CHANGE", "at_sea", {v.mmsi}, changed_s, changed_s + 900, v.lat, v.lon);
}

// A ship under way whose GPS puts one report 20-80 km off.
void plant_gps_glitch(Scene& scene) {
  const int64_t glitch_s = fit(scene, 1'800, 1'800);
  if (glitch_s < 0) return;
  Vessel& v = add_ship_under_way(scene, 70, glitch_s - 1'800);
  const double bearing = scene.random().uniform(0, 360) * pi / 180;
  const double off_m = scene.random().uniform(20e3, 80e3);
  v.glitch_at_s = glitch_s;
  v.glitch_north_m = off_m * std::cos(bearing);
  v.glitch_east_m = off_m * std::sin(bearing);
  add_truth(scene, "CONFOUNDER", "gps_glitch", {v.mmsi}, glitch_s, glitch_s + 60, v.lat, v.lon);
}

// Nothing is received in a 0.4 x 0.4 degree box for 14-16 hours (a receiver down). Four trawlers
// working 5-10 km apart in it, at 3 knots, go quiet together.
void plant_coverage_hole(Scene& scene) {
  const auto length_s = static_cast<int64_t>(scene.random().uniform(14 * 3'600, 16 * 3'600));
  const int64_t from_s = fit(scene, 3'600, length_s + 1'800);
  if (from_s < 0) return;
  const auto [lat, lon] = scene.point_inside(0.35);
  scene.coverage_holes().push_back(
      {from_s, from_s + length_s, lat - 0.2, lat + 0.2, lon - 0.2, lon + 0.2});
  std::vector<uint32_t> mmsis;
  for (unsigned k = 0; k < 4; ++k) {
    double boat_lat = lat, boat_lon = lon;
    step(boat_lat, boat_lon, 90.0 * k + scene.random().uniform(0, 60),
         scene.random().uniform(2.5e3, 5e3));
    const std::size_t index =
        scene.add_vessel(Kind::class_a, 30, boat_lat, boat_lon, from_s - 3'600);
    scene.fleet()[index].legs = {idle_leg(0, Mode::drift, 2.9, 7)};
    mmsis.push_back(scene.fleet()[index].mmsi);
  }
  add_truth(scene, "CONFOUNDER", "coverage_hole", std::move(mmsis), from_s, from_s + length_s, lat,
            lon);
}

// A ship moored in a port changes its draught by 3 m (loading alongside).
void plant_port_draught_change(Scene& scene) {
  const TrafficConfig& c = scene.config();
  if (c.port_points.empty()) return;
  const int64_t changed_s = fit(scene, 1'800, 1'800);
  if (changed_s < 0) return;
  const auto [lat, lon] =
      c.port_points[scene.random().below(static_cast<unsigned>(c.port_points.size()))];
  const std::size_t index = scene.add_vessel(Kind::class_a, 80, lat, lon, changed_s - 1'800);
  Vessel& v = scene.fleet()[index];
  v.legs = {idle_leg(0, Mode::anchored, 0, 5)};
  v.draught_changed_at_s = changed_s;
  v.new_draught = v.draught + 3.0;
  add_truth(scene, "CONFOUNDER", "draught_change_in_port", {v.mmsi}, changed_s, changed_s + 900,
            lat, lon);
}

// A ship's reported positions put deep inland for 1-2 hours, the pattern of spoofed GNSS seen
// on AIS: tracks circling a point on land (MIT Technology Review, 2019, of ships near Shanghai),
// or frozen at an inland airport (C4ADS, "Above Us Only Stars", 2019). Variant 0 reports circles
// 1-3 km across from its first report, then its true position; variant 1 sails 30 minutes at sea,
// then reports one point on land.
void plant_land_positions(Scene& scene, unsigned variant) {
  const TrafficConfig& c = scene.config();
  if (c.land_points.empty()) return;
  const auto length_s = static_cast<int64_t>(scene.random().uniform(3'600, 2 * 3'600));
  const bool frozen = variant % 2 == 1;
  const int64_t lead_s = frozen ? 1'800 : 0;
  const int64_t from_s = fit(scene, lead_s, length_s + 1'800);
  if (from_s < 0) return;
  const auto [lat, lon] =
      c.land_points[scene.random().below(static_cast<unsigned>(c.land_points.size()))];
  Vessel& v = add_ship_under_way(scene, 80, from_s - lead_s);
  v.land_from_s = from_s;
  v.land_until_s = from_s + length_s;
  v.land_lat = lat;
  v.land_lon = lon;
  v.land_radius_m = frozen ? 0.0 : scene.random().uniform(500, 1'500);
  add_truth(scene, "SPOOFING", frozen ? "frozen_on_land" : "circling_on_land", {v.mmsi}, from_s,
            from_s + length_s, lat, lon);
}

// Routes close along a coast and up a river to a port, as (lat, lon) waypoints at sea or on the
// river (positions from public knowledge of the coasts and rivers). The shipped land zones
// leave 20 km or more to every coast and to these rivers.
constexpr std::array<std::pair<double, double>, 21> taedong_route = {{
    {38.05, 124.80},   {38.10, 124.70},   {38.18, 124.68},   {38.25, 124.75},   {38.35, 124.85},
    {38.45, 124.88},   {38.55, 124.95},   {38.62, 125.05},   {38.69, 125.18},   {38.715, 125.30},
    {38.73, 125.40},   {38.72, 125.50},   {38.747, 125.58},  {38.797, 125.573}, {38.813, 125.535},
    {38.847, 125.521}, {38.884, 125.588}, {38.931, 125.601}, {38.978, 125.652}, {38.985, 125.73},
    {39.00, 125.747},  // Pyongyang
}};
constexpr std::array<std::pair<double, double>, 5> yalu_route = {{
    {39.60, 124.00},
    {39.75, 124.15},
    {39.95, 124.35},
    {40.05, 124.36},
    {40.093, 124.372},  // Dandong and Sinuiju
}};

// A ship with a poor GPS (its fix scattering 150 m) follows a coastal route to a river port and
// back at 8-10 knots: coastwise trade as it is, which must never look like positions on land.
void plant_coastal_traffic(Scene& scene, unsigned variant) {
  const std::span<const std::pair<double, double>> route =
      variant % 2 == 0 ? std::span<const std::pair<double, double>>(taedong_route)
                       : std::span<const std::pair<double, double>>(yalu_route);
  const double knots = scene.random().uniform(8, 10);
  double length_m = 0;
  for (std::size_t k = 1; k < route.size(); ++k)
    length_m +=
        distance_m(route[k - 1].first, route[k - 1].second, route[k].first, route[k].second);
  // There and back, a few minutes' margin at each waypoint (go_to idles once there).
  const auto leg_s = [&](std::size_t from, std::size_t to) {
    return static_cast<int64_t>(distance_m(route[from].first, route[from].second, route[to].first,
                                           route[to].second) /
                                (knots * 1852.0 / 3600.0)) +
           60;
  };
  const auto round_trip_s = static_cast<int64_t>(2 * length_m / (knots * 1852.0 / 3600.0)) +
                            120 * static_cast<int64_t>(route.size());
  const int64_t start_s = fit(scene, 0, round_trip_s);
  if (start_s < 0) return;
  const std::size_t index =
      scene.add_vessel(Kind::class_a, 70, route[0].first, route[0].second, start_s);
  Vessel& v = scene.fleet()[index];
  v.gps_jitter_m = 150;
  int64_t t = start_s;
  for (std::size_t k = 1; k < route.size(); ++k) {
    t += leg_s(k - 1, k);
    v.legs.push_back(go_to_leg(t, knots, route[k].first, route[k].second));
  }
  for (std::size_t k = route.size() - 1; k-- > 0;) {
    t += leg_s(k + 1, k);
    v.legs.push_back(go_to_leg(t, knots, route[k].first, route[k].second));
  }
  // Then back into the area, where transit legs turn at its edges.
  const std::pair<double, double> sea =
      variant % 2 == 0 ? std::pair{38.25, 124.40} : std::pair{39.30, 124.10};
  const double out_m = distance_m(route[0].first, route[0].second, sea.first, sea.second);
  v.legs.push_back(go_to_leg(t + static_cast<int64_t>(out_m / (knots * 1852.0 / 3600.0)) + 60,
                             knots, sea.first, sea.second));
  v.legs.push_back(transit_leg(0, knots, 200));
  add_truth(scene, "CONFOUNDER", "coastal_and_river_port", {v.mmsi}, start_s, t, route.back().first,
            route.back().second);
}

double on_grid(double value, double divisor) { return std::round(value * divisor) / divisor; }

// What the transponder reports: the true state plus GPS noise of a few metres, moved
// (north_m, east_m) when it lies.
ais::Message position_message(const Vessel& v, int64_t now_s, Random& random, double north_m,
                              double east_m) {
  double lat = v.lat, lon = v.lon;
  if (v.land_from_s >= 0 && now_s >= v.land_from_s && now_s < v.land_until_s) {
    const double angle = 2 * pi * static_cast<double>((now_s - v.land_from_s) % 1'200) / 1'200;
    lat = v.land_lat;
    lon = v.land_lon;
    step(lat, lon, angle * 180 / pi, v.land_radius_m);
  }
  step(lat, lon, random.uniform(0, 360), random.uniform(0, v.gps_jitter_m));
  if (north_m != 0 || east_m != 0) {
    lat += north_m / metres_per_degree;
    lon += east_m / (metres_per_degree * std::cos(lat * pi / 180));
  }
  const double course = on_grid(wrap_degrees(v.course), 10);
  const std::optional<double> speed =
      v.reports_speed ? std::optional<double>(on_grid(std::min(v.speed, 102.2), 10)) : std::nullopt;
  const std::optional<unsigned> heading =
      v.reports_heading ? std::optional<unsigned>(static_cast<unsigned>(std::lround(v.course)) % 360)
                        : std::nullopt;
  if (v.kind == Kind::class_b) {
    ais::ClassBPositionReport m;
    m.header.type = 18;
    m.header.mmsi = v.mmsi;
    m.speed = speed;
    m.lon = on_grid(lon, 600'000);
    m.lat = on_grid(lat, 600'000);
    m.course = course >= 360.0 ? 0.0 : course;
    m.heading = heading;
    m.second = static_cast<uint8_t>(now_s % 60);
    m.cs = true;
    m.radio = 393222;  // ITDMA, as Class B "CS" units send
    return m;
  }
  ais::PositionReport m;
  m.header.type = random.below(5) == 0 ? 3 : 1;
  m.header.mmsi = v.mmsi;
  m.status = v.status;
  m.turn = static_cast<int8_t>(v.speed < 0.5 ? 0 : static_cast<int>(random.below(21)) - 10);
  m.speed = speed;
  m.accuracy = true;
  m.lon = on_grid(lon, 600'000);
  m.lat = on_grid(lat, 600'000);
  m.course = course >= 360.0 ? 0.0 : course;
  m.heading = heading;
  m.second = static_cast<uint8_t>(now_s % 60);
  m.radio = static_cast<uint32_t>(random.below(1u << 19));
  return m;
}

// Reporting intervals of ITU-R M.1371-5 Annex 1, Table 1: Class A at anchor or moored 3 min,
// 0-14 kn 10 s, 14-23 kn 6 s, over 23 kn 2 s; Class B "CS" 30 s above 2 kn, 3 min below.
int64_t reporting_interval_s(const Vessel& v) {
  if (v.kind == Kind::class_b) return v.speed > 2 ? 30 : 180;
  if ((v.status == 1 || v.status == 5) && v.speed < 3) return 180;
  if (v.speed > 23) return 2;
  if (v.speed > 14) return 6;
  return 10;
}

std::vector<ais::Message> static_messages(const Vessel& v, int64_t now_s) {
  std::vector<ais::Message> out;
  const bool renamed = v.renamed_at_s >= 0 && now_s >= v.renamed_at_s;
  const std::string& name = renamed ? v.new_name : v.name;
  const auto to_bow = static_cast<uint16_t>(v.length * 2 / 3);
  const auto to_port = static_cast<uint8_t>(v.beam / 2);
  if (v.kind == Kind::class_a) {
    ais::StaticVoyageData m;
    m.header.type = 5;
    m.header.mmsi = v.mmsi;
    m.imo = v.imo;
    set_text(m.callsign, v.callsign);
    set_text(m.shipname, name);
    m.shiptype = v.shiptype;
    m.to_bow = to_bow;
    m.to_stern = static_cast<uint16_t>(v.length - to_bow);
    m.to_port = to_port;
    m.to_starboard = static_cast<uint8_t>(v.beam - to_port);
    m.epfd = 1;
    m.month = 1;
    m.day = 3;
    m.hour = 12;
    m.minute = 0;
    m.draught =
        v.draught_changed_at_s >= 0 && now_s >= v.draught_changed_at_s ? v.new_draught : v.draught;
    set_text(m.destination, v.destination);
    m.dte = false;
    out.emplace_back(m);
    return out;
  }
  ais::StaticDataReport a;
  a.header.type = 24;
  a.header.mmsi = v.mmsi;
  a.partno = 0;
  set_text(a.shipname, name);
  out.emplace_back(a);
  ais::StaticDataReport b;
  b.header.type = 24;
  b.header.mmsi = v.mmsi;
  b.partno = 1;
  b.shiptype = v.shiptype;
  set_text(b.vendorid, "SIM");
  b.model = 1;
  b.serial = v.mmsi % 1'000'000;
  set_text(b.callsign, v.callsign);
  b.to_bow = to_bow;
  b.to_stern = static_cast<uint16_t>(v.length - to_bow);
  b.to_port = to_port;
  b.to_starboard = static_cast<uint8_t>(v.beam - to_port);
  out.emplace_back(b);
  return out;
}

struct Civil {
  int year, month, day;
};

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
Civil civil_from_days(int64_t days) {
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {static_cast<int>(year), static_cast<int>(month), static_cast<int>(day)};
}

ais::Message base_station_message(int64_t now_s) {
  ais::BaseStationReport m;
  m.header.type = 4;
  m.header.mmsi = 4'450'001;  // a coast station of MID 445: 00 + MID + 4 digits
  const Civil civil = civil_from_days(now_s / 86'400);
  const int64_t seconds_of_day = now_s % 86'400;
  m.year = static_cast<unsigned>(civil.year);
  m.month = static_cast<unsigned>(civil.month);
  m.day = static_cast<unsigned>(civil.day);
  m.hour = static_cast<unsigned>(seconds_of_day / 3'600);
  m.minute = static_cast<unsigned>(seconds_of_day / 60 % 60);
  m.second = static_cast<unsigned>(seconds_of_day % 60);
  m.accuracy = true;
  m.lon = on_grid(125.3, 600'000);
  m.lat = on_grid(38.73, 600'000);
  m.epfd = 7;  // surveyed
  return m;
}

// Lines waiting for their arrival time: a merged network feed delivers them out of event order.
struct Arrival {
  int64_t arrival_ms;
  uint64_t sequence;
  std::string line;
  bool operator>(const Arrival& other) const {
    return arrival_ms != other.arrival_ms ? arrival_ms > other.arrival_ms
                                          : sequence > other.sequence;
  }
};

}  // namespace

TrafficSummary simulate_traffic(const TrafficConfig& config,
                                const std::function<void(std::string_view line)>& on_line) {
  Scene scene(config);
  for (unsigned i = 0; i < config.vessels; ++i) {
    const bool class_b = scene.random().below(5) == 0;
    static constexpr std::array<uint8_t, 4> types = {80, 81, 70, 70};  // tankers and cargo
    const uint8_t shiptype = class_b ? 37 : types[scene.random().below(types.size())];
    const auto [lat, lon] = scene.point_inside(0.0);
    const std::size_t index =
        scene.add_vessel(class_b ? Kind::class_b : Kind::class_a, shiptype, lat, lon, config.start_time_s);
    scene.fleet()[index].legs = {transit_leg(0, scene.random().uniform(6, 16),
                                             scene.random().uniform(0, 360))};
  }
  // Holes first: later plants keep clear of them (Scene::point_inside).
  for (unsigned k = 0; k < config.coverage_holes; ++k) plant_coverage_hole(scene);
  for (unsigned k = 0; k < config.rendezvous; ++k) plant_rendezvous(scene, k);
  for (unsigned k = 0; k < config.dark_periods; ++k) plant_dark_period(scene);
  for (unsigned k = 0; k < config.loiterings; ++k) plant_loitering(scene);
  for (unsigned k = 0; k < config.fishing_fleets; ++k) plant_fishing_fleet(scene);
  for (unsigned k = 0; k < config.tug_assists; ++k) plant_tug_assist(scene);
  for (unsigned k = 0; k < config.pair_trawlers; ++k) plant_pair_trawlers(scene);
  for (unsigned k = 0; k < config.roadsteads; ++k) plant_roadstead(scene);
  for (unsigned k = 0; k < config.zone_crossings; ++k) plant_zone_crossing(scene);
  for (unsigned k = 0; k < config.boundary_anchorages; ++k) plant_boundary_anchorage(scene);
  for (unsigned k = 0; k < config.dark_sts; ++k) plant_dark_sts(scene);
  for (unsigned k = 0; k < config.both_dark_meetings; ++k) plant_both_dark_meeting(scene);
  for (unsigned k = 0; k < config.deliberate_silences; ++k) plant_deliberate_silence(scene);
  for (unsigned k = 0; k < config.position_offsets; ++k) plant_position_offset(scene);
  for (unsigned k = 0; k < config.shared_mmsis; ++k) plant_shared_mmsi(scene);
  for (unsigned k = 0; k < config.renamed_tankers; ++k) plant_renamed_tanker(scene);
  for (unsigned k = 0; k < config.flag_mismatches; ++k) plant_flag_mismatch(scene);
  for (unsigned k = 0; k < config.draught_changes; ++k) plant_draught_change(scene);
  for (unsigned k = 0; k < config.gps_glitches; ++k) plant_gps_glitch(scene);
  for (unsigned k = 0; k < config.port_draught_changes; ++k) plant_port_draught_change(scene);
  for (unsigned k = 0; k < config.land_positions; ++k) plant_land_positions(scene, k);
  for (unsigned k = 0; k < config.coastal_traffic; ++k) plant_coastal_traffic(scene, k);

  TrafficSummary summary;
  summary.vessels = static_cast<unsigned>(scene.fleet().size());
  Random& random = scene.random();
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals;
  uint64_t sequence = 0;
  unsigned sequential_id = 0;
  char channel = 'A';
  // Each vessel's last position report and its longest silence, for the dark periods' truth.
  std::vector<int64_t> last_transmission(scene.fleet().size(), -1);
  std::vector<std::pair<int64_t, int64_t>> longest_silence(scene.fleet().size(), {0, 0});
  // Geofence truth, judged on the true position at each transmission the way the detector is
  // asked to judge received reports: a crossing (timed at the first transmission on the new
  // side) counts once the ship has been geofence_hysteresis_m across and geofence_hysteresis_s
  // has passed, without a transmission back on the old side in between.
  struct ZoneTruth {
    bool known = false;   // the first transmission set `side`
    uint64_t side = 0;    // confirmed watch zones (bit i: watch_zone_ids[i])
    uint64_t deep = 0;    // zones whose pending crossing went hysteresis_m deep
    std::array<int64_t, 64> crossed_s{};  // pending crossing's first transmission, per zone
    uint64_t pending = 0;
  };
  std::vector<ZoneTruth> zone_truth(config.watch_zones_at ? scene.fleet().size() : 0);
  const std::size_t zone_bits = std::min<std::size_t>(config.watch_zone_ids.size(), 64);
  auto record_crossings = [&](std::size_t index, int64_t now_s) {
    const Vessel& v = scene.fleet()[index];
    ZoneTruth& z = zone_truth[index];
    const uint64_t zones = config.watch_zones_at(v.lat, v.lon);
    if (!z.known) {
      z.known = true;
      z.side = zones;
      return;
    }
    for (std::size_t bit = 0; bit < zone_bits; ++bit) {
      const uint64_t mask = uint64_t{1} << bit;
      if ((zones & mask) == (z.side & mask)) {
        z.pending &= ~mask;
        continue;
      }
      if ((z.pending & mask) == 0) {
        z.pending |= mask;
        z.deep &= ~mask;
        z.crossed_s[bit] = now_s;
      }
      if (!config.watch_zone_distance_m ||
          config.watch_zone_distance_m(bit, v.lat, v.lon) >= config.geofence_hysteresis_m)
        z.deep |= mask;
      if ((z.deep & mask) == 0 || now_s - z.crossed_s[bit] < config.geofence_hysteresis_s) continue;
      z.pending &= ~mask;
      z.side ^= mask;
      add_truth(scene, (zones & mask) != 0 ? "GEOFENCE_ENTRY" : "GEOFENCE_EXIT", "crossing",
                {v.mmsi}, z.crossed_s[bit], z.crossed_s[bit], v.lat, v.lon);
      scene.truth().back().zone_id = config.watch_zone_ids[bit];
    }
  };

  auto emit_until = [&](int64_t before_ms) {
    while (!arrivals.empty() && arrivals.top().arrival_ms < before_ms) {
      on_line(arrivals.top().line);
      ++summary.lines;
      arrivals.pop();
    }
  };
  // `receivable`: false inside a coverage hole (transmitted, heard by no station).
  auto transmit = [&](const ais::Message& message, int64_t now_s, bool receivable) {
    ++summary.messages;
    if (!receivable) return;
    const ais::EncodedPayload payload = ais::encode(message);
    bool heard = false;
    const char this_channel = channel;
    channel = channel == 'A' ? 'B' : 'A';
    const unsigned this_id = sequential_id;
    for (unsigned station = 0; station < config.stations; ++station) {
      if (random.uniform(0, 1) >= config.reception_probability) continue;
      const std::string source = "rx" + std::to_string(station + 1);
      ais::SentenceOptions options;
      options.channel = this_channel;
      options.sequential_id = this_id;
      options.tag_block_time_s = now_s;
      options.tag_block_source = source;
      std::vector<std::string> sentences = ais::to_sentences(payload, options);
      if (heard) ++summary.duplicates;
      heard = true;
      const int64_t arrival_ms =
          now_s * 1000 + static_cast<int64_t>(random.uniform(0, static_cast<double>(config.max_arrival_delay_ms)));
      for (auto& line : sentences) {
        if (config.malformed_probability > 0 && random.uniform(0, 1) < config.malformed_probability) {
          // Corruption in transit: one payload character changed, so the checksum fails.
          const std::size_t at = line.rfind(',', line.rfind(',') - 1) + 1 + random.below(5);
          line[at] = line[at] == 'A' ? 'B' : 'A';
          ++summary.malformed;
        }
        arrivals.push({arrival_ms, sequence++, std::move(line)});
      }
    }
    if (heard) ++summary.received;
    if (payload.armored.size() > 60) sequential_id = (sequential_id + 1) % 10;
  };

  // Vessels in order of their next transmission.
  using Due = std::pair<int64_t, std::size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  for (std::size_t i = 0; i < scene.fleet().size(); ++i) {
    const Vessel& v = scene.fleet()[i];
    due.push({std::min(v.next_position_s, v.next_static_s), i});
  }
  const int64_t end_s = config.start_time_s + config.duration_s;
  int64_t next_base_station_s = config.start_time_s;
  while (!due.empty() && due.top().first < end_s) {
    const auto [now_s, index] = due.top();
    due.pop();
    while (next_base_station_s <= now_s) {
      emit_until(next_base_station_s * 1000);
      transmit(base_station_message(next_base_station_s), next_base_station_s, true);
      next_base_station_s += 10;
    }
    emit_until(now_s * 1000);
    scene.advance(index, now_s);
    Vessel& v = scene.fleet()[index];
    const bool silent = scene.leg_of(v).mode == Mode::silent || scene.leg_of(v).transponder_off;
    const bool heard = scene.receivable(v.lat, v.lon, now_s);
    if (now_s >= v.next_position_s) {
      if (!silent) {
        double north_m = 0, east_m = 0;
        if (v.offset_from_s >= 0 && now_s >= v.offset_from_s && now_s < v.offset_until_s) {
          north_m = v.offset_north_m;
          east_m = v.offset_east_m;
        } else if (v.glitch_at_s >= 0 && now_s >= v.glitch_at_s) {
          north_m = v.glitch_north_m;
          east_m = v.glitch_east_m;
          v.glitch_at_s = -1;
        }
        transmit(position_message(v, now_s, random, north_m, east_m), now_s, heard);
        if (config.watch_zones_at) record_crossings(index, now_s);
        auto& longest = longest_silence[index];
        const int64_t last = last_transmission[index];
        if (last >= 0 && now_s - last > longest.second - longest.first) longest = {last, now_s};
        last_transmission[index] = now_s;
      }
      v.next_position_s = now_s + reporting_interval_s(v);
    }
    if (now_s >= v.next_static_s) {
      if (!silent) {
        for (const auto& message : static_messages(v, now_s)) transmit(message, now_s, heard);
      }
      v.next_static_s = now_s + 360;  // static data every 6 minutes
    }
    due.push({std::min(v.next_position_s, v.next_static_s), index});
  }
  emit_until(INT64_MAX);
  for (const auto& [truth_index, vessel_index] : scene.dark_plants()) {
    TruthEvent& event = scene.truth()[truth_index];
    const auto [last_s, first_s] = longest_silence[vessel_index];
    event.start_time_s = last_s;
    event.end_time_s = first_s;
  }
  summary.truth = std::move(scene.truth());
  return summary;
}

namespace {

void append_time(std::string& out, int64_t unix_s) {
  const int64_t days = unix_s / 86'400;
  const int64_t seconds_of_day = unix_s % 86'400;
  const Civil civil = civil_from_days(days);
  char text[32];
  std::snprintf(text, sizeof text, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", civil.year, civil.month,
                civil.day, static_cast<int>(seconds_of_day / 3'600),
                static_cast<int>(seconds_of_day / 60 % 60), static_cast<int>(seconds_of_day % 60));
  out += text;
}

}  // namespace

std::string truth_to_json_lines(const std::vector<TruthEvent>& truth) {
  std::string out;
  for (const TruthEvent& e : truth) {
    out += "{\"type\":\"";
    out += e.type;
    out += "\",\"kind\":\"";
    out += e.kind;
    out += '"';
    if (!e.zone_id.empty()) {
      out += ",\"zone_id\":\"";
      out += e.zone_id;
      out += '"';
    }
    out += ",\"mmsi\":[";
    for (std::size_t k = 0; k < e.mmsis.size(); ++k) {
      if (k > 0) out += ',';
      out += std::to_string(e.mmsis[k]);
    }
    out += "],\"start_time\":";
    append_time(out, e.start_time_s);
    out += ",\"end_time\":";
    append_time(out, e.end_time_s);
    char position[64];
    std::snprintf(position, sizeof position, ",\"lat\":%.5f,\"lon\":%.5f}\n", e.lat, e.lon);
    out += position;
  }
  return out;
}

}  // namespace aiswatch::sim
