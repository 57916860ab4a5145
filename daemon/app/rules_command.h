#pragma once
// `aiswatchd rules check DIR`: loads a rules directory as the daemon would and prints every
// problem ("zones.geojson: feature 3 (id=x): self-intersecting polygon") or, when it is valid, a
// summary of what was loaded. `aiswatchd rules defaults`: the default detectors.yaml, documented.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

// Runs the command with its arguments (after "rules"); returns the process exit code:
// 0 valid (or defaults printed), 1 invalid rules, 2 usage error.
int run_rules(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
