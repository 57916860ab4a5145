#include "app/config_command.h"

#include "app/config.h"

namespace aiswatch::app {
namespace {

constexpr const char* usage =
    "usage: aiswatchd config check FILE    validate a run configuration (YAML) with the\n"
    "                                      AISWATCH_* environment applied; print each problem.\n"
    "                                      Exit 0 valid, 1 invalid.\n"
    "       aiswatchd config show [FILE]   print the effective configuration (defaults, FILE,\n"
    "                                      environment) as YAML, secrets masked\n"
    "       aiswatchd config reference     print the reference of every key (markdown,\n"
    "                                      docs/configuration.md)\n";

int print_errors(const std::string& what, const ConfigResult& result, std::FILE* err) {
  // FILE:LINE: and "environment VAR:" prefixes: the form editors and grep understand.
  for (const auto& error : result.errors) std::fprintf(err, "%s\n", error.c_str());
  std::fprintf(err, "aiswatchd config: %s: %zu error(s)\n", what.c_str(), result.errors.size());
  return 1;
}

}  // namespace

int run_config(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(usage, out);
    return 0;
  }
  if (args.size() == 1 && args[0] == "reference") {
    std::fputs(config_reference_markdown().c_str(), out);
    return 0;
  }
  if (args.size() == 2 && args[0] == "check") {
    const auto result = load_config(args[1], process_environment());
    if (!result.ok()) return print_errors(args[1], result, err);
    std::fprintf(out, "%s: valid\n", args[1].c_str());
    return 0;
  }
  if ((args.size() == 1 || args.size() == 2) && args[0] == "show") {
    const std::string path = args.size() == 2 ? args[1] : "";
    const auto result = load_config(path, process_environment());
    if (!result.ok()) return print_errors(path.empty() ? "environment" : path, result, err);
    std::fputs(echo_config(result.config).c_str(), out);
    return 0;
  }
  std::fputs(usage, err);
  return 2;
}

}  // namespace aiswatch::app
