#include "app/simulate_command.h"

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <utility>

#include "ruleset/ruleset.h"
#include "sim/traffic.h"
#include "sim/watch_zones.h"

namespace aiswatch::app {

int run_simulate(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  namespace po = boost::program_options;
  sim::TrafficConfig config;
  po::options_description options("options");
  options.add_options()("help,h", "show this help")(
      "vessels", po::value<unsigned>(&config.vessels)->default_value(config.vessels),
      "number of vessels")("minutes", po::value<int64_t>()->default_value(10),
                           "length of the feed in minutes of simulated time")(
      "seed", po::value<uint64_t>(&config.seed)->default_value(config.seed),
      "random seed (same seed, same feed)")(
      "start", po::value<int64_t>(&config.start_time_s)->default_value(config.start_time_s),
      "start time, UNIX seconds")(
      "stations", po::value<unsigned>(&config.stations)->default_value(config.stations),
      "shore stations receiving the traffic (each copy is a duplicate line)")(
      "reception",
      po::value<double>(&config.reception_probability)->default_value(config.reception_probability),
      "probability that a station receives a transmission")(
      "malformed",
      po::value<double>(&config.malformed_probability)->default_value(config.malformed_probability),
      "probability that a line is corrupted in transit")(
      "rendezvous", po::value<unsigned>(&config.rendezvous)->default_value(config.rendezvous),
      "ship-to-ship rendezvous to plant")(
      "dark-periods", po::value<unsigned>(&config.dark_periods)->default_value(config.dark_periods),
      "dark periods (transponder off 8-10 h) to plant")(
      "loiterings", po::value<unsigned>(&config.loiterings)->default_value(config.loiterings),
      "lone vessels idling at sea for 5-6 h to plant")(
      "fishing-fleets",
      po::value<unsigned>(&config.fishing_fleets)->default_value(config.fishing_fleets),
      "confounder: fishing fleets drifting together")(
      "tug-assists", po::value<unsigned>(&config.tug_assists)->default_value(config.tug_assists),
      "confounder: a tug alongside a tanker for 20 minutes")(
      "pair-trawlers",
      po::value<unsigned>(&config.pair_trawlers)->default_value(config.pair_trawlers),
      "confounder: pair trawlers towing at 3-4 knots")(
      "roadsteads", po::value<unsigned>(&config.roadsteads)->default_value(config.roadsteads),
      "confounder: six ships at anchor outside any zone")(
      "rules", po::value<std::string>()->value_name("DIR"),
      "rules directory whose watch zones give geofence truth (every boundary crossing) and "
      "host the two options below")(
      "zone-crossings",
      po::value<unsigned>(&config.zone_crossings)->default_value(config.zone_crossings),
      "ships sailing across a watch-zone boundary (needs --rules)")(
      "boundary-anchorages",
      po::value<unsigned>(&config.boundary_anchorages)->default_value(config.boundary_anchorages),
      "confounder: a ship anchored 20 m from a watch-zone boundary, its fix jittering across "
      "(needs --rules)")("dark-sts",
                         po::value<unsigned>(&config.dark_sts)->default_value(config.dark_sts),
                         "a tanker idling at sea met by another with its transponder off")(
      "both-dark-meetings",
      po::value<unsigned>(&config.both_dark_meetings)->default_value(config.both_dark_meetings),
      "two tankers switching off near each other to meet")(
      "deliberate-silences",
      po::value<unsigned>(&config.deliberate_silences)->default_value(config.deliberate_silences),
      "a tanker dark for 14-16 h among traffic")(
      "position-offsets",
      po::value<unsigned>(&config.position_offsets)->default_value(config.position_offsets),
      "a ship reporting a position 200-400 km off for 2-3 h")(
      "shared-mmsis", po::value<unsigned>(&config.shared_mmsis)->default_value(config.shared_mmsis),
      "two ships transmitting one MMSI")(
      "renamed-tankers",
      po::value<unsigned>(&config.renamed_tankers)->default_value(config.renamed_tankers),
      "a tanker changing its transmitted name at sea")(
      "flag-mismatches",
      po::value<unsigned>(&config.flag_mismatches)->default_value(config.flag_mismatches),
      "an MMSI whose call sign belongs to another flag, with a wrong IMO check digit")(
      "draught-changes",
      po::value<unsigned>(&config.draught_changes)->default_value(config.draught_changes),
      "a tanker reporting 2-4 m more draught at sea")(
      "gps-glitches", po::value<unsigned>(&config.gps_glitches)->default_value(config.gps_glitches),
      "confounder: one position report 20-80 km off")(
      "coverage-holes",
      po::value<unsigned>(&config.coverage_holes)->default_value(config.coverage_holes),
      "confounder: nothing received in a 0.5 degree box for 14-16 h")(
      "port-draught-changes",
      po::value<unsigned>(&config.port_draught_changes)->default_value(config.port_draught_changes),
      "confounder: a ship moored in port changing its draught (needs --rules)")(
      "land-positions",
      po::value<unsigned>(&config.land_positions)->default_value(config.land_positions),
      "a ship whose reported positions circle or stay at a point deep inland for 1-2 h (needs "
      "--rules with land zones)")(
      "coastal-traffic",
      po::value<unsigned>(&config.coastal_traffic)->default_value(config.coastal_traffic),
      "confounder: a ship with a poor GPS sailing close along the coast and up the Taedong to "
      "Pyongyang, or up the Yalu to Dandong, and back")(
      "truth", po::value<std::string>(),
      "write the ground truth (planted events, look-alikes, zone crossings) as JSON lines to "
      "this file");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(err, "aiswatchd simulate: %s (see aiswatchd simulate --help)\n", e.what());
    return 2;
  }
  if (vm.count("help") != 0) {
    std::ostringstream text;
    text << "usage: aiswatchd simulate [OPTIONS]\n"
            "Write a simulated AIS feed of vessels in the Korea Bay to standard output: NMEA 4.0\n"
            "sentences with tag-block receive times as a network of shore stations receives\n"
            "them, with planted events and look-alikes (--truth lists them). Deterministic for a\n"
            "given seed and options.\n\n"
         << options;
    std::fputs(text.str().c_str(), out);
    return 0;
  }
  const int64_t minutes = vm["minutes"].as<int64_t>();
  if (minutes <= 0 || minutes > 7 * 24 * 60) {
    std::fprintf(err, "aiswatchd simulate: --minutes must be between 1 and 10080, got %lld\n",
                 static_cast<long long>(minutes));
    return 2;
  }
  if (config.vessels > 100'000) {
    std::fprintf(err, "aiswatchd simulate: --vessels must be at most 100000, got %u\n",
                 config.vessels);
    return 2;
  }
  if (config.stations == 0 || config.stations > 9) {
    std::fprintf(err, "aiswatchd simulate: --stations must be between 1 and 9, got %u\n",
                 config.stations);
    return 2;
  }
  for (const auto& [name, value] : {std::pair<const char*, double>{"--reception", config.reception_probability},
                                    {"--malformed", config.malformed_probability}}) {
    if (!(value >= 0.0 && value <= 1.0)) {
      std::fprintf(err, "aiswatchd simulate: %s must be between 0 and 1, got %g\n", name, value);
      return 2;
    }
  }
  // Loaded before the truth file is created: bad rules leave nothing behind.
  std::shared_ptr<const ruleset::Ruleset> rules;
  if (vm.count("rules") != 0) {
    const auto rules_dir = vm["rules"].as<std::string>();
    ruleset::LoadResult loaded = ruleset::load_ruleset(rules_dir);
    if (!loaded.ok()) {
      for (const auto& error : loaded.errors) std::fprintf(err, "%s\n", error.to_string().c_str());
      std::fprintf(err, "aiswatchd simulate: %s: %zu error(s); nothing simulated\n",
                   rules_dir.c_str(), loaded.errors.size());
      return 1;
    }
    rules = loaded.ruleset;
    sim::use_watch_zones(*rules, config);
  } else if (config.zone_crossings + config.boundary_anchorages + config.port_draught_changes +
                 config.land_positions >
             0) {
    std::fprintf(err,
                 "aiswatchd simulate: --zone-crossings, --boundary-anchorages, "
                 "--port-draught-changes and --land-positions need --rules DIR (the zones they "
                 "use)\n");
    return 2;
  }
  std::FILE* truth_file = nullptr;
  std::string truth_path;
  if (vm.count("truth") != 0) {
    truth_path = vm["truth"].as<std::string>();
    truth_file = std::fopen(truth_path.c_str(), "w");
    if (truth_file == nullptr) {
      std::fprintf(err, "aiswatchd simulate: cannot write %s: %s\n", truth_path.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  config.duration_s = minutes * 60;
  std::string buffer;
  buffer.reserve(1 << 17);
  const auto summary = sim::simulate_traffic(config, [&](std::string_view line) {
    buffer.append(line);
    buffer += '\n';
    if (buffer.size() >= (1 << 16)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  });
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  const bool write_failed = std::fflush(out) != 0 || std::ferror(out) != 0;
  if (truth_file != nullptr) {
    const std::string truth = sim::truth_to_json_lines(summary.truth);
    std::fwrite(truth.data(), 1, truth.size(), truth_file);
    if (std::fclose(truth_file) != 0) {
      std::fprintf(err, "aiswatchd simulate: error writing %s: %s\n", truth_path.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  const auto as_ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(err,
               "aiswatchd simulate: %u vessels, %lld minutes: %llu messages (%llu received, "
               "%llu duplicate copies, %llu corrupted) in %llu lines; %zu ground-truth events\n",
               summary.vessels, static_cast<long long>(minutes), as_ull(summary.messages),
               as_ull(summary.received), as_ull(summary.duplicates), as_ull(summary.malformed),
               as_ull(summary.lines), summary.truth.size());
  if (write_failed) {
    std::fprintf(err, "aiswatchd simulate: error writing the feed: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace aiswatch::app
