#include "support/command_run.h"

namespace aiswatch::testing {

std::string read_and_close(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  std::fclose(file);
  return text;
}

CommandRun run_command(CommandEntry command, const std::vector<std::string>& args) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  CommandRun result;
  result.code = command(args, out, err);
  result.out = read_and_close(out);
  result.err = read_and_close(err);
  return result;
}

}  // namespace aiswatch::testing
