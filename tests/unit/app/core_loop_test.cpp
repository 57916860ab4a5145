#include "app/core_loop.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "aiswatch/v1/position_report.pb.h"
#include "alert/json_lines.h"
#include "app/publishers.h"
#include "detect/registry.h"
#include "nmea/framer.h"
#include "sim/traffic.h"

namespace aiswatch::app {
namespace {

class RecordingProducer : public RecordProducer {
 public:
  bool produce(const std::string& topic, std::string_view /*key*/, std::string_view value,
               const Headers& /*headers*/) override {
    topics.push_back(topic);
    values.emplace_back(value);
    return true;
  }
  std::vector<std::string> topics;
  std::vector<std::string> values;
};

class CollectingSink : public alert::AlertSink {
 public:
  void on_alert(const aiswatch::v1::Alert& alert) override { alerts.push_back(alert); }
  std::vector<aiswatch::v1::Alert> alerts;
};

std::shared_ptr<const ruleset::Ruleset> shipped_rules() {
  auto loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(loaded.ok());
  return loaded.ruleset;
}

std::vector<std::string> feed_lines() {
  sim::TrafficConfig traffic;
  traffic.seed = 5;
  traffic.vessels = 6;
  traffic.duration_s = 4 * 3600;
  traffic.rendezvous = 1;
  std::vector<std::string> lines;
  sim::simulate_traffic(traffic, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

// The core loop over batches gives the same alerts as pushing the same lines into an engine
// directly (what replay does), whatever the batching; positions reach the position topic.
TEST(CoreLoop, ProcessesEveryBatchLikeReplayAndPublishesPositions) {
  const auto rules = shipped_rules();
  const std::vector<std::string> lines = feed_lines();

  CollectingSink replay_sink;
  {
    detect::Engine replay(rules, detect::make_detectors(*rules), replay_sink);
    for (const auto& line : lines) replay.push_line(line, "feed");
  }

  CollectingSink sink;
  RecordingProducer producer;
  auto detectors = detect::make_detectors(*rules);
  detectors.push_back(std::make_unique<PositionPublisher>(producer, "aiswatch.positions"));
  detect::Engine engine(rules, std::move(detectors), sink);
  io::BatchQueue queue(64 << 10);  // small: the producer waits for room
  prometheus::Registry registry;
  std::vector<io::KafkaPosition> seen_positions;
  int services = 0;
  CoreHooks hooks;
  hooks.after_batch = [&](const io::LineBatch& batch) {
    for (const auto& p : batch.positions()) seen_positions.push_back(p);
  };
  hooks.service = [&] { ++services; };
  CoreLoopConfig config;
  config.idle_tick = std::chrono::milliseconds(5);
  config.watermark_from_clock = false;  // simulated times are in the past
  CoreLoop core(engine, queue, registry, hooks, config, [] { return int64_t{0}; });

  std::thread source([&] {
    int64_t offset = 0;
    for (std::size_t i = 0; i < lines.size();) {
      io::LineBatch batch("feed");
      for (std::size_t n = 0; n < 97 && i < lines.size(); ++n, ++i) batch.add_line(lines[i], 0);
      batch.positions().push_back(
          {"aiswatch.nmea", 0, offset += static_cast<int64_t>(batch.size())});
      while (!queue.try_push(batch)) queue.wait_for_space(std::chrono::milliseconds(10));
    }
    queue.close();
  });
  core.run();
  source.join();

  EXPECT_EQ(core.lines(), lines.size());
  ASSERT_FALSE(seen_positions.empty());
  EXPECT_EQ(seen_positions.back().next_offset, static_cast<int64_t>(lines.size()));
  EXPECT_GT(services, 0);
  ASSERT_FALSE(replay_sink.alerts.empty()) << "the planted rendezvous should alert";
  ASSERT_EQ(sink.alerts.size(), replay_sink.alerts.size());
  for (std::size_t i = 0; i < sink.alerts.size(); ++i) {
    EXPECT_EQ(alert::to_json_line(sink.alerts[i]), alert::to_json_line(replay_sink.alerts[i]));
  }

  ASSERT_FALSE(producer.values.empty());
  aiswatch::v1::PositionReport report;
  ASSERT_TRUE(report.ParseFromString(producer.values.front()));
  EXPECT_NE(report.mmsi(), 0u);
  EXPECT_GE(report.lat(), 37.0);
  EXPECT_LE(report.lat(), 40.0);
  EXPECT_EQ(report.station().rfind("rx", 0), 0u) << "the tag block's station: " << report.station();
  EXPECT_EQ(producer.topics.front(), "aiswatch.positions");

  const std::string metrics = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(metrics.find("aiswatch_engine_lines_total " + std::to_string(lines.size())),
            std::string::npos)
      << metrics.substr(0, 2000);
  EXPECT_NE(metrics.find("aiswatch_alerts_total{state=\"ALERT_STATE_OPEN\",type=\"ALERT_TYPE_"
                         "RENDEZVOUS\"} "),
            std::string::npos);
  // Latency is counted per line, not per batch.
  EXPECT_NE(
      metrics.find("aiswatch_processing_latency_seconds_count " + std::to_string(lines.size())),
      std::string::npos);
}

TEST(PositionPublisher, StationIsTheTagBlocksElseTheFeedsName) {
  CollectingSink sink;
  RecordingProducer producer;
  std::vector<std::unique_ptr<detect::Detector>> detectors;
  detectors.push_back(std::make_unique<PositionPublisher>(producer, "aiswatch.positions"));
  detect::Engine engine(shipped_rules(), std::move(detectors), sink);
  const std::string sentence = "!AIVDM,1,1,,B,16ks:rP000`pauhEwEV:@gv00>2d,0*5C";
  engine.push_line("\\c:1767225600,s:rx2*00\\" + sentence, "tcp-feed");
  engine.push_line(sentence, "tcp-feed", int64_t{1'767'225'660'000});
  ASSERT_EQ(producer.values.size(), 2u);
  aiswatch::v1::PositionReport report;
  ASSERT_TRUE(report.ParseFromString(producer.values[0]));
  EXPECT_EQ(report.station(), "rx2");
  ASSERT_TRUE(report.ParseFromString(producer.values[1]));
  EXPECT_EQ(report.station(), "tcp-feed");
}

// One report at t0 processed when the clock reads t0 + behind_ms, then nothing while the clock
// reads t0 + idle_clock_ms: the watermark the loop leaves, relative to t0.
int64_t watermark_after_idle(int64_t behind_ms, int64_t idle_clock_ms, int& ticks) {
  const auto rules = shipped_rules();
  CollectingSink sink;
  detect::Engine engine(rules, detect::make_detectors(*rules), sink);
  io::BatchQueue queue;
  prometheus::Registry registry;
  const int64_t t0_ms = 1'767'225'600'000;
  const std::string tag = "s:test,c:1767225600";
  const std::string sentence = "AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0";
  char line[160];
  std::snprintf(line, sizeof line, "\\%s*%02X\\!%s*%02X", tag.c_str(), nmea::nmea_checksum(tag),
                sentence.c_str(), nmea::nmea_checksum(sentence));
  io::LineBatch batch("feed");
  batch.add_line(line, t0_ms);
  EXPECT_TRUE(queue.try_push(batch));
  ticks = 0;
  CoreHooks hooks;
  hooks.done = [&] { return ++ticks >= 3; };
  CoreLoopConfig config;
  config.idle_tick = std::chrono::milliseconds(1);
  // process() reads the clock twice (liveness, latency); then the idle ticks read it.
  int calls = 0;
  CoreLoop core(engine, queue, registry, hooks, config,
                [&] { return ++calls <= 2 ? t0_ms + behind_ms : t0_ms + idle_clock_ms; });
  core.run();
  EXPECT_EQ(core.lines(), 1u);
  EXPECT_EQ(engine.stats().messages, 1u) << line;
  return engine.watermark() - t0_ms;
}

TEST(CoreLoop, ReturnsWhenDoneSaysSoAndTheClockMovesALiveInputsWatermarkWhenIdle) {
  int ticks = 0;
  const int64_t ten_minutes_ms = 600'000;
  const int64_t moved_to = watermark_after_idle(0, ten_minutes_ms, ticks);
  EXPECT_GE(ticks, 3);
  EXPECT_GT(moved_to, 0) << "the idle clock moved the watermark past the last event";
  EXPECT_LE(moved_to, ten_minutes_ms);
}

TEST(CoreLoop, TheClockDoesNotMoveTheWatermarkOfARecording) {
  int ticks = 0;
  // The recording's last event is a day behind the clock: not live.
  const int64_t day_ms = 24 * 3'600'000LL;
  const int64_t moved_to = watermark_after_idle(day_ms, day_ms + 600'000, ticks);
  EXPECT_LE(moved_to, 0) << "a recording is judged in its own event time";
}

}  // namespace
}  // namespace aiswatch::app
