// Tracking stage benchmarks (Google Benchmark): update throughput on generated traffic, the cost
// of a neighbour query, and bytes per tracked vessel at one million vessels. The allocation
// counter (alloc_counter.cpp) is linked in, so update cases report heap allocations per message
// in steady state as allocs_per_msg (the target is 0).
//
// Targets (issue 3, DESIGN.md): the whole pipeline at 1M messages/s on one core, so
// Tracker::update well under 500 ns; at most 2 KB per tracked vessel with 1M vessels.
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "alloc_counter.h"
#include "track/tracker.h"

namespace {

using namespace aiswatch;

constexpr int64_t t0 = 1'700'000'000'000;
constexpr double circle_deg = 0.005;  // each vessel steams round a 550 m circle at about 11 kn

// Generated traffic: `vessels` Class A ships spread on a 1000-column lattice over the oceans,
// each reporting every 10 s (ITU-R M.1371-5 Annex 1, Table 1: 10 s at 0-14 kn), 60 reports a
// lap. Message k is vessel k % vessels, its (k / vessels)-th report.
class Traffic {
 public:
  explicit Traffic(uint32_t vessels) : vessels_(vessels) {
    for (std::size_t i = 0; i < angles_.size(); ++i) {
      const double a = 2.0 * track::pi * static_cast<double>(i) / 60.0;
      angles_[i] = {circle_deg * std::sin(a), circle_deg * std::cos(a)};
    }
    auto& p = message_.emplace<ais::PositionReport>();
    p.header.type = 1;
    p.status = 0;
    p.heading = 90;
  }
  // The k-th message, built in place (a handful of stores), and its event time.
  const ais::Message& at(uint64_t k, int64_t& t) {
    const auto v = static_cast<uint32_t>(k % vessels_);
    const uint64_t step = k / vessels_;
    auto& p = std::get<ais::PositionReport>(message_);
    p.header.mmsi = 200'000'000 + v;
    const auto& d = angles_[step % 60];
    p.lat = -60.0 + static_cast<double>(v % 1'000) * 0.12 + d[0];
    p.lon = -179.0 + static_cast<double>(v / 1'000) * 0.35 + d[1];
    p.speed = 11.0;
    p.course = static_cast<double>(step % 60) * 6.0;
    p.second = static_cast<uint8_t>(step % 60);
    t = t0 + static_cast<int64_t>(k * 10'000 / vessels_);
    return message_;
  }

 private:
  uint32_t vessels_;
  std::array<std::array<double, 2>, 60> angles_{};
  ais::Message message_;
};

// Steady state: every vessel already known; one update per iteration.
void BM_update(benchmark::State& state) {
  const auto vessels = static_cast<uint32_t>(state.range(0));
  // Mode 1: each message also arrives from a second station (de-duplication path). Mode 2:
  // the MMSI of the next message is prefetched (Tracker::prefetch), as a pipeline that decodes
  // one message ahead can.
  const bool copies = state.range(1) == 1;
  const bool prefetch = state.range(1) == 2;
  track::TrackerConfig config;
  config.expected_vessels = vessels;
  track::Tracker tracker(config);
  Traffic traffic(vessels);
  uint64_t k = 0;
  int64_t t = 0;
  for (uint64_t i = 0; i < 2ull * vessels; ++i, ++k) {
    const ais::Message& m = traffic.at(k, t);  // sets t: not in the same call's arguments
    tracker.update(m, t, "a");
  }
  const uint64_t allocations_before = bench::allocation_count();
  uint64_t messages = 0;
  for (auto _ : state) {
    const ais::Message& m = traffic.at(k++, t);
    if (prefetch) tracker.prefetch(200'000'000 + static_cast<uint32_t>(k % vessels));
    benchmark::DoNotOptimize(tracker.update(m, t, "a"));
    ++messages;
    if (copies) {
      benchmark::DoNotOptimize(tracker.update(m, t + 40, "b"));
      ++messages;
    }
  }
  const uint64_t allocations = bench::allocation_count() - allocations_before;
  state.SetItemsProcessed(static_cast<int64_t>(messages));
  state.counters["msgs_per_s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.counters["ns_per_msg"] = benchmark::Counter(
      static_cast<double>(messages), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_msg"] =
      static_cast<double>(allocations) / static_cast<double>(messages ? messages : 1);
  state.counters["duplicates"] =
      static_cast<double>(tracker.stats()[track::UpdateOutcome::duplicate]);
  state.counters["implausible"] =
      static_cast<double>(tracker.stats()[track::UpdateOutcome::implausible_kept_aside]);
  state.counters["vessels"] = static_cast<double>(tracker.size());
}
BENCHMARK(BM_update)
    ->Args({1'000, 0})
    ->Args({20'000, 0})
    ->Args({20'000, 1})
    ->Args({20'000, 2})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 2});

// A rendezvous detector's question: who is within 500 m of this vessel.
void BM_neighbours_500m(benchmark::State& state) {
  const auto vessels = static_cast<uint32_t>(state.range(0));
  track::Tracker tracker;
  Traffic traffic(vessels);
  int64_t t = 0;
  for (uint64_t k = 0; k < vessels; ++k) {
    const ais::Message& m = traffic.at(k, t);
    tracker.update(m, t);
  }
  uint64_t found = 0, q = 0;
  for (auto _ : state) {
    const track::VesselState* v = tracker.find(200'000'000 + static_cast<uint32_t>(q++ % vessels));
    tracker.for_each_neighbour(v->position->lat, v->position->lon, 500.0,
                               [&](const track::VesselState&, double) { ++found; });
  }
  state.counters["found_per_query"] = static_cast<double>(found) / static_cast<double>(q);
}
BENCHMARK(BM_neighbours_500m)->Arg(20'000);

// The same question in a crowded roadstead: `vessels` ships at rest in a 0.2 x 0.2 degree box
// (22 km square; 2000 ships is about 4 per square kilometre, denser than Singapore's eastern
// anchorages), so a 500 m circle holds a handful and its 3 x 3 cells a few hundred.
void BM_neighbours_500m_anchorage(benchmark::State& state) {
  const auto vessels = static_cast<uint32_t>(state.range(0));
  track::Tracker tracker;
  ais::PositionReport p;
  p.header.type = 1;
  p.speed = 0.0;
  uint64_t x = 88'172'645'463'325'252ULL;  // xorshift64: deterministic positions
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<double>(x >> 11) / 9007199254740992.0;
  };
  for (uint32_t v = 0; v < vessels; ++v) {
    p.header.mmsi = 200'000'000 + v;
    p.lat = 1.2 + 0.2 * next();
    p.lon = 103.9 + 0.2 * next();
    tracker.update(p, t0);
  }
  uint64_t found = 0, q = 0;
  for (auto _ : state) {
    const track::VesselState* v = tracker.find(200'000'000 + static_cast<uint32_t>(q++ % vessels));
    tracker.for_each_neighbour(v->position->lat, v->position->lon, 500.0,
                               [&](const track::VesselState&, double) { ++found; });
  }
  state.counters["found_per_query"] = static_cast<double>(found) / static_cast<double>(q);
}
BENCHMARK(BM_neighbours_500m_anchorage)->Arg(2'000);

std::size_t resident_bytes() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Bytes per tracked vessel: a tracker grown (not reserved) to `vessels` vessels, each with a
// full track, static and voyage data and two sources. Reports the tracker's own accounting of
// its tables (capacity, so vector slack counts) and the growth of resident memory.
void BM_memory(benchmark::State& state) {
  const auto vessels = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    const std::size_t rss_before = resident_bytes();
    track::Tracker tracker;
    Traffic traffic(vessels);
    int64_t t = 0;
    // Enough reports that every vessel's track is full (max_history_points, 16 by default).
    const uint64_t per_vessel = tracker.config().max_history_points;
    for (uint64_t k = 0; k < per_vessel * vessels; ++k) {
      const ais::Message& m = traffic.at(k, t);
      tracker.update(m, t, (k & 1) ? "terrestrial" : "satellite");
    }
    ais::StaticVoyageData s;
    s.header.type = 5;
    s.shipname.length = 20;
    s.destination.length = 20;
    s.callsign.length = 7;
    s.imo = 9'000'000;
    s.draught = 7.5;
    for (uint32_t v = 0; v < vessels; ++v) {
      s.header.mmsi = 200'000'000 + v;
      tracker.update(s, t);
    }
    const std::size_t rss_after = resident_bytes();
    state.counters["vessels"] = static_cast<double>(tracker.size());
    state.counters["bytes_per_vessel"] =
        static_cast<double>(tracker.memory_bytes()) / static_cast<double>(tracker.size());
    state.counters["rss_bytes_per_vessel"] =
        static_cast<double>(rss_after - rss_before) / static_cast<double>(tracker.size());
    state.counters["sizeof_vessel_state"] = static_cast<double>(sizeof(track::VesselState));
  }
}
BENCHMARK(BM_memory)->Arg(10'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
