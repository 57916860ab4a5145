#include "ruleset/ruleset.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace aiswatch::ruleset {
namespace {

bool read_file(const std::filesystem::path& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return false;
  text = std::move(buffer).str();
  return true;
}

}  // namespace

LoadResult load_ruleset(const std::filesystem::path& directory) {
  LoadResult result;
  auto ruleset = std::make_shared<Ruleset>();
  ruleset->directory = directory;
  const std::string dir_name = directory.string();
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    result.errors.push_back(LoadError{dir_name, 0, "", "not a directory"});
    return result;
  }
  const auto cannot_read = [&](const std::string& name) {
    result.errors.push_back(LoadError{name, 0, "", "cannot be read"});
  };

  std::vector<std::string> zone_files;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".geojson" && !it->is_directory(ec)) {
      zone_files.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    result.errors.push_back(LoadError{dir_name, 0, "", "cannot be listed: " + ec.message()});
    return result;
  }
  std::sort(zone_files.begin(), zone_files.end());
  ZoneIndexBuilder zones;
  for (const auto& name : zone_files) {
    std::string text;
    if (!read_file(directory / name, text)) {
      cannot_read(name);
      continue;
    }
    zones.add_file(name, text, result.errors);
  }
  ruleset->zones = std::move(zones).build();
  ruleset->zone_files = std::move(zone_files);

  const auto watchlist_path = directory / watchlist_file_name;
  if (std::filesystem::exists(watchlist_path, ec)) {
    ruleset->has_watchlist = true;
    std::string text;
    if (read_file(watchlist_path, text)) {
      ruleset->watchlist = Watchlist::parse(watchlist_file_name, text, result.errors);
    } else {
      cannot_read(watchlist_file_name);
    }
  }

  const auto detectors_path = directory / detectors_file_name;
  if (std::filesystem::exists(detectors_path, ec)) {
    ruleset->has_detectors = true;
    std::string text;
    if (read_file(detectors_path, text)) {
      ruleset->thresholds = Thresholds::parse(detectors_file_name, text, result.errors);
    } else {
      cannot_read(detectors_file_name);
    }
  }

  if (result.errors.empty()) result.ruleset = std::move(ruleset);
  return result;
}

}  // namespace aiswatch::ruleset
