#include "io/file_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "unit/io/net_test_support.h"

namespace aiswatch::io {
namespace {
using std::chrono::milliseconds;
using test::metric_value;

// A temporary recording, removed at the end of the test.
class Recording {
 public:
  Recording(const std::string& name, const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("aiswatch_file_source_" + std::to_string(::getpid()) + "_" + name);
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
      gzFile gz = gzopen(path_.c_str(), "wb");
      gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
      gzclose(gz);
    } else {
      std::ofstream(path_, std::ios::binary) << text;
    }
  }
  ~Recording() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Lines one simulated second apart from 1420030798 s, each followed by an untagged line (a
// second fragment, as real feeds tag only the first): 2 * (seconds + 1) lines.
std::string timed_feed(int seconds) {
  std::string text;
  for (int i = 0; i <= seconds; ++i) {
    text += "\\s:r1,c:" + std::to_string(1420030798 + i) + "*00\\!AIVDM,2,1,7,A,first " +
            std::to_string(i) + ",0*00\r\n";
    text += "!AIVDM,2,2,7,A,second " + std::to_string(i) + ",0*00\r\n";
  }
  return text;
}

FileSourceConfig test_config(const std::string& path, double speed) {
  FileSourceConfig config;
  config.name = "replay";
  config.path = path;
  config.speed = speed;
  config.clock = [] { return int64_t{42}; };
  return config;
}

// Pops batches until the source has finished and the queue is empty (or the deadline passes).
std::vector<test::ReceivedLine> collect(BatchQueue& queue, const FileSource& source,
                                        milliseconds deadline = milliseconds(5000)) {
  std::vector<test::ReceivedLine> lines;
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    const bool finished = source.finished();
    if (auto batch = queue.pop(milliseconds(5))) {
      for (std::size_t i = 0; i < batch->size(); ++i) {
        lines.push_back({batch->source(), std::string(batch->line(i)), batch->arrival_ms(i)});
      }
    } else if (finished) {
      break;
    }
  }
  return lines;
}

TEST(FileSource, ReplaysAsFastAsTheQueueTakesAtSpeedZero) {
  const Recording recording("fast.nmea", timed_feed(3600) + "!AIVDM,1,1,,B,no newline,0*00");
  BatchQueue queue;
  prometheus::Registry registry;
  FileSource source(test_config(recording.path(), 0), queue, registry);
  source.start();
  EXPECT_TRUE(source.ready());
  const auto lines = collect(queue, source);
  EXPECT_TRUE(source.finished());
  ASSERT_EQ(lines.size(), 2u * 3601 + 1);
  EXPECT_EQ(lines[0].text, "\\s:r1,c:1420030798*00\\!AIVDM,2,1,7,A,first 0,0*00\r");
  EXPECT_EQ(lines[0].source, "replay");
  // Arrival time: the recorded time, carried over to the untagged line after it.
  EXPECT_EQ(lines[0].arrival_ms, 1420030798000);
  EXPECT_EQ(lines[1].arrival_ms, 1420030798000);
  EXPECT_EQ(lines[7201].arrival_ms, 1420034398000);
  EXPECT_EQ(lines.back().text, "!AIVDM,1,1,,B,no newline,0*00");
  EXPECT_EQ(metric_value(registry, "aiswatch_source_lines_total", {{"source", "replay"}}),
            2 * 3601 + 1);
  EXPECT_GT(metric_value(registry, "aiswatch_source_bytes_total", {{"source", "replay"}}), 100000);
  source.stop();
}

TEST(FileSource, PacesByRecordedTimeTimesTheSpeedFactor) {
  // Ten simulated seconds at speed 100: about 0.1 s of wall time.
  const Recording recording("paced.nmea", timed_feed(10));
  BatchQueue queue;
  prometheus::Registry registry;
  FileSource source(test_config(recording.path(), 100), queue, registry);
  const auto started = std::chrono::steady_clock::now();
  source.start();
  const auto lines = collect(queue, source);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(lines.size(), 22u);
  EXPECT_GE(elapsed, milliseconds(90));
  EXPECT_LT(elapsed, milliseconds(2000));  // loose: a shared, noisy machine
  for (std::size_t i = 0; i < lines.size(); i += 2) {
    EXPECT_EQ(lines[i + 1].arrival_ms, lines[i].arrival_ms);  // untagged goes with the tagged
  }
}

TEST(FileSource, ReplaysGzipRecordings) {
  const Recording recording("archive.nmea.gz", timed_feed(5));
  BatchQueue queue;
  prometheus::Registry registry;
  FileSource source(test_config(recording.path(), 0), queue, registry);
  source.start();
  const auto lines = collect(queue, source);
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[11].text, "!AIVDM,2,2,7,A,second 5,0*00\r");
}

TEST(FileSource, WaitsForRoomInAFullQueueAndLosesNothing) {
  const Recording recording("slow_core.nmea", timed_feed(500));
  BatchQueue queue(128);
  prometheus::Registry registry;
  auto config = test_config(recording.path(), 0);
  config.batch_lines = 3;
  FileSource source(config, queue, registry);
  source.start();
  const auto lines = collect(queue, source);
  ASSERT_EQ(lines.size(), 1002u);
  for (int i = 0; i <= 500; ++i) {
    ASSERT_EQ(lines[2 * i + 1].text, "!AIVDM,2,2,7,A,second " + std::to_string(i) + ",0*00\r");
  }
}

TEST(FileSource, ReportsAFileThatCannotBeOpened) {
  BatchQueue queue;
  prometheus::Registry registry;
  FileSource source(test_config("/nonexistent/aiswatch/feed.nmea", 0), queue, registry);
  source.start();
  EXPECT_FALSE(source.ready());
  EXPECT_TRUE(source.finished());  // nothing to wait for
  EXPECT_EQ(source.error(), "No such file or directory");
}

TEST(FileSource, LoopsUntilStoppedAndIsNeverFinished) {
  const Recording recording("loop.nmea", timed_feed(2));
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config(recording.path(), 0);
  config.loop = true;
  FileSource source(config, queue, registry);
  source.start();
  std::vector<test::ReceivedLine> lines;
  const auto end = std::chrono::steady_clock::now() + milliseconds(5000);
  while (lines.size() < 60 && std::chrono::steady_clock::now() < end) {
    if (auto batch = queue.pop(milliseconds(5))) {
      for (std::size_t i = 0; i < batch->size(); ++i) lines.push_back({"", "", 0});
    }
  }
  EXPECT_GE(lines.size(), 60u);
  EXPECT_FALSE(source.finished());
  source.stop();  // returns promptly even with the thread waiting on a full queue
  EXPECT_FALSE(source.finished());
}

TEST(FileSource, StopInterruptsASlowReplay) {
  // An hour apart at speed 1: without stop() this would wait an hour.
  const Recording recording(
      "slow.nmea",
      "\\c:1420030798*00\\!AIVDM,1,1,,A,a,0*00\n\\c:1420034398*00\\!AIVDM,1,1,,A,b,0*00\n");
  BatchQueue queue;
  prometheus::Registry registry;
  FileSource source(test_config(recording.path(), 1), queue, registry);
  source.start();
  auto first = queue.pop(milliseconds(2000));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->size(), 1u);
  const auto stopping = std::chrono::steady_clock::now();
  source.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, milliseconds(1000));
  EXPECT_FALSE(source.finished());
  EXPECT_FALSE(queue.pop(milliseconds(0)).has_value());
}

}  // namespace
}  // namespace aiswatch::io
