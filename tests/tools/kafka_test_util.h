#pragma once
// Shared by the Kafka tests in tests/unit/io/kafka_*_test.cpp: drive one io_context and one
// BatchQueue from the test thread (the thread that runs the loop, as the daemon's I/O thread
// would) and collect what a KafkaSource hands over, with deadlines instead of sleeps.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>

#include "io/batch_queue.h"
#include "io/kafka/config.h"
#include "io/kafka/producer.h"
#include "support/metrics.h"

namespace aiswatch::testing {

// What the core would have received.
struct Collected {
  std::vector<std::string> lines;
  std::vector<int64_t> arrival_ms;
  std::size_t batches = 0;
  // The latest position seen per (topic, partition).
  std::map<std::pair<std::string, int32_t>, int64_t> positions;
  std::vector<io::KafkaPosition> all_positions() const {
    std::vector<io::KafkaPosition> out;
    for (const auto& [key, offset] : positions) out.push_back({key.first, key.second, offset});
    return out;
  }
};

inline void take(io::LineBatch& batch, Collected& into) {
  ++into.batches;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    into.lines.emplace_back(batch.line(i));
    into.arrival_ms.push_back(batch.arrival_ms(i));
  }
  for (const auto& position : batch.positions()) {
    auto& offset = into.positions[{position.topic, position.partition}];
    offset = std::max(offset, position.next_offset);
  }
}

// Runs the loop in short slices and drains the queue into `into` until `done()` or the
// deadline; true when done. `per_turn` bounds the batches taken per slice (a slow core).
inline bool run_until(boost::asio::io_context& io, io::BatchQueue& queue, Collected& into,
                      const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10),
                      std::size_t per_turn = SIZE_MAX) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(2));
    for (std::size_t taken = 0; taken < per_turn; ++taken) {
      auto batch = queue.pop(std::chrono::milliseconds(0));
      if (!batch) break;
      take(*batch, into);
    }
  }
  return true;
}

// Consumer properties for the mock cluster: it holds an empty fetch for the whole
// fetch.wait.max.ms, so keep that short; reconnect quickly after broker faults.
inline io::kafka::Properties fast_consumer_properties() {
  return {{"fetch.wait.max.ms", "10"},
          {"reconnect.backoff.ms", "20"},
          {"reconnect.backoff.max.ms", "200"},
          {"session.timeout.ms", "3000"},
          {"heartbeat.interval.ms", "200"}};
}
inline io::kafka::Properties fast_producer_properties() {
  return {{"linger.ms", "1"}, {"reconnect.backoff.ms", "20"}, {"reconnect.backoff.max.ms", "200"}};
}

// Polls the producer until every produce has its final report; true when they all do.
inline bool wait_acked(io::kafka::KafkaProducer& producer,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (producer.acked_through() < producer.last_sequence()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    producer.poll(std::chrono::milliseconds(5));
  }
  return true;
}

// The value of one counter or gauge series (labels: a subset of the series'); -1 when absent.
inline double metric_value(prometheus::Registry& registry, const std::string& name,
                           const std::map<std::string, std::string>& labels) {
  return find_metric(registry, name, labels).value_or(-1);
}

}  // namespace aiswatch::testing
