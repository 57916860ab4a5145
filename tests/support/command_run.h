#pragma once
// Runs an aiswatchd command's entry point (int run_xxx(args, out, err)) in-process with its
// standard output and error captured, for the command tests in tests/unit/app.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::testing {

struct CommandRun {
  int code = 0;
  std::string out, err;
};

using CommandEntry = int (*)(const std::vector<std::string>&, std::FILE*, std::FILE*);

// Reads a temporary file from its start and closes it.
std::string read_and_close(std::FILE* file);

CommandRun run_command(CommandEntry command, const std::vector<std::string>& args);

}  // namespace aiswatch::testing
