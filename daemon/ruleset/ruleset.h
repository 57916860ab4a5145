#pragma once
// The rules/ directory as one immutable snapshot: zones (every *.geojson), the watchlist
// (watchlist.csv) and detector thresholds (detectors.yaml). The daemon holds a
// std::shared_ptr<const Ruleset> and swaps in a new one on reload (SIGHUP); detectors keep the
// snapshot they started a batch with, so a reload never changes rules under a running batch.
//
// Loading is start-up work: it may allocate and throw internally, but it reports through
// LoadResult, which carries every problem found (not just the first). Bad rules never start the
// detectors: a result with errors carries no ruleset.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ruleset/load_error.h"
#include "ruleset/thresholds.h"
#include "ruleset/watchlist.h"
#include "ruleset/zones.h"

namespace aiswatch::ruleset {

struct Ruleset {
  ZoneIndex zones;
  Watchlist watchlist;
  Thresholds thresholds;

  // Where it came from, for summaries and logs.
  std::filesystem::path directory;
  std::vector<std::string> zone_files;  // file names, sorted
  bool has_watchlist = false;           // false: watchlist.csv absent, the list is empty
  bool has_detectors = false;           // false: detectors.yaml absent, every default
};

struct LoadResult {
  std::shared_ptr<const Ruleset> ruleset;  // null when there are errors
  LoadErrors errors;
  bool ok() const { return errors.empty(); }
};

inline constexpr const char* watchlist_file_name = "watchlist.csv";
inline constexpr const char* detectors_file_name = "detectors.yaml";

// Loads and validates a rules directory. Zone files are read in name order, so ids and messages
// are the same on every run. An empty directory is valid: no zones, no watchlist, defaults.
LoadResult load_ruleset(const std::filesystem::path& directory);

}  // namespace aiswatch::ruleset
