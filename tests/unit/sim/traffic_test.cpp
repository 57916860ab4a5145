#include "sim/traffic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ais/decoder.h"
#include "nmea/framer.h"
#include "ruleset/ruleset.h"
#include "sim/watch_zones.h"

namespace aiswatch::sim {
namespace {

std::vector<std::string> run(const TrafficConfig& config, TrafficSummary* summary = nullptr) {
  std::vector<std::string> lines;
  TrafficSummary s = simulate_traffic(config, [&](std::string_view line) { lines.emplace_back(line); });
  if (summary != nullptr) *summary = std::move(s);
  return lines;
}

// One decoded position report.
struct Fix {
  int64_t time_s;
  double lat, lon;
  std::optional<double> speed;
  uint8_t status;
};

// Everything the scenario transmitted, decoded, by MMSI (each transmission once, whatever the
// number of stations that heard it).
struct Decoded {
  std::map<uint32_t, std::vector<Fix>> fixes;
  std::map<int, int> by_type;
  nmea::FramerStats framing;
  uint64_t payloads = 0;
  int64_t latest_time_ms = 0;
  int64_t most_out_of_order_ms = 0;  // how far a line's receive time is behind the latest
};

Decoded decode_all(const std::vector<std::string>& lines) {
  Decoded d;
  nmea::Framer framer;
  std::set<std::pair<uint32_t, int64_t>> seen;  // (mmsi, time): drop the duplicate copies
  for (const auto& line : lines) {
    nmea::Payload payload;
    if (framer.push(line, payload) != nmea::LineOutcome::payload) continue;
    ++d.payloads;
    d.latest_time_ms = std::max(d.latest_time_ms, *payload.event_time_ms);
    d.most_out_of_order_ms =
        std::max(d.most_out_of_order_ms, d.latest_time_ms - *payload.event_time_ms);
    ais::Message message;
    EXPECT_EQ(ais::decode(payload.armored, payload.fill_bits, message), ais::DecodeStatus::ok)
        << line;
    const auto& header = ais::header_of(message);
    ++d.by_type[header.type];
    const int64_t time_s = *payload.event_time_ms / 1000;
    auto add = [&](const auto& report, uint8_t status) {
      if (!seen.insert({header.mmsi, time_s}).second) return;
      d.fixes[header.mmsi].push_back({time_s, *report.lat, *report.lon, report.speed, status});
    };
    if (const auto* a = std::get_if<ais::PositionReport>(&message)) add(*a, a->status);
    if (const auto* b = std::get_if<ais::ClassBPositionReport>(&message)) add(*b, 15);
  }
  framer.flush();
  d.framing = framer.stats();
  for (auto& [mmsi, fixes] : d.fixes) {
    std::sort(fixes.begin(), fixes.end(), [](const Fix& a, const Fix& b) { return a.time_s < b.time_s; });
  }
  return d;
}

double metres_between(double lat1, double lon1, double lat2, double lon2) {
  const double north = (lat2 - lat1) * 111'195.0;
  const double east = (lon2 - lon1) * 111'195.0 * std::cos(lat1 * M_PI / 180);
  return std::hypot(north, east);
}

// The fix of `mmsi` nearest in time to `time_s` (within a reporting interval).
const Fix* fix_near(const Decoded& d, uint32_t mmsi, int64_t time_s) {
  const auto it = d.fixes.find(mmsi);
  if (it == d.fixes.end()) return nullptr;
  const Fix* best = nullptr;
  for (const Fix& f : it->second) {
    if (best == nullptr || std::abs(f.time_s - time_s) < std::abs(best->time_s - time_s)) best = &f;
  }
  return best != nullptr && std::abs(best->time_s - time_s) <= 200 ? best : nullptr;
}

TrafficConfig scenario() {
  TrafficConfig config;
  config.vessels = 10;
  config.duration_s = 12 * 3'600;
  config.rendezvous = 3;
  config.dark_periods = 1;
  config.loiterings = 1;
  config.fishing_fleets = 1;
  config.tug_assists = 1;
  config.pair_trawlers = 1;
  config.roadsteads = 1;
  return config;
}

TEST(Traffic, SameSeedSameFeedByteForByte) {
  TrafficConfig config = scenario();
  config.duration_s = 3'600;
  EXPECT_EQ(run(config), run(config));
  TrafficConfig other = config;
  other.seed = 2;
  EXPECT_NE(run(config), run(other));
}

TEST(Traffic, AMergedFeedOfTwoStationsWithDuplicatesAndBoundedDisorder) {
  TrafficConfig config;
  config.duration_s = 900;
  TrafficSummary summary;
  const auto lines = run(config, &summary);
  const Decoded d = decode_all(lines);
  EXPECT_EQ(d.framing.rejected_total(), 0u);
  EXPECT_EQ(d.fixes.size(), config.vessels);
  EXPECT_GT(summary.duplicates, summary.received / 2) << "two stations at 0.8 each";
  EXPECT_LT(summary.received, summary.messages) << "some transmissions are lost";
  EXPECT_EQ(d.payloads, summary.received + summary.duplicates);
  EXPECT_GT(d.most_out_of_order_ms, 0);
  EXPECT_LE(d.most_out_of_order_ms, config.max_arrival_delay_ms + 1'000);
  for (int type : {1, 4, 5, 18, 24}) EXPECT_GT(d.by_type.count(type), 0u) << "type " << type;
}

TEST(Traffic, CorruptedLinesFailTheirChecksum) {
  TrafficConfig config;
  config.duration_s = 900;
  config.malformed_probability = 0.01;
  TrafficSummary summary;
  const Decoded d = decode_all(run(config, &summary));
  EXPECT_GT(summary.malformed, 0u);
  EXPECT_EQ(d.framing[nmea::RejectReason::bad_checksum], summary.malformed);
}

TEST(Traffic, ReportingIntervalsFollowTheItuTable) {
  TrafficConfig config = scenario();
  TrafficSummary summary;
  const Decoded d = decode_all(run(config, &summary));
  for (const TruthEvent& e : summary.truth) {
    if (e.kind != "roadstead_anchorage") continue;
    for (uint32_t mmsi : e.mmsis) {
      const auto& fixes = d.fixes.at(mmsi);
      for (std::size_t k = 1; k < fixes.size(); ++k) {
        EXPECT_GE(fixes[k].time_s - fixes[k - 1].time_s, 180) << "at anchor: every 3 minutes";
      }
      EXPECT_EQ(fixes.front().status, 1) << "at anchor";
    }
  }
  // Background Class A ships under way at 6-16 knots report every 6 or 10 seconds.
  const auto& some = d.fixes.begin()->second;
  int64_t shortest = INT64_MAX;
  for (std::size_t k = 1; k < some.size(); ++k) shortest = std::min(shortest, some[k].time_s - some[k - 1].time_s);
  EXPECT_LE(shortest, 30);
}

TEST(Traffic, PlantedEventsAreWhatTheirTruthSays) {
  TrafficConfig config = scenario();
  TrafficSummary summary;
  const Decoded d = decode_all(run(config, &summary));
  std::map<std::string, int> planted;
  for (const TruthEvent& e : summary.truth) {
    ++planted[e.type == "CONFOUNDER" ? e.kind : e.type];
    SCOPED_TRACE(e.type + " " + e.kind);
    ASSERT_LT(e.start_time_s, e.end_time_s);
    if (e.type == "RENDEZVOUS") {
      ASSERT_EQ(e.mmsis.size(), 2u);
      EXPECT_GE(e.end_time_s - e.start_time_s, 3 * 3'600);
      // Alongside (well within 500 m) and slow (under 2.5 kn) for the whole episode.
      for (int64_t t = e.start_time_s + 300; t < e.end_time_s - 300; t += 600) {
        const Fix* a = fix_near(d, e.mmsis[0], t);
        const Fix* b = fix_near(d, e.mmsis[1], t);
        ASSERT_TRUE(a && b) << "both heard near " << t;
        EXPECT_LT(metres_between(a->lat, a->lon, b->lat, b->lon), 300);
        if (a->speed) {
          EXPECT_LT(*a->speed, 2.6);
        }
      }
    } else if (e.type == "DARK_PERIOD") {
      const auto& fixes = d.fixes.at(e.mmsis[0]);
      for (const Fix& f : fixes) {
        EXPECT_FALSE(f.time_s > e.start_time_s && f.time_s < e.end_time_s) << "heard while dark";
      }
      EXPECT_GE(e.end_time_s - e.start_time_s, 8 * 3'600);
    } else if (e.type == "LOITERING") {
      for (const Fix& f : d.fixes.at(e.mmsis[0])) {
        if (f.time_s > e.start_time_s + 60 && f.time_s < e.end_time_s && f.speed) {
          EXPECT_LT(*f.speed, 2.0);
        }
      }
    } else if (e.kind == "pair_trawlers") {
      const Fix* a = fix_near(d, e.mmsis[0], e.start_time_s + 3'600);
      const Fix* b = fix_near(d, e.mmsis[1], e.start_time_s + 3'600);
      ASSERT_TRUE(a && b);
      EXPECT_NEAR(metres_between(a->lat, a->lon, b->lat, b->lon), 300, 120);
      ASSERT_TRUE(a->speed);
      EXPECT_GE(*a->speed, 2.9);
    } else if (e.kind == "tug_alongside_20_min") {
      EXPECT_EQ(e.end_time_s - e.start_time_s, 1'200);
      const Fix* tanker = fix_near(d, e.mmsis[0], e.start_time_s + 600);
      const Fix* tug = fix_near(d, e.mmsis[1], e.start_time_s + 600);
      ASSERT_TRUE(tanker && tug);
      EXPECT_LT(metres_between(tanker->lat, tanker->lon, tug->lat, tug->lon), 100);
      const Fix* later = fix_near(d, e.mmsis[0], e.end_time_s + 1'200);
      ASSERT_TRUE(later && later->speed);
      EXPECT_GT(*later->speed, 5.0) << "under way again after the assist";
    } else if (e.kind == "fishing_fleet") {
      EXPECT_EQ(e.mmsis.size(), 12u);
    } else if (e.kind == "roadstead_anchorage") {
      EXPECT_EQ(e.mmsis.size(), 6u);
    }
  }
  EXPECT_EQ(planted["RENDEZVOUS"], 3);
  EXPECT_EQ(planted["DARK_PERIOD"], 1);
  EXPECT_EQ(planted["LOITERING"], 1);
  for (const char* kind : {"fishing_fleet", "tug_alongside_20_min", "pair_trawlers", "roadstead_anchorage"})
    EXPECT_EQ(planted[kind], 1) << kind;
}

// Static data (type 5) as transmitted: (time, name, call sign, IMO, draught) by MMSI.
struct Static {
  int64_t time_s;
  std::string name, callsign;
  uint32_t imo;
  double draught;
};

std::map<uint32_t, std::vector<Static>> statics_of(const std::vector<std::string>& lines) {
  std::map<uint32_t, std::vector<Static>> out;
  nmea::Framer framer;
  for (const auto& line : lines) {
    nmea::Payload payload;
    if (framer.push(line, payload) != nmea::LineOutcome::payload) continue;
    ais::Message message;
    if (ais::decode(payload.armored, payload.fill_bits, message) != ais::DecodeStatus::ok) continue;
    if (const auto* m = std::get_if<ais::StaticVoyageData>(&message))
      out[m->header.mmsi].push_back({*payload.event_time_ms / 1000, std::string(m->shipname.view()),
                                     std::string(m->callsign.view()), m->imo.value_or(0),
                                     m->draught.value_or(0)});
  }
  return out;
}

TEST(Traffic, DeceptionPlantsAreWhatTheirTruthSays) {
  TrafficConfig config;
  config.vessels = 10;
  config.duration_s = 30 * 3'600;
  config.dark_sts = 1;
  config.both_dark_meetings = 1;
  config.deliberate_silences = 1;
  config.position_offsets = 1;
  config.shared_mmsis = 1;
  config.renamed_tankers = 1;
  config.flag_mismatches = 1;
  config.draught_changes = 1;
  config.gps_glitches = 1;
  config.port_draught_changes = 1;
  config.port_points = {{38.72, 125.40}};
  TrafficSummary summary;
  const std::vector<std::string> lines = run(config, &summary);
  const Decoded d = decode_all(lines);
  const auto statics = statics_of(lines);
  auto silent_between = [&](uint32_t mmsi, int64_t from_s, int64_t to_s) {
    for (const Fix& f : d.fixes.at(mmsi))
      if (f.time_s > from_s && f.time_s < to_s) return false;
    return true;
  };
  std::map<std::string, int> planted;
  for (const TruthEvent& e : summary.truth) {
    ++planted[e.kind];
    SCOPED_TRACE(e.type + " " + e.kind);
    if (e.kind == "dark_sts") {
      ASSERT_EQ(e.mmsis.size(), 2u);
      EXPECT_TRUE(silent_between(e.mmsis[0], e.start_time_s, e.end_time_s));
      EXPECT_GE(e.end_time_s - e.start_time_s, 5 * 3'600);
      // Last heard within reach of the waiting tanker, which idles there meanwhile.
      const Fix* last = fix_near(d, e.mmsis[0], e.start_time_s);
      const Fix* waiting = fix_near(d, e.mmsis[1], e.start_time_s + 2 * 3'600);
      ASSERT_TRUE(last && waiting && waiting->speed);
      EXPECT_LT(metres_between(last->lat, last->lon, waiting->lat, waiting->lon), 25e3);
      EXPECT_LT(*waiting->speed, 1.0);
    } else if (e.kind == "both_dark") {
      for (uint32_t mmsi : e.mmsis)
        EXPECT_TRUE(silent_between(mmsi, e.start_time_s + 1'200, e.end_time_s));
    } else if (e.kind == "deliberate_silence") {
      EXPECT_TRUE(silent_between(e.mmsis[0], e.start_time_s, e.end_time_s));
      EXPECT_GE(e.end_time_s - e.start_time_s, 14 * 3'600);
    } else if (e.kind == "position_offset") {
      const Fix* before = fix_near(d, e.mmsis[0], e.start_time_s - 60);
      const Fix* during = fix_near(d, e.mmsis[0], e.start_time_s + 600);
      const Fix* after = fix_near(d, e.mmsis[0], e.end_time_s + 600);
      ASSERT_TRUE(before && during && after) << !!before << !!during << !!after;
      EXPECT_GT(metres_between(before->lat, before->lon, during->lat, during->lon), 190e3);
      EXPECT_GT(metres_between(during->lat, during->lon, after->lat, after->lon), 150e3);
    } else if (e.kind == "shared_mmsi") {
      // Two names on one MMSI, and positions from two places 40 km or more apart.
      std::set<std::string> names;
      for (const Static& st : statics.at(e.mmsis[0])) names.insert(st.name);
      EXPECT_EQ(names.size(), 2u);
      const auto& fixes = d.fixes.at(e.mmsis[0]);
      double farthest = 0;
      for (std::size_t k = 1; k < fixes.size(); ++k)
        if (fixes[k].time_s - fixes[k - 1].time_s < 30)
          farthest = std::max(farthest, metres_between(fixes[k].lat, fixes[k].lon, fixes[k - 1].lat,
                                                       fixes[k - 1].lon));
      EXPECT_GT(farthest, 35e3);
    } else if (e.kind == "renamed") {
      const auto& st = statics.at(e.mmsis[0]);
      EXPECT_NE(st.front().name, st.back().name);
      EXPECT_EQ(st.back().name, "NEW " + st.front().name);
    } else if (e.kind == "flag_mismatch") {
      const Static& st = statics.at(e.mmsis[0]).front();
      EXPECT_EQ(e.mmsis[0] / 1'000'000, 667u);
      EXPECT_EQ(st.callsign.substr(0, 2), "HM");
      uint32_t sum = 0, rest = st.imo / 10;
      for (uint32_t weight = 2; weight <= 7; ++weight, rest /= 10) sum += (rest % 10) * weight;
      EXPECT_NE(st.imo % 10, sum % 10);
    } else if (e.kind == "at_sea" || e.kind == "draught_change_in_port" ||
               e.kind == "laden_after_dark_sts") {
      const auto& st = statics.at(e.mmsis[0]);
      EXPECT_GE(st.back().draught - st.front().draught, 1.9);
    } else if (e.kind == "gps_glitch") {
      // One report far from both its neighbours, which are near each other.
      int off = 0;
      const auto& fixes = d.fixes.at(e.mmsis[0]);
      for (std::size_t k = 1; k + 1 < fixes.size(); ++k) {
        const Fix &a = fixes[k - 1], &b = fixes[k], &c = fixes[k + 1];
        if (metres_between(a.lat, a.lon, b.lat, b.lon) > 15e3 &&
            metres_between(b.lat, b.lon, c.lat, c.lon) > 15e3 &&
            metres_between(a.lat, a.lon, c.lat, c.lon) < 1e3)
          ++off;
      }
      EXPECT_LE(off, 1) << "at most the one report (it may be lost like any other)";
    }
  }
  for (const char* kind : {"dark_sts", "laden_after_dark_sts", "both_dark", "deliberate_silence",
                           "position_offset", "shared_mmsi", "renamed", "flag_mismatch", "at_sea",
                           "gps_glitch", "draught_change_in_port"})
    EXPECT_EQ(planted[kind], 1) << kind;
}

// With the shipped rules: the land plant reports positions deep inland for its truth's time and
// only then; the coastal and river traffic, and the background traffic of the default area, never
// report a position on land.
TEST(Traffic, LandPlantsAndLookAlikesAreWhatTheirTruthSays) {
  const ruleset::LoadResult loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  ASSERT_TRUE(loaded.ok());
  const ruleset::ZoneIndex& zones = loaded.ruleset->zones;
  TrafficConfig config;
  config.vessels = 60;
  config.duration_s = 24 * 3'600;
  config.land_positions = 2;
  config.coastal_traffic = 2;
  use_watch_zones(*loaded.ruleset, config);
  ASSERT_FALSE(config.land_points.empty());
  for (const auto& [lat, lon] : config.land_points) EXPECT_NE(zones.land_at(lat, lon), nullptr);
  TrafficSummary summary;
  const Decoded d = decode_all(run(config, &summary));
  std::set<uint32_t> planted_on_land;
  std::map<std::string, int> planted;
  for (const TruthEvent& e : summary.truth) {
    ++planted[e.kind];
    SCOPED_TRACE(e.kind);
    if (e.kind == "circling_on_land" || e.kind == "frozen_on_land") {
      planted_on_land.insert(e.mmsis[0]);
      std::size_t inside = 0, on_land_inside = 0, on_land_outside = 0;
      for (const Fix& f : d.fixes.at(e.mmsis[0])) {
        const bool during = f.time_s >= e.start_time_s && f.time_s < e.end_time_s;
        const bool on_land = zones.land_at(f.lat, f.lon) != nullptr;
        inside += during ? 1 : 0;
        on_land_inside += during && on_land ? 1 : 0;
        on_land_outside += !during && on_land ? 1 : 0;
      }
      EXPECT_GE(e.end_time_s - e.start_time_s, 3'600);
      EXPECT_GT(inside, 100u);
      EXPECT_EQ(on_land_inside, inside);
      EXPECT_EQ(on_land_outside, 0u);
      if (e.kind == "frozen_on_land") {  // at sea first
        EXPECT_LT(d.fixes.at(e.mmsis[0]).front().time_s, e.start_time_s);
      }
    } else if (e.kind == "coastal_and_river_port") {
      // It reached its river port (Pyongyang on the Taedong, Dandong on the Yalu).
      double nearest = 1e9;
      for (const Fix& f : d.fixes.at(e.mmsis[0]))
        nearest = std::min(nearest, metres_between(f.lat, f.lon, e.lat, e.lon));
      EXPECT_LT(nearest, 1'000.0);
    }
  }
  EXPECT_EQ(planted["circling_on_land"], 1);
  EXPECT_EQ(planted["frozen_on_land"], 1);
  EXPECT_EQ(planted["coastal_and_river_port"], 2);
  std::size_t fixes = 0;
  for (const auto& [mmsi, vessel_fixes] : d.fixes) {
    if (planted_on_land.contains(mmsi)) continue;
    for (const Fix& f : vessel_fixes) {
      ++fixes;
      ASSERT_EQ(zones.land_at(f.lat, f.lon), nullptr) << mmsi << " at " << f.lat << "," << f.lon;
    }
  }
  EXPECT_GT(fixes, 100'000u);
}

TEST(Traffic, ACoverageHoleSilencesEveryShipInItAndOnlyThere) {
  TrafficConfig config;
  config.vessels = 30;
  config.duration_s = 24 * 3'600;
  config.min_lon = 122.4;  // room for plants clear of the hole
  config.coverage_holes = 1;
  config.deliberate_silences = 2;
  TrafficSummary summary;
  const Decoded d = decode_all(run(config, &summary));
  const TruthEvent* hole = nullptr;
  for (const TruthEvent& e : summary.truth)
    if (e.kind == "coverage_hole") hole = &e;
  ASSERT_TRUE(hole);
  ASSERT_EQ(hole->mmsis.size(), 4u);
  for (uint32_t mmsi : hole->mmsis) {
    EXPECT_TRUE(fix_near(d, mmsi, hole->start_time_s - 600)) << "heard before the hole";
    EXPECT_TRUE(fix_near(d, mmsi, hole->end_time_s + 600)) << "and after it";
  }
  std::size_t heard_in_hole = 0, heard_elsewhere = 0;
  for (const auto& [mmsi, fixes] : d.fixes)
    for (const Fix& f : fixes) {
      if (f.time_s <= hole->start_time_s || f.time_s >= hole->end_time_s) continue;
      const bool inside = std::abs(f.lat - hole->lat) < 0.19 && std::abs(f.lon - hole->lon) < 0.19;
      ++(inside ? heard_in_hole : heard_elsewhere);
    }
  EXPECT_EQ(heard_in_hole, 0u);
  EXPECT_GT(heard_elsewhere, 10'000u);
  for (const TruthEvent& e : summary.truth)
    if (e.kind == "deliberate_silence") {
      EXPECT_TRUE(std::abs(e.lat - hole->lat) > 0.45 || std::abs(e.lon - hole->lon) > 0.45)
          << "planted clear of the hole";
    }
}

TEST(Traffic, AnEventThatDoesNotFitIsNotPlanted) {
  TrafficConfig config;
  config.duration_s = 3'600;  // too short for any rendezvous or dark period
  config.rendezvous = 2;
  config.dark_periods = 2;
  TrafficSummary summary;
  run(config, &summary);
  EXPECT_TRUE(summary.truth.empty());
}

TEST(Traffic, TruthAsJsonLines) {
  TruthEvent e;
  e.type = "RENDEZVOUS";
  e.kind = "drift_alongside";
  e.mmsis = {445100040, 671100041};
  e.start_time_s = 1'767'233'408;
  e.end_time_s = 1'767'249'951;
  e.lat = 38.616634;
  e.lon = 123.873312;
  EXPECT_EQ(truth_to_json_lines({e}),
            "{\"type\":\"RENDEZVOUS\",\"kind\":\"drift_alongside\",\"mmsi\":[445100040,671100041],"
            "\"start_time\":\"2026-01-01T02:10:08Z\",\"end_time\":\"2026-01-01T06:45:51Z\","
            "\"lat\":38.61663,\"lon\":123.87331}\n");
}

}  // namespace
}  // namespace aiswatch::sim
