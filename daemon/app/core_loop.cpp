#include "app/core_loop.h"

#include <prometheus/gauge.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace aiswatch::app {
namespace {

// Upper bounds of the latency buckets, seconds (the histogram's `le`).
constexpr std::array<double, 13> latency_bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

CoreLoop::CoreLoop(detect::Engine& engine, io::BatchQueue& queue, prometheus::Registry& registry,
                   CoreHooks hooks, CoreLoopConfig config, Clock clock)
    : engine_(engine),
      queue_(queue),
      hooks_(std::move(hooks)),
      config_(config),
      clock_(std::move(clock)),
      metrics_(registry) {
  // Arrival (the line's receive time: a Kafka record's timestamp, a socket read's clock) to the
  // end of processing its batch, alerts produced included; 1 ms to 10 s. Counted per line, each
  // line of a batch at its first line's latency (the earliest arrival: an upper bound for the
  // rest), so that quantiles are of messages, not of batches of any size.
  latency_ =
      &prometheus::BuildHistogram()
           .Name("aiswatch_processing_latency_seconds")
           .Help(
               "Arrival of a line to the end of its batch's processing (alerts handed to the "
               "producer); every line of a batch at the batch's first arrival")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries(latency_bounds.begin(),
                                                            latency_bounds.end()));
  auto& depth = prometheus::BuildGauge()
                    .Name("aiswatch_core_queue_depth")
                    .Help("Input waiting for the detection core")
                    .Register(registry);
  queue_bytes_ = &depth.Add({{"unit", "bytes"}});
  queue_batches_ = &depth.Add({{"unit", "batches"}});
}

void CoreLoop::process(const io::LineBatch& batch) {
  const std::size_t n = batch.size();
  for (std::size_t i = 0; i < n; ++i) {
    engine_.push_line(batch.line(i), batch.source(), batch.arrival_ms(i));
  }
  ++batches_;
  lines_ += n;
  const int64_t watermark = engine_.watermark();
  live_ = watermark != INT64_MIN && clock_() - watermark <= config_.live_window.count();
  if (hooks_.after_batch) hooks_.after_batch(batch);
  if (n > 0) {
    const double seconds =
        std::max(0.0, static_cast<double>(clock_() - batch.arrival_ms(0)) / 1000.0);
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(latency_bounds.begin(), latency_bounds.end(), seconds) -
        latency_bounds.begin());
    std::vector<double> increments(latency_bounds.size() + 1, 0.0);
    increments[bucket] = static_cast<double>(n);
    latency_->ObserveMultiple(increments, seconds * static_cast<double>(n));
  }
}

void CoreLoop::publish_metrics() {
  metrics_.publish(engine_.stats(), engine_.tracker().size(), engine_.watermark());
  queue_bytes_->Set(static_cast<double>(queue_.depth_bytes()));
  queue_batches_->Set(static_cast<double>(queue_.depth_batches()));
}

void CoreLoop::run() {
  using Steady = std::chrono::steady_clock;
  auto last_tick = Steady::now();
  for (;;) {
    std::optional<io::LineBatch> batch = queue_.pop(config_.idle_tick);
    const auto now = Steady::now();
    if (batch) {
      process(*batch);
    } else if (queue_.closed()) {
      break;
    }
    // Housekeeping at least every idle tick, and after every batch while batches are small
    // enough that it does not matter; under load it runs once per tick.
    if (!batch || now - last_tick >= config_.idle_tick || queue_.depth_batches() == 0) {
      if (!batch && live_ && config_.watermark_from_clock) engine_.advance_watermark(clock_());
      if (hooks_.service) hooks_.service();
      publish_metrics();
      last_tick = now;
      if (hooks_.done && hooks_.done()) break;
    }
  }
  if (hooks_.service) hooks_.service();
  publish_metrics();
}

}  // namespace aiswatch::app
