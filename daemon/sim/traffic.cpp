#include "sim/traffic.h"

#include <array>
#include <cmath>
#include <numbers>
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

enum class Kind { class_a, class_b };

struct Vessel {
  Kind kind = Kind::class_a;
  uint32_t mmsi = 0;
  uint32_t imo = 0;
  std::string name, callsign, destination;
  uint8_t shiptype = 0;
  uint16_t length = 0;
  uint8_t beam = 0;
  double draught = 0;
  double lat = 0, lon = 0, course = 0, speed = 0;
  int64_t next_position_s = 0;
  int64_t next_static_s = 0;
};

// Flag MIDs of the fleets seen in the area: North Korea, China, South Korea, Panama, Sierra
// Leone, Togo, Mongolia (the last four are flags of convenience in UN Panel of Experts reports).
constexpr std::array<uint16_t, 7> flag_mids = {445, 412, 440, 352, 667, 671, 457};
constexpr std::array<std::string_view, 12> name_words = {
    "SEA", "PIONEER", "GOLDEN", "STAR", "OCEAN", "GLORY", "EAST", "WIND",
    "BRIGHT", "PEARL", "NORTH", "HARMONY"};
constexpr std::array<std::string_view, 5> destinations = {"NAMPO", "DALIAN", "INCHEON",
                                                          "YANTAI", "DANDONG"};

template <std::size_t N>
void set_text(ais::SixBitText<N>& text, std::string_view value) {
  text.length = static_cast<uint8_t>(std::min(value.size(), N));
  for (std::size_t i = 0; i < text.length; ++i) text.chars[i] = value[i];
}

// Seven-digit IMO number with a valid check digit (IMO Resolution A.1078(28)).
uint32_t make_imo(Random& random) {
  uint32_t digits = 900'000 + random.below(100'000);
  uint32_t sum = 0, rest = digits;
  for (uint32_t weight = 2; weight <= 7; ++weight, rest /= 10) sum += (rest % 10) * weight;
  return digits * 10 + sum % 10;
}

Vessel make_vessel(Random& random, unsigned index, const TrafficConfig& config) {
  Vessel v;
  v.kind = random.below(5) == 0 ? Kind::class_b : Kind::class_a;
  const uint16_t mid = flag_mids[random.below(flag_mids.size())];
  v.mmsi = mid * 1'000'000u + 100'000u + index * 37u % 900'000u;
  // Built with append: std::string operator+ trips a false -Wrestrict in GCC 12 at -O3 (GCC bug
  // 105329).
  v.name.append(name_words[random.below(name_words.size())])
      .append(" ")
      .append(name_words[random.below(name_words.size())])
      .append(" ")
      .append(std::to_string(1 + random.below(9)));
  v.callsign.append("S").append(std::to_string(1000 + index));
  v.destination = destinations[random.below(destinations.size())];
  if (v.kind == Kind::class_a) {
    static constexpr std::array<uint8_t, 4> types = {80, 81, 70, 30};  // tanker, tanker, cargo, fishing
    v.shiptype = types[random.below(types.size())];
    v.imo = make_imo(random);
    v.length = static_cast<uint16_t>(60 + random.below(140));
    v.beam = static_cast<uint8_t>(10 + random.below(22));
    v.draught = std::round(random.uniform(3.0, 11.0) * 10) / 10;
  } else {
    v.shiptype = random.below(2) == 0 ? 30 : 37;  // fishing, pleasure craft
    v.length = static_cast<uint16_t>(10 + random.below(25));
    v.beam = static_cast<uint8_t>(3 + random.below(6));
  }
  v.lat = random.uniform(config.min_lat, config.max_lat);
  v.lon = random.uniform(config.min_lon, config.max_lon);
  v.course = random.uniform(0, 360);
  // A quarter of the fleet is stopped (anchored, drifting or fishing).
  v.speed = random.below(4) == 0 ? random.uniform(0, 0.4) : random.uniform(6, 14);
  v.next_position_s = config.start_time_s + random.below(10);
  v.next_static_s = config.start_time_s + random.below(60);
  return v;
}

// Dead reckoning over one second, turning back at the edge of the area.
void move(Vessel& v, Random& random, const TrafficConfig& config) {
  constexpr double degrees = std::numbers::pi / 180.0;
  const double nautical_miles = v.speed / 3600.0;
  v.lat += nautical_miles * std::cos(v.course * degrees) / 60.0;
  v.lon += nautical_miles * std::sin(v.course * degrees) / (60.0 * std::cos(v.lat * degrees));
  if (v.lat < config.min_lat || v.lat > config.max_lat || v.lon < config.min_lon ||
      v.lon > config.max_lon) {
    v.course = std::fmod(v.course + 180.0, 360.0);
  }
  if (random.below(60) == 0) v.course = std::fmod(v.course + random.uniform(-15, 15) + 360.0, 360.0);
}

double on_grid(double value, double divisor) { return std::round(value * divisor) / divisor; }

