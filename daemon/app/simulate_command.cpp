#include "app/simulate_command.h"

#include <boost/program_options.hpp>
#include <sstream>

#include "sim/traffic.h"

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
      "start time, UNIX seconds");
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
            "sentences with tag-block receive times, deterministic for a given seed.\n\n"
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
  if (config.vessels == 0 || config.vessels > 100'000) {
    std::fprintf(err, "aiswatchd simulate: --vessels must be between 1 and 100000, got %u\n",
                 config.vessels);
    return 2;
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
  std::fflush(out);
  std::fprintf(err, "aiswatchd simulate: %u vessels, %lld minutes: %llu messages in %llu lines\n",
               config.vessels, static_cast<long long>(minutes),
               static_cast<unsigned long long>(summary.messages),
               static_cast<unsigned long long>(summary.lines));
  return 0;
}

}  // namespace aiswatch::app
