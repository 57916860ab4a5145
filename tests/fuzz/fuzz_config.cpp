// libFuzzer target over the `aiswatchd run` configuration loader: YAML text as an operator (or a
// broken deployment) could write it, plus AISWATCH_* variables. The input is split at the first
// "\n%%\n" line: before it the YAML file, after it the environment, one NAME=VALUE per line.
//
// Checked on every input: no crash, no sanitizer finding, no exception out of load_config_text;
// every error names where it comes from (the file or an environment variable) and says
// something; a valid configuration obeys the rules the loader enforces (source names, required
// keys, reconnect_min_ms <= reconnect_max_ms), and its echo loads back, without the
// environment, to the same echo.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/config.h"

namespace {

using aiswatch::app::SourceConfig;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_config: invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

aiswatch::app::Environment parse_environment(std::string_view text) {
  aiswatch::app::Environment environment;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    environment[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
  }
  return environment;
}

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view separator = "\n%%\n";
  const std::size_t split = input.find(separator);
  const std::string yaml(input.substr(0, split));
  const auto environment = split == std::string_view::npos
                               ? aiswatch::app::Environment{}
                               : parse_environment(input.substr(split + separator.size()));

  const auto result = aiswatch::app::load_config_text(yaml, "fuzz.yaml", environment);
  for (const auto& error : result.errors) {
    if (error.rfind("fuzz.yaml", 0) != 0 && error.rfind("environment ", 0) != 0) {
      fail("an error that names neither the file nor a variable", error);
    }
    if (error.size() < 12 || error.back() == ' ') fail("an error that says nothing", error);
  }
  if (!result.ok()) return 0;

  const auto& config = result.config;
  for (const auto& source : config.sources) {
    if (!valid_name(source.name)) fail("a source with a bad name", source.name);
    if (source.type != SourceConfig::Type::file && source.port == 0) fail("no port", source.name);
    if (source.type == SourceConfig::Type::tcp && source.host.empty()) fail("no host", source.name);
    if (source.type == SourceConfig::Type::file && source.path.empty())
      fail("no path", source.name);
    if (source.reconnect_min_ms > source.reconnect_max_ms) fail("reconnect order", source.name);
  }
  if (config.kafka.brokers.empty()) fail("empty brokers", "");

  const std::string echo = aiswatch::app::echo_config(config);
  const auto again = aiswatch::app::load_config_text(echo, "fuzz.yaml", {});
  if (!again.ok()) fail("the echo does not load back", echo + "\n" + again.errors.front());
  if (aiswatch::app::echo_config(again.config) != echo) fail("the echo changes on reload", echo);
  return 0;
}
