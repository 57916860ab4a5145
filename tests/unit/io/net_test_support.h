#pragma once
// Helpers shared by the socket and file source tests: reading one series out of a registry, and
// turning an io_context until a condition holds or a deadline passes (no fixed sleeps: tests
// poll in short turns and fail with a deadline instead of hanging).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_type.h>
#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>

#include "io/batch_queue.h"
#include "support/metrics.h"

namespace aiswatch::io::test {

using Labels = std::map<std::string, std::string>;

// The value of the series of `name` whose labels include `labels`; 0 when there is none.
inline double metric_value(const prometheus::Registry& registry, std::string_view name,
                           const Labels& labels) {
  return aiswatch::testing::find_metric(registry, name, labels).value_or(0);
}

// Runs `io` in short turns until `done()` or the deadline; true when done.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done,
               std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(2));
  }
  return true;
}

struct ReceivedLine {
  std::string source;
  std::string text;
  int64_t arrival_ms;
};

// Moves every queued batch's lines into `out`; returns how many batches there were.
inline std::size_t drain(BatchQueue& queue, std::vector<ReceivedLine>& out) {
  std::size_t batches = 0;
  while (auto batch = queue.pop(std::chrono::milliseconds(0))) {
    ++batches;
    for (std::size_t i = 0; i < batch->size(); ++i) {
      out.push_back({batch->source(), std::string(batch->line(i)), batch->arrival_ms(i)});
    }
  }
  return batches;
}

inline std::vector<std::string> texts(const std::vector<ReceivedLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text);
  return out;
}

}  // namespace aiswatch::io::test
