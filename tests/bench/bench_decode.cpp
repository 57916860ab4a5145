// Throughput of the framing and decoding stages (Google Benchmark). See README.md for the targets
// and how to run; the allocation counter (alloc_counter.cpp) is linked in, so every case reports
// heap allocations per message after warm-up as the counter allocs_per_msg.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ais/json.h"
#include "alloc_counter.h"
#include "frame_decode.h"
#include "inputs.h"

namespace {

using namespace aiswatch;

// 4096 lines (about 200 kB) stay in L2 and are enough MMSIs and positions that branch
// prediction cannot learn the input.
const std::vector<std::string>& position_lines() {
  static const std::vector<std::string> lines = bench::make_position_lines(4096);
  return lines;
}

// Runs `per_line` over `lines` once untimed (warm-up: buffers reach their working size), then
// for the benchmark's iterations, and reports lines/s, messages/s and allocations per message.
template <class PerLine>
void run_lines(benchmark::State& state, const std::vector<std::string>& lines, PerLine&& per_line,
               const uint64_t& messages) {
  for (const std::string& line : lines) per_line(line);
  const uint64_t messages_before = messages;
  const uint64_t allocations_before = bench::allocation_count();
  for (auto _ : state) {
    for (const std::string& line : lines) per_line(line);
  }
  const uint64_t allocations = bench::allocation_count() - allocations_before;
  const uint64_t produced = messages - messages_before;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.counters["msgs_per_s"] =
      benchmark::Counter(static_cast<double>(produced), benchmark::Counter::kIsRate);
  state.counters["allocs_per_msg"] =
      produced == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(produced);
}

void BM_frame_only(benchmark::State& state) {
  nmea::Framer framer;
  nmea::Payload payload;
  uint64_t payloads = 0;
  run_lines(
      state, position_lines(),
      [&](const std::string& line) {
        if (framer.push(line, payload) == nmea::LineOutcome::payload) ++payloads;
        benchmark::DoNotOptimize(payload);
      },
      payloads);
}
BENCHMARK(BM_frame_only);

// ais::decode alone on the payloads of the same lines (framed once, before timing): with
// BM_frame_only, says which stage the position path spends its time in.
void BM_decode_only(benchmark::State& state) {
  struct Framed {
    std::string armored;
    uint8_t fill_bits;
  };
  std::vector<Framed> payloads;
  {
    nmea::Framer framer;
    nmea::Payload payload;
    for (const std::string& line : position_lines()) {
      if (framer.push(line, payload) == nmea::LineOutcome::payload) {
        payloads.push_back({std::string(payload.armored), payload.fill_bits});
      }
    }
  }
  ais::Message message;
  uint64_t decoded = 0;
  for (const Framed& p : payloads) {  // warm-up
    if (ais::decode(p.armored, p.fill_bits, message) == ais::DecodeStatus::ok) ++decoded;
  }
  const uint64_t decoded_before = decoded;
  const uint64_t allocations_before = bench::allocation_count();
  for (auto _ : state) {
    for (const Framed& p : payloads) {
      if (ais::decode(p.armored, p.fill_bits, message) == ais::DecodeStatus::ok) ++decoded;
      benchmark::DoNotOptimize(message);
    }
  }
  const uint64_t allocations = bench::allocation_count() - allocations_before;
  const uint64_t produced = decoded - decoded_before;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * payloads.size()));
  state.counters["allocs_per_msg"] =
      produced == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(produced);
}

BENCHMARK(BM_decode_only);

void BM_frame_decode_position(benchmark::State& state) {
  bench::FrameDecode path;
  run_lines(
      state, position_lines(),
      [&](const std::string& line) {
        path.push(line);
        benchmark::DoNotOptimize(path.message);
      },
      path.decoded);
  if (path.decoded == 0) state.SkipWithError("no position report decoded");
}
BENCHMARK(BM_frame_decode_position);

void BM_frame_decode_mix(benchmark::State& state) {
  std::string error;
  static const std::vector<std::string> lines =
      bench::load_capture_lines(AISWATCH_SHARED_DATA_DIR, &error);
  if (lines.empty()) {
    state.SkipWithError(("shared captures not found: " + error).c_str());
    return;
  }
  bench::FrameDecode path;
  run_lines(
      state, lines,
      [&](const std::string& line) {
        path.push(line);
        benchmark::DoNotOptimize(path.message);
      },
      path.decoded);
}
BENCHMARK(BM_frame_decode_mix)->Unit(benchmark::kMillisecond);

// Decode and gpsd-style JSON line for each message of the real captures: what `aiswatchd decode`
// does per line, minus the write to stdout.
void BM_json(benchmark::State& state) {
  std::string error;
  static const std::vector<std::string> lines =
      bench::load_capture_lines(AISWATCH_SHARED_DATA_DIR, &error);
  if (lines.empty()) {
    state.SkipWithError(("shared captures not found: " + error).c_str());
    return;
  }
  bench::FrameDecode path;
  std::string json;
  json.reserve(4096);
  uint64_t bytes = 0;
  run_lines(
      state, lines,
      [&](const std::string& line) {
        if (!path.push(line)) return;
        json.clear();
        ais::append_json(json, path.message, path.payload);
        json.push_back('\n');
        bytes += json.size();
        benchmark::DoNotOptimize(json.data());
      },
      path.decoded);
  if (path.decoded > 0) {  // warm-up included: an average, not a rate
    state.counters["json_bytes_per_msg"] =
        static_cast<double>(bytes) / static_cast<double>(path.decoded);
  }
}
BENCHMARK(BM_json)->Unit(benchmark::kMillisecond);

// The same on the generated position reports.
void BM_json_position(benchmark::State& state) {
  bench::FrameDecode path;
  std::string json;
  json.reserve(4096);
  run_lines(
      state, position_lines(),
      [&](const std::string& line) {
        if (!path.push(line)) return;
        json.clear();
        ais::append_json(json, path.message, path.payload);
        benchmark::DoNotOptimize(json.data());
      },
      path.decoded);
}
BENCHMARK(BM_json_position);

}  // namespace

BENCHMARK_MAIN();
