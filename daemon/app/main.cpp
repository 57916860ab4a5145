// aiswatchd: watches the AIS stream for sanctions evasion at sea. One executable, subcommands.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "app/config_command.h"
#include "app/decode_command.h"
#include "app/replay_command.h"
#include "app/rules_command.h"
#include "app/run_command.h"
#include "app/simulate_command.h"

namespace {

constexpr const char* usage =
    "usage: aiswatchd COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run                the daemon: Kafka and receiver feeds in, alerts to Kafka (with no\n"
    "                     configuration: embedded Kafka and the bundled sample feed)\n"
    "  decode [FILE...]   decode raw AIS NMEA into gpsd-style JSON lines\n"
    "  simulate           write a simulated AIS feed (NMEA with tag blocks)\n"
    "  replay             run the detectors over recorded NMEA, alerts as JSON lines\n"
    "  rules check DIR    validate a rules directory (zones, watchlist, thresholds)\n"
    "  config check FILE  validate a run configuration; also config show, reference\n"
    "  help               show this help\n"
    "  version            show the version\n"
    "\n"
    "Run 'aiswatchd COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "decode") return aiswatch::app::run_decode(args, stdout, stderr);
  if (command == "rules") return aiswatch::app::run_rules(args, stdout, stderr);
  if (command == "run") return aiswatch::app::run_run(args, stdout, stderr);
  if (command == "config") return aiswatch::app::run_config(args, stdout, stderr);
  if (command == "simulate") return aiswatch::app::run_simulate(args, stdout, stderr);
  if (command == "replay") return aiswatch::app::run_replay(args, stdout, stderr);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::puts("aiswatchd " AISWATCH_VERSION);
    return 0;
  }
  std::fprintf(stderr, "aiswatchd: unknown command '%s'\n\n%s", command.c_str(), usage);
  return 2;
}