ais::Message position_message(const Vessel& v, int64_t now_s, Random& random) {
  const bool stopped = v.speed < 0.5;
  const double course = on_grid(v.course, 10);
  const auto heading = static_cast<unsigned>(std::lround(v.course)) % 360;
  if (v.kind == Kind::class_b) {
    ais::ClassBPositionReport m;
    m.header.type = 18;
    m.header.mmsi = v.mmsi;
    m.speed = on_grid(v.speed, 10);
    m.lon = on_grid(v.lon, 600'000);
    m.lat = on_grid(v.lat, 600'000);
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
  m.status = stopped ? 1 : 0;  // at anchor / under way using engine
  m.turn = static_cast<int8_t>(stopped ? 0 : static_cast<int>(random.below(21)) - 10);
  m.speed = on_grid(v.speed, 10);
  m.accuracy = true;
  m.lon = on_grid(v.lon, 600'000);
  m.lat = on_grid(v.lat, 600'000);
  m.course = course >= 360.0 ? 0.0 : course;
  m.heading = heading;
  m.second = static_cast<uint8_t>(now_s % 60);
  m.radio = static_cast<uint32_t>(random.below(1u << 19));
  return m;
}

std::vector<ais::Message> static_messages(const Vessel& v) {
  std::vector<ais::Message> out;
  const auto to_bow = static_cast<uint16_t>(v.length * 2 / 3);
  const auto to_port = static_cast<uint8_t>(v.beam / 2);
  if (v.kind == Kind::class_a) {
    ais::StaticVoyageData m;
    m.header.type = 5;
    m.header.mmsi = v.mmsi;
    m.imo = v.imo;
    set_text(m.callsign, v.callsign);
    set_text(m.shipname, v.name);
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
    m.draught = v.draught;
    set_text(m.destination, v.destination);
    m.dte = false;
    out.emplace_back(m);
    return out;
  }
  ais::StaticDataReport a;
  a.header.type = 24;
  a.header.mmsi = v.mmsi;
  a.partno = 0;
  set_text(a.shipname, v.name);
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

ais::Message base_station_message(int64_t now_s) {
  ais::BaseStationReport m;
  m.header.type = 4;
  m.header.mmsi = 4'450'001;  // a coast station of MID 445: 00 + MID + 4 digits
  const int64_t days = now_s / 86'400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const int64_t seconds_of_day = now_s % 86'400;
  m.year = static_cast<unsigned>(year);
  m.month = static_cast<unsigned>(month);
  m.day = static_cast<unsigned>(day);
  m.hour = static_cast<unsigned>(seconds_of_day / 3'600);
  m.minute = static_cast<unsigned>(seconds_of_day / 60 % 60);
  m.second = static_cast<unsigned>(seconds_of_day % 60);
  m.accuracy = true;
  m.lon = on_grid(125.3, 600'000);
  m.lat = on_grid(38.73, 600'000);
  m.epfd = 7;  // surveyed
  return m;
}

}  // namespace

TrafficSummary simulate_traffic(const TrafficConfig& config,
                                const std::function<void(std::string_view line)>& on_line) {
  Random random(config.seed);
  std::vector<Vessel> fleet;
  fleet.reserve(config.vessels);
  for (unsigned i = 0; i < config.vessels; ++i) fleet.push_back(make_vessel(random, i, config));

  TrafficSummary summary;
  unsigned sequential_id = 0;
  char channel = 'A';
  auto transmit = [&](const ais::Message& message, int64_t now_s) {
    ais::SentenceOptions options;
    options.channel = channel;
    channel = channel == 'A' ? 'B' : 'A';
    options.sequential_id = sequential_id;
    options.tag_block_time_s = now_s;
    options.tag_block_source = config.receiver;
    const auto sentences = ais::to_sentences(ais::encode(message), options);
    if (sentences.size() > 1) sequential_id = (sequential_id + 1) % 10;
    for (const auto& line : sentences) {
      on_line(line);
      ++summary.lines;
    }
    ++summary.messages;
  };

  const int64_t end_s = config.start_time_s + config.duration_s;
  for (int64_t now = config.start_time_s; now < end_s; ++now) {
    if ((now - config.start_time_s) % 10 == 0) transmit(base_station_message(now), now);
    for (auto& vessel : fleet) {
      move(vessel, random, config);
      if (now >= vessel.next_position_s) {
        transmit(position_message(vessel, now, random), now);
        // Reporting intervals of M.1371-5 Annex 1 Table 1: Class A 10 s at 0-14 kn, 3 min at
        // anchor; Class B "CS" 30 s above 2 kn, 3 min below.
        const bool stopped = vessel.speed < 2.0;
        vessel.next_position_s +=
            vessel.kind == Kind::class_a ? (stopped ? 180 : 10) : (stopped ? 180 : 30);
      }
      if (now >= vessel.next_static_s) {
        for (const auto& message : static_messages(vessel)) transmit(message, now);
        vessel.next_static_s += 360;  // static data every 6 minutes
      }
    }
  }
  return summary;
}

}  // namespace aiswatch::sim
