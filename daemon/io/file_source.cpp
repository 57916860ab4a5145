#include "io/file_source.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "io/clock.h"
#include "io/log.h"
#include "nmea/framer.h"

namespace aiswatch::io {
namespace {

using steady = std::chrono::steady_clock;

// `1334337317` (s), `1452468552.938` (s with a fraction) or `1328133720087` (ms). Values above
// 1e11 cannot be seconds (the year 5138), as in the framer.
}  // namespace

FileSource::FileSource(FileSourceConfig config, BatchQueue& queue, prometheus::Registry& registry)
    : config_(std::move(config)), queue_(queue), probe_(registry, config_.name) {
  if (!config_.clock) config_.clock = wall_clock_ms;
  if (!(config_.speed >= 0) || !std::isfinite(config_.speed)) config_.speed = 0;
  if (config_.batch_lines == 0) config_.batch_lines = 1;
}

FileSource::~FileSource() { stop(); }

void FileSource::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    error_.clear();
  }
  stop_flag_ = false;
  finished_ = false;
  auto input = std::make_unique<InputFile>(config_.path);
  if (!input->is_open()) {
    fail(input->error());
    return;
  }
  open_ = true;
  log::info("file", "replaying",
            {{"source", config_.name},
             {"path", config_.path},
             {"speed", std::to_string(config_.speed)},
             {"loop", config_.loop ? "true" : "false"}});
  thread_ = std::thread([this, in = std::move(input)]() mutable { run(std::move(in)); });
}

void FileSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_flag_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  open_ = false;
}

std::string FileSource::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void FileSource::fail(std::string why) {
  log::error("file", "replay failed",
             {{"source", config_.name}, {"path", config_.path}, {"error", why}});
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(why);
  }
  open_ = false;
  finished_ = true;  // nothing more will come: an exit-when-done run must not wait for it
}

void FileSource::run(std::unique_ptr<InputFile> input) {
  for (;;) {
    if (!replay(*input)) return;  // stopped or failed
    if (!config_.loop) break;
    input = std::make_unique<InputFile>(config_.path);
    if (!input->is_open()) return fail(input->error());
  }
  log::info("file", "replay finished", {{"source", config_.name}, {"path", config_.path}});
  finished_ = true;
}

// One pass over the file; false when stopped or on a read error.
bool FileSource::replay(InputFile& input) {
  std::vector<char> block(std::max<std::size_t>(config_.block_size, 1));
  LineSplitter splitter(config_.max_line_length);
  LineBatch batch(config_.name);
  // Pacing: recorded time `base_recorded_ms` is due at wall time `base_wall`.
  std::optional<int64_t> base_recorded_ms;
  steady::time_point base_wall{};
  std::optional<int64_t> last_recorded_ms;
  bool ok = true;

  auto on_line = [&](std::string_view line, bool overlong) {
    if (!ok) return;
    if (overlong) {
      probe_.overlong_lines.Increment();
      log::warn_limited("file", "overlong line cut", {{"source", config_.name}});
    }
    if (line.empty() || line == "\r") return;
    if (const auto recorded = nmea::tag_block_time_ms(line)) {
      last_recorded_ms = recorded;
      if (config_.speed > 0) {
        if (!base_recorded_ms) {
          base_recorded_ms = recorded;
          base_wall = steady::now();
        }
        const double offset_ms = static_cast<double>(*recorded - *base_recorded_ms) / config_.speed;
        const auto due = base_wall + std::chrono::microseconds(
                                         static_cast<int64_t>(std::max(0.0, offset_ms) * 1000.0));
        if (due > steady::now()) {
          // What is due now goes out before the wait.
          if (!flush(batch) || !sleep_until(due)) {
            ok = false;
            return;
          }
        }
      }
    }
    batch.add_line(line, last_recorded_ms ? *last_recorded_ms : config_.clock());
    if (batch.size() >= config_.batch_lines && !flush(batch)) ok = false;
  };

  for (;;) {
    const long got = input.read_some(block.data(), block.size());
    if (got < 0) {
      fail("read failed: " + input.error());
      return false;
    }
    if (got == 0) break;
    probe_.bytes.Increment(static_cast<double>(got));
    splitter.push(std::string_view(block.data(), static_cast<std::size_t>(got)), on_line);
    if (!ok || stop_flag_) return false;
  }
  splitter.finish(on_line);
  return ok && flush(batch);
}

// Pushes the batch, waiting for room as long as it takes; false when stopped or the queue closed.
bool FileSource::flush(LineBatch& batch) {
  if (batch.empty()) return true;
  const auto lines = static_cast<double>(batch.size());
  while (!stop_flag_) {
    if (queue_.try_push(batch)) {
      probe_.lines.Increment(lines);
      batch = LineBatch(config_.name);
      return true;
    }
    if (queue_.closed()) return false;
    queue_.wait_for_space(std::chrono::milliseconds(100));
  }
  return false;
}

// Waits for the pacing deadline; false when stopped meanwhile.
bool FileSource::sleep_until(steady::time_point when) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_until(lock, when, [this] { return stopping_; });
}

}  // namespace aiswatch::io
