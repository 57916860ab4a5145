// libFuzzer target over the rules loaders: GeoJSON zones, watchlist.csv and detectors.yaml, as
// an operator (or a broken deployment) could write them. The input is split at the first two
// "\n---\n" lines into the three files of a rules directory, which is then loaded.
//
// Checked on every input: no crash, no sanitizer finding, no exception out of load_ruleset; a
// result either has a ruleset and no errors or errors and no ruleset, and every error says
// something; a loaded ruleset answers zone queries (including at odd coordinates).
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ruleset/ruleset.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_rules: invariant broken: %s\n", what);
  std::abort();
}

const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "aiswatch-fuzz-rules-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary directory");
    return fs::path(pattern);
  }();
  return dir;
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view separator = "\n---\n";
  const std::size_t first = input.find(separator);
  const std::size_t second =
      first == std::string_view::npos ? first : input.find(separator, first + separator.size());
  const std::string_view zones = input.substr(0, first);
  const std::string_view watchlist =
      first == std::string_view::npos
          ? std::string_view{}
          : input.substr(first + separator.size(),
                         second == std::string_view::npos ? std::string_view::npos
                                                          : second - first - separator.size());
  const std::string_view detectors =
      second == std::string_view::npos ? std::string_view{} : input.substr(second + separator.size());

  const fs::path& dir = work_dir();
  write_file(dir / "zones.geojson", zones);
  write_file(dir / aiswatch::ruleset::watchlist_file_name, watchlist);
  write_file(dir / aiswatch::ruleset::detectors_file_name, detectors);

  const aiswatch::ruleset::LoadResult result = aiswatch::ruleset::load_ruleset(dir);
  if (result.ok() != (result.ruleset != nullptr)) fail("ok() disagrees with the ruleset");
  for (const auto& error : result.errors) {
    if (error.message.empty()) fail("an error with no message");
  }
  if (result.ruleset) {
    for (const auto& [lat, lon] :
         {std::pair{38.7, 125.0}, std::pair{32.5, 120.5}, std::pair{0.0, 0.0},
          std::pair{90.0, 180.0}, std::pair{-90.0, -180.0}, std::pair{std::nan(""), 10.0}}) {
      const auto matches = result.ruleset->zones.zones_containing(lat, lon);
      if (matches.size() > aiswatch::ruleset::ZoneMatches::capacity) fail("too many matches");
      const aiswatch::ruleset::Zone* land = result.ruleset->zones.land_at(lat, lon);
      if (land != nullptr && land->kind != aiswatch::ruleset::ZoneKind::land) fail("land not land");
    }
  }
  return 0;
}
