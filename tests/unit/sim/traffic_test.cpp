#include "sim/traffic.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ais/decoder.h"
#include "nmea/framer.h"

namespace aiswatch::sim {
namespace {

std::vector<std::string> run(const TrafficConfig& config) {
  std::vector<std::string> lines;
  simulate_traffic(config, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

TEST(Traffic, SameSeedSameFeedByteForByte) {
  TrafficConfig config;
  config.duration_s = 120;
  EXPECT_EQ(run(config), run(config));
  TrafficConfig other = config;
  other.seed = 2;
  EXPECT_NE(run(config), run(other));
}

TEST(Traffic, EveryLineFramesAndDecodesWithTagBlockTimesInOrder) {
  TrafficConfig config;
  config.duration_s = 900;  // long enough for static data of every vessel
  const auto lines = run(config);
  ASSERT_FALSE(lines.empty());

  nmea::Framer framer;
  std::map<int, int> by_type;
  std::set<uint32_t> vessels;
  int64_t last_time_ms = 0;
  for (const auto& line : lines) {
    nmea::Payload payload;
    const auto outcome = framer.push(line, payload);
    ASSERT_NE(outcome, nmea::LineOutcome::rejected) << line;
    if (outcome != nmea::LineOutcome::payload) continue;
    ASSERT_TRUE(payload.event_time_ms.has_value()) << line;
    EXPECT_EQ(payload.tag_source, "sim1");
    EXPECT_GE(*payload.event_time_ms, last_time_ms) << "receive times go back at " << line;
    last_time_ms = *payload.event_time_ms;
    ais::Message message;
    ASSERT_EQ(ais::decode(payload.armored, payload.fill_bits, message), ais::DecodeStatus::ok)
        << line;
    const auto& header = ais::header_of(message);
    ++by_type[header.type];
    if (header.type != 4) vessels.insert(header.mmsi);
    if (const auto* report = std::get_if<ais::PositionReport>(&message)) {
      ASSERT_TRUE(report->lat && report->lon);
      EXPECT_NEAR(*report->lat, 38.7, 0.75);
      EXPECT_NEAR(*report->lon, 124.3, 0.75);
    }
  }
  EXPECT_EQ(framer.stats().rejected_total(), 0u);
  EXPECT_EQ(vessels.size(), config.vessels);
  EXPECT_GT(by_type[1], 0);
  EXPECT_GT(by_type[4], 0);
  EXPECT_GT(by_type[5], 0);
  EXPECT_GT(by_type[18], 0);
  EXPECT_GT(by_type[24], 0);
  EXPECT_EQ(last_time_ms / 1000, config.start_time_s + config.duration_s - 1);
}

}  // namespace
}  // namespace aiswatch::sim
