#pragma once
// The detection core's thread in `aiswatchd run`: takes LineBatch-es from the BatchQueue the
// sources fill, pushes every line into the one Engine (single-threaded, allocation-free on the
// hot path), and between batches does the core's housekeeping through hooks — serving the
// producer's delivery reports and committing input offsets (the app wires these to Kafka), and
// publishing the engine's metrics. When input is idle for core.idle_tick_ms the watermark moves
// from the clock (DESIGN.md, "Time"), so silences are judged even when nothing arrives — but only
// while the input is live: when the last batch was processed, its watermark was within
// live_window of the clock. A backlog or a recording replayed through Kafka (event times hours or
// months behind the clock) is judged in its own event time only; were the clock to drive it,
// every vessel in it would look silent since the recording ended.
//
// It returns when the queue is closed and drained (shutdown: sources stopped first), or when
// `done` says the finite inputs are all processed (the main job's sample feed). It never calls
// Engine::finish(): whether open alerts end with the input is the caller's decision (they do at
// the end of a finite run, as in replay; they do not on SIGTERM — the episodes are still going on).
#include <chrono>
#include <cstdint>
#include <functional>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "app/engine_metrics.h"
#include "detect/engine.h"
#include "io/batch_queue.h"

namespace aiswatch::app {

struct CoreHooks {
  // After each batch is processed (e.g. record its Kafka positions for commit).
  std::function<void(const io::LineBatch& batch)> after_batch;
  // At least every idle tick and after every batch (serve delivery reports, commit, reload).
  std::function<void()> service;
  // Finite inputs are all done and processed: return.
  std::function<bool()> done;
};

struct CoreLoopConfig {
  std::chrono::milliseconds idle_tick{1000};
  bool watermark_from_clock = true;
  std::chrono::milliseconds live_window{15 * 60 * 1000};
};

class CoreLoop {
 public:
  using Clock = std::function<int64_t()>;  // Unix ms

  CoreLoop(detect::Engine& engine, io::BatchQueue& queue, prometheus::Registry& registry,
           CoreHooks hooks, CoreLoopConfig config, Clock clock);

  void run();

  uint64_t batches() const { return batches_; }
  uint64_t lines() const { return lines_; }

 private:
  void process(const io::LineBatch& batch);
  void publish_metrics();

  detect::Engine& engine_;
  io::BatchQueue& queue_;
  CoreHooks hooks_;
  CoreLoopConfig config_;
  Clock clock_;
  EngineMetrics metrics_;
  prometheus::Histogram* latency_ = nullptr;
  prometheus::Gauge* queue_bytes_ = nullptr;
  prometheus::Gauge* queue_batches_ = nullptr;
  uint64_t batches_ = 0;
  uint64_t lines_ = 0;
  bool live_ = false;  // the input keeps up with the clock (see live_window)
};

}  // namespace aiswatch::app
