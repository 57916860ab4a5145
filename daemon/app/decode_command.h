#pragma once
// `aiswatchd decode [FILE...]`: raw NMEA in, one gpsd-style JSON object per decoded AIS message
// out, counts by message type and by reject reason on standard error at the end.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

// Runs the command with its arguments (after "decode"); returns the process exit code:
// 0 when every input was read (malformed lines are counted, not failures), 1 when an input
// could not be read, 2 on a usage error.
int run_decode(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
