#pragma once
// The real captures in shared/data/ais (see shared_data.h), found and read in place: a `.gz`
// capture is decompressed through a gzip pipe, never written to disk or copied into the
// repository. Header-only, so a test executable needs no extra library to use it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace aiswatch::testing {

// Every capture under `dir`, recursively, as paths relative to `dir` in name order (stable
// output): the files that hold NMEA, i.e. not the README, LICENSE and NOTICE files beside them.
inline std::vector<std::string> capture_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const fs::path& p = it->path();
    std::string stem = p.filename().string();
    stem = stem.substr(0, stem.find('.'));
    std::transform(stem.begin(), stem.end(), stem.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (stem == "README" || stem == "LICENSE" || stem == "NOTICE") continue;
    names.push_back(fs::relative(p, dir, ec).generic_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Calls on_line(std::string_view) for every line of the file at `path` with its '\n' removed
// (a '\r' stays, as io::InputFile leaves it for the framer). False when the file cannot be
// opened or is empty.
template <class OnLine>
bool for_each_capture_line(const std::string& path, OnLine&& on_line) {
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  const std::string command = (gz ? "gzip -dc '" : "cat '") + path + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return false;
  char buffer[4096];
  std::string line;
  bool any = false;
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    line += buffer;
    if (line.back() != '\n') continue;  // longer than the buffer, or the last line
    line.pop_back();
    on_line(std::string_view(line));
    any = true;
    line.clear();
  }
  if (!line.empty()) {  // the last line had no newline
    on_line(std::string_view(line));
    any = true;
  }
  return any;
}

}  // namespace aiswatch::testing
