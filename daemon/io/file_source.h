#pragma once
// Replays a recorded NMEA feed (plain, or gzip when the name ends in ".gz") as if it were live:
// for demos, soak tests and reproducing an incident against a running daemon. Recordings made by
// AIS-catcher, gpsd or an aggregator carry the receive time of each line in an NMEA 4.0 tag block:
//
//   \s:rORBCOMM000,c:1420030798*4C\!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24
//
// and that time paces the replay: a line recorded t seconds after the first timed line is pushed
// t / speed seconds after the replay started (speed 1: recorded pace; 60: an hour a minute;
// 0: as fast as the queue takes it). A line without a tag-block time goes out with the line
// before it (the second fragment of a message, a $PGHP, an untagged line); lines before the first
// timed one go out at once. A recording whose times jump back (several receivers merged) replays
// the late lines at once rather than waiting. Several lines due together form one LineBatch.
//
// Arrival time of each line: its recorded time (or that of the last timed line before it), so a
// replay is stamped the same whatever the speed; the wall clock only for a recording with no times.
// With `loop` the recording starts over at its end, with the same recorded times; the engine sees
// them as late, so loop is for load and soak tests, not for a detection demo.
//
// Reading files blocks, so the replay runs on its own thread and waits on
// BatchQueue::wait_for_space when the queue is full: nothing is lost.
//
// Threading: start(), stop() and the destructor from one thread (the app's I/O thread); ready(),
// finished() and error() from any thread. stop() returns once the replay thread has ended (at
// most one queue wait, 100 ms, later).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <prometheus/registry.h>

#include "io/batch_queue.h"
#include "io/line_reader.h"
#include "io/net/source_probe.h"
#include "io/source.h"

namespace aiswatch::io {

struct FileSourceConfig {
  std::string name;  // metrics label, LineBatch::source()
  std::string path;  // "-" is standard input
  double speed = 1.0;
  bool loop = false;
  std::size_t max_line_length = 4096;
  std::size_t batch_lines = 1024;  // at most this many lines per batch (speed 0, bursts)
  std::size_t block_size = 256 * 1024;
  // Arrival time for a recording without tag-block times, Unix epoch ms; empty: system clock.
  std::function<int64_t()> clock;
};

// Metrics: aiswatch_source_lines_total, _bytes_total (decompressed), _overlong_lines_total.
class FileSource final : public Source {
 public:
  FileSource(FileSourceConfig config, BatchQueue& queue, prometheus::Registry& registry);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const override { return config_.name; }
  // Opens the file at once (an unreadable file is known on return: ready() false, error() says
  // why, finished() true — there is nothing to wait for) and starts the replay thread.
  void start() override;
  void stop() override;
  bool ready() const override { return open_.load(); }  // open and not failed
  bool finished() const override { return finished_.load(); }
  // Why the file could not be opened or read; empty when all is well.
  std::string error() const;

 private:
  void run(std::unique_ptr<InputFile> input);
  bool replay(InputFile& input);
  bool flush(LineBatch& batch);
  bool sleep_until(std::chrono::steady_clock::time_point when);
  void fail(std::string why);

  FileSourceConfig config_;
  BatchQueue& queue_;
  SourceProbe probe_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<bool> stop_flag_{false};
  std::atomic<bool> open_{false};
  std::atomic<bool> finished_{false};
  std::string error_;  // guarded by mutex_
};

}  // namespace aiswatch::io
