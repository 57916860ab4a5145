#pragma once
// `aiswatchd config check FILE`: loads a `run` configuration as the daemon would (defaults, the
// file, the AISWATCH_* environment) and prints every problem, one per line
// ("aiswatch.yaml:12: kafka.brokers: must not be empty"), or "FILE: valid".
// `aiswatchd config show [FILE]`: the effective configuration as YAML, secrets masked — what the
// daemon echoes at start. `aiswatchd config reference`: docs/configuration.md.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

// Runs the command with its arguments (after "config"); returns the process exit code:
// 0 valid (or printed), 1 invalid configuration, 2 usage error.
int run_config(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
