#pragma once
// The detection core's metrics for /metrics. The engine counts in plain integers on its own
// thread (detect/engine.h: EngineStats, no atomics on the hot path); the core loop calls
// publish() after each batch, which adds what changed since the last call to the Prometheus
// counters — so a scrape sees figures at most one batch old, and the hot path pays nothing.
//
//   aiswatch_engine_lines_total                       every line pushed into the engine
//   aiswatch_messages_total{type="1".."27"}           decoded AIS messages by message type
//   aiswatch_rejects_total{stage,reason}              framing rejects (stage="framing", reason
//                                                     from nmea::RejectReason) and decode
//                                                     failures (stage="decoding",
//                                                     ais::DecodeStatus)
//   aiswatch_untimed_messages_total                   decoded, but no event time: not tracked
//   aiswatch_tracker_updates_total{outcome}           tracker outcomes (track::UpdateOutcome)
//   aiswatch_vessels_tracked                          vessels in the tracker now
//   aiswatch_alerts_total{type,state}                 alert events (OPEN/UPDATE/CLOSED by type)
//   aiswatch_watermark_seconds                        the event-time watermark (Unix seconds)
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "detect/engine.h"

namespace aiswatch::app {

class EngineMetrics {
 public:
  explicit EngineMetrics(prometheus::Registry& registry);

  void publish(const detect::EngineStats& stats, std::size_t vessels_tracked, int64_t watermark_ms);

 private:
  // A counter and the last total it was brought up to.
  struct Tracked {
    prometheus::Counter* counter = nullptr;
    uint64_t published = 0;
    void bring_to(uint64_t total);
  };

  Tracked lines_;
  Tracked untimed_;
  std::array<Tracked, 28> by_type_;
  std::vector<Tracked> framing_rejects_;
  std::vector<Tracked> decode_failures_;
  std::vector<Tracked> tracker_outcomes_;
  std::array<std::array<Tracked, detect::AlertCounts::states>, detect::AlertCounts::types> alerts_;
  prometheus::Gauge* vessels_ = nullptr;
  prometheus::Gauge* watermark_ = nullptr;
};

}  // namespace aiswatch::app
