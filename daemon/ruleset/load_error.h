#pragma once
// One problem found while loading rules/: which file, where in it, and what is wrong. Loading
// collects every problem rather than stopping at the first, so an operator fixes a file in one go.
#include <cstddef>
#include <string>
#include <vector>

namespace aiswatch::ruleset {

struct LoadError {
  std::string file;      // file name as the operator knows it, e.g. "zones.geojson"
  std::size_t line = 0;  // 1-based line in the file, 0 when the problem has no line (GeoJSON)
  std::string where;     // "feature 3 (id=nampo)", "rendezvous.max_distance_m", or empty
  std::string message;   // "self-intersecting polygon"

  // "zones.geojson: feature 3 (id=nampo): self-intersecting polygon",
  // "watchlist.csv:7: imo 1234567 fails its check digit".
  std::string to_string() const;
};

using LoadErrors = std::vector<LoadError>;

}  // namespace aiswatch::ruleset
