#include "app/sample_feed.h"

#include <chrono>
#include <optional>
#include <utility>

#include "io/log.h"
#include "nmea/framer.h"
#include "sim/watch_zones.h"

namespace aiswatch::app {

sim::TrafficConfig sample_traffic(const SampleFeedConfig& config, const ruleset::Ruleset& rules) {
  sim::TrafficConfig traffic;
  traffic.seed = 7;
  traffic.start_time_s = config.start_time_s;
  traffic.duration_s = static_cast<int64_t>(config.minutes) * 60;
  traffic.rendezvous = 1;
  traffic.dark_periods = 1;
  sim::use_watch_zones(rules, traffic);
  traffic.zone_crossings = traffic.watch_zone_ids.empty() ? 0 : 1;
  return traffic;
}

SampleFeeder::SampleFeeder(RecordProducer& producer, std::string topic, SampleFeedConfig config,
                           std::shared_ptr<const ruleset::Ruleset> rules,
                           std::function<uint64_t()> processed_lines)
    : producer_(producer),
      topic_(std::move(topic)),
      config_(config),
      rules_(std::move(rules)),
      processed_lines_(std::move(processed_lines)) {}

SampleFeeder::~SampleFeeder() { stop(); }

void SampleFeeder::start() {
  thread_ = std::thread([this] { run(); });
}

void SampleFeeder::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void SampleFeeder::run() {
  using Clock = std::chrono::steady_clock;
  const sim::TrafficConfig traffic = sample_traffic(config_, *rules_);
  const auto wall_start = Clock::now();
  const int64_t sim_start_ms = traffic.start_time_s * 1000;
  const auto tick = std::chrono::milliseconds(10);
  const Headers no_headers;
  std::string record;
  uint64_t record_lines = 0;
  uint64_t sent = 0;

  auto send = [&] {
    if (record.empty()) return;
    if (!producer_.produce(topic_, "sample", record, no_headers)) {
      io::log::warn_limited("sample", "sample feed record refused by the producer");
    }
    sent += record_lines;
    lines_sent_ = sent;
    record.clear();
    record_lines = 0;
  };
  // Waits until the line due at `due_ms` (simulated) may go, sending what is pending first.
  // False when stopped meanwhile.
  auto wait_until_due = [&](int64_t due_ms) {
    const auto due =
        wall_start + std::chrono::microseconds(static_cast<int64_t>(
                         static_cast<double>(due_ms - sim_start_ms) * 1000.0 / config_.speed));
    while (Clock::now() < due ||
           sent + record_lines > processed_lines_() + config_.max_ahead_lines) {
      if (stop_) return false;
      send();
      std::this_thread::sleep_for(tick);
    }
    return true;
  };

  std::optional<int64_t> last_time_ms;
  // The simulator has no way to stop early; after stop() it runs on (about a second for the
  // default feed) with every line ignored.
  const sim::TrafficSummary summary = sim::simulate_traffic(traffic, [&](std::string_view line) {
    if (stop_) return;
    const std::optional<int64_t> time_ms = nmea::tag_block_time_ms(line);
    if (time_ms && (!last_time_ms || *time_ms > *last_time_ms)) {
      if (!wait_until_due(*time_ms)) return;
      last_time_ms = time_ms;
    }
    record.append(line);
    record += '\n';
    ++record_lines;
    if (record.size() >= (64u << 10)) send();
  });
  if (!stop_) {
    send();
    io::log::info("sample", "sample feed sent",
                  {{"lines", std::to_string(sent)},
                   {"vessels", std::to_string(summary.vessels)},
                   {"planted_events", std::to_string(summary.truth.size())}});
  }
  finished_ = true;
}

}  // namespace aiswatch::app
