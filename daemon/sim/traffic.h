#pragma once
// A deterministic traffic simulator: vessels moving in a sea area, transmitting what real
// transponders transmit (Class A positions and voyage data, Class B positions and static data,
// base-station reports), written as NMEA 4.0 sentences with tag-block receive times. It makes
// the sample feeds aiswatch ships with and runs on, so the product needs no outside data.
// Same seed, same output, byte for byte.
#include <cstdint>
#include <functional>
#include <string_view>

namespace aiswatch::sim {

struct TrafficConfig {
  uint64_t seed = 1;
  unsigned vessels = 40;
  int64_t start_time_s = 1'767'225'600;  // 2026-01-01T00:00:00Z
  int64_t duration_s = 600;
  // Sea area: the Korea Bay and the approaches to Nampo, where ship-to-ship transfers to North
  // Korean tankers have been documented by the UN Panel of Experts.
  double min_lat = 38.0, max_lat = 39.4;
  double min_lon = 123.6, max_lon = 125.0;
  std::string_view receiver = "sim1";  // tag-block s: of every line
};

struct TrafficSummary {
  uint64_t lines = 0;
  uint64_t messages = 0;
};

// Calls on_line for every NMEA line of the simulated feed, in receive-time order.
TrafficSummary simulate_traffic(const TrafficConfig& config,
                                const std::function<void(std::string_view line)>& on_line);

}  // namespace aiswatch::sim
