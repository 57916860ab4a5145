// The daemon's checkpoints (app/checkpoint.h): taking the engine's state (the core thread's only
// pause, every checkpoint.interval_s) and restoring it at start, after 40 simulated minutes of
// N vessels near Korea with the shipped rules. Reports the checkpoint's bytes and bytes per
// tracked vessel as counters.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "app/checkpoint.h"
#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace {

using namespace aiswatch;

struct NullSink : alert::AlertSink {
  void on_alert(const aiswatch::v1::Alert&) override {}
};

struct Loaded {
  std::shared_ptr<const ruleset::Ruleset> rules;
  NullSink sink;
  std::unique_ptr<detect::Engine> engine;
};

// One engine per vessel count, built once.
Loaded& loaded(unsigned vessels) {
  static std::map<unsigned, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[vessels];
  if (!slot) {
    slot = std::make_unique<Loaded>();
    slot->rules = ruleset::load_ruleset(AISWATCH_RULES_DIR).ruleset;
    slot->engine = std::make_unique<detect::Engine>(
        slot->rules, detect::make_detectors(*slot->rules), slot->sink);
    sim::TrafficConfig config;
    config.vessels = vessels;
    config.duration_s = 40 * 60;
    config.min_lat = 30, config.max_lat = 40, config.min_lon = 120, config.max_lon = 130;
    sim::simulate_traffic(config,
                          [&](std::string_view line) { slot->engine->push_line(line, "sim"); });
  }
  return *slot;
}

void BM_take(benchmark::State& state) {
  Loaded& l = loaded(static_cast<unsigned>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string file = app::encode_checkpoint({}, *l.engine);
    bytes = file.size();
    benchmark::DoNotOptimize(file.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["bytes_per_vessel"] =
      static_cast<double>(bytes) / static_cast<double>(l.engine->tracker().size());
}
BENCHMARK(BM_take)->Arg(2'000)->Arg(20'000)->Unit(benchmark::kMillisecond);

void BM_restore(benchmark::State& state) {
  Loaded& l = loaded(static_cast<unsigned>(state.range(0)));
  const std::string file = app::encode_checkpoint({}, *l.engine);
  app::DecodedCheckpoint decoded;
  std::string problem;
  if (!app::decode_checkpoint(file, file.size(), decoded, problem)) {
    state.SkipWithError(problem.c_str());
    return;
  }
  for (auto _ : state) {
    NullSink sink;
    detect::Engine engine(l.rules, detect::make_detectors(*l.rules), sink);
    if (!app::restore_engine(engine, file, decoded, problem)) {
      state.SkipWithError(problem.c_str());
      return;
    }
  }
}
BENCHMARK(BM_restore)->Arg(2'000)->Arg(20'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
