#include "app/rules_command.h"

#include "ruleset/ruleset.h"

namespace aiswatch::app {
namespace {

constexpr const char* usage =
    "usage: aiswatchd rules check DIR    validate a rules directory (zones *.geojson,\n"
    "                                    watchlist.csv, detectors.yaml); print each problem,\n"
    "                                    or a summary of what loaded. Exit 0 valid, 1 invalid.\n"
    "       aiswatchd rules defaults     print the default detectors.yaml with its sources\n";

void print_summary(const ruleset::Ruleset& rules, std::FILE* out) {
  using ruleset::ZoneKind;
  std::fprintf(out, "%s: valid\n", rules.directory.string().c_str());
  const auto& zones = rules.zones;
  std::fprintf(out, "  zones: %zu (watch %zu, port %zu, anchorage %zu, land %zu) from %zu file(s)",
               zones.zones().size(), zones.count(ZoneKind::watch), zones.count(ZoneKind::port),
               zones.count(ZoneKind::anchorage), zones.count(ZoneKind::land),
               rules.zone_files.size());
  for (const auto& file : rules.zone_files) std::fprintf(out, " %s", file.c_str());
  std::fputc('\n', out);
  if (rules.has_watchlist) {
    std::fprintf(out, "  watchlist: %zu entr%s\n", rules.watchlist.size(),
                 rules.watchlist.size() == 1 ? "y" : "ies");
  } else {
    std::fprintf(out, "  watchlist: none (no %s)\n", ruleset::watchlist_file_name);
  }
  const auto changed = rules.thresholds.differences();
  if (!rules.has_detectors) {
    std::fprintf(out, "  detectors: no %s, every threshold at its default\n",
                 ruleset::detectors_file_name);
  } else if (changed.empty()) {
    std::fputs("  detectors: every threshold at its default\n", out);
  } else {
    std::fprintf(out, "  detectors: %zu threshold(s) differ from the defaults:\n", changed.size());
    for (const auto id : changed) {
      const auto& s = ruleset::spec(id);
      std::fprintf(out, "    %s: %s %.*s (default %s)\n", s.path().c_str(),
                   ruleset::format_number(rules.thresholds.value(id)).c_str(),
                   static_cast<int>(s.unit.size()), s.unit.data(),
                   ruleset::format_number(s.default_value).c_str());
    }
  }
}

}  // namespace

int run_rules(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(usage, out);
    return 0;
  }
  if (args.size() == 1 && args[0] == "defaults") {
    std::fputs(ruleset::Thresholds::default_yaml().c_str(), out);
    return 0;
  }
  if (args.size() != 2 || args[0] != "check") {
    std::fputs(usage, err);
    return 2;
  }
  const auto result = ruleset::load_ruleset(args[1]);
  if (!result.ok()) {
    for (const auto& error : result.errors) {
      // FILE:LINE: or FILE: prefixes, relative to DIR: the form editors and grep understand.
      std::fprintf(err, "%s\n", error.to_string().c_str());
    }
    std::fprintf(err, "aiswatchd rules check: %s: %zu error(s)\n", args[1].c_str(),
                 result.errors.size());
    return 1;
  }
  print_summary(*result.ruleset, out);
  return 0;
}

}  // namespace aiswatch::app
