#pragma once
// The main job's bundled sample feed: simulated traffic in the Korea Bay (daemon/sim) produced
// into the input topic, so that `aiswatchd run` with nothing configured shows what it does within
// its first minutes — a ship-to-ship transfer, a dark period, a geofence entry — on the real
// daemon path (Kafka in, detectors, Kafka out).
//
// Decisions:
//  - The simulated clock starts at the wall clock (rounded down to the minute) and runs `speed`
//    times faster (default 600: 12 simulated hours in 72 s), so event times are "live": the
//    daemon's clock-driven watermark never overtakes them.
//  - Lines are paced by their tag-block receive times and sent every 10 ms as one record holding
//    every line due (records of several NMEA lines are a supported input form), all with the key
//    "sample": one partition, so the consumer sees them in the order the simulated network
//    delivered them, and the run is the same as `aiswatchd replay` of the same lines.
//  - Back-pressure: the embedded broker keeps at most 5 MiB per partition and drops the oldest;
//    the feeder never runs more than `max_ahead_lines` ahead of what the core has processed, so
//    nothing is dropped.
// The feed is made here (the simulator), not read from a file: the product ships no data files.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "app/publishers.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace aiswatch::app {

struct SampleFeedConfig {
  int minutes = 720;
  double speed = 600.0;
  int64_t start_time_s = 0;
  uint64_t max_ahead_lines = 50'000;  // about 3.5 MB of NMEA: under the 5 MiB partition limit
};

// The simulated scene: background traffic plus one rendezvous, one dark period and one ship
// crossing into a watch zone of `rules` (a Korea Bay zone in the shipped rules).
sim::TrafficConfig sample_traffic(const SampleFeedConfig& config, const ruleset::Ruleset& rules);

class SampleFeeder {
 public:
  // `processed_lines` tells how many input lines the core has processed (for back-pressure).
  SampleFeeder(RecordProducer& producer, std::string topic, SampleFeedConfig config,
               std::shared_ptr<const ruleset::Ruleset> rules,
               std::function<uint64_t()> processed_lines);
  ~SampleFeeder();
  SampleFeeder(const SampleFeeder&) = delete;
  SampleFeeder& operator=(const SampleFeeder&) = delete;

  void start();
  void stop();  // returns when the thread has ended
  bool finished() const { return finished_.load(); }
  uint64_t lines_sent() const { return lines_sent_.load(); }

 private:
  void run();

  RecordProducer& producer_;
  std::string topic_;
  SampleFeedConfig config_;
  std::shared_ptr<const ruleset::Ruleset> rules_;
  std::function<uint64_t()> processed_lines_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> lines_sent_{0};
  std::thread thread_;
};

}  // namespace aiswatch::app
