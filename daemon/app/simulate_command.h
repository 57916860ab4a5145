#pragma once
// `aiswatchd simulate`: writes a deterministic simulated AIS feed (NMEA 4.0 with tag blocks) to
// standard output — the sample feed aiswatch runs on out of the box.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

int run_simulate(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
