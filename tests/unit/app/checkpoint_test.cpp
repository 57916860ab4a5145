// The checkpoint file (encode/decode, every kind of damage named), its atomic write, the writer
// thread, and the schedule that commits Kafka positions only up to a checkpoint on disk whose
// alerts are acknowledged.
#include "app/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "sim/traffic.h"

namespace aiswatch::app {
namespace {

namespace fs = std::filesystem;

struct NullSink : alert::AlertSink {
  void on_alert(const aiswatch::v1::Alert&) override { ++events; }
  int events = 0;
};

std::shared_ptr<const ruleset::Ruleset> rules() {
  static const auto loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(loaded.ok());
  return loaded.ruleset;
}

std::unique_ptr<detect::Engine> engine(alert::AlertSink& sink) {
  return std::make_unique<detect::Engine>(rules(), detect::make_detectors(*rules()), sink);
}

// An engine three simulated hours into a feed with a rendezvous under way.
std::unique_ptr<detect::Engine> busy_engine(alert::AlertSink& sink) {
  auto e = engine(sink);
  sim::TrafficConfig config;
  config.seed = 2;
  config.vessels = 12;
  config.duration_s = 3 * 3'600;
  config.rendezvous = 1;
  sim::simulate_traffic(config, [&](std::string_view line) { e->push_line(line, "sim"); });
  return e;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("aiswatch_checkpoint_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

CheckpointMeta meta() {
  CheckpointMeta m;
  m.sequence = 41;
  m.written_ms = 1'767'225'600'000;
  m.group_id = "aiswatch";
  m.cluster_id = "kTf4a0xWSN2jFsbGMx5qRw";
  m.positions = {{"aiswatch.nmea", 0, 1'234}, {"aiswatch.nmea", 3, 99}, {"other", 1, 0}};
  return m;
}

TEST(Checkpoint, FileFromTheConfiguration) {
  Config config;
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch"), "") << "embedded: nothing survives";
  config.kafka.brokers = "kafka1:9092";
  EXPECT_EQ(checkpoint_file(config, nullptr), "aiswatch.checkpoint");
  EXPECT_EQ(checkpoint_file(config, ""), "aiswatch.checkpoint");
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch"), "/var/lib/aiswatch/checkpoint");
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch:/var/lib/other"),
            "/var/lib/aiswatch/checkpoint");
  config.checkpoint.path = "none";
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch"), "");
  config.checkpoint.path = "/data/state";
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch"), "/data/state");
  config.checkpoint.path = "auto";
  config.kafka.input_topics.clear();
  EXPECT_EQ(checkpoint_file(config, "/var/lib/aiswatch"), "") << "no Kafka input: no positions";
}

TEST(Checkpoint, RoundTripRestoresTheEngineAndThePositions) {
  NullSink sink;
  const auto original = busy_engine(sink);
  ASSERT_GT(original->tracker().size(), 10u);
  const std::string file = encode_checkpoint(meta(), *original);

  DecodedCheckpoint decoded;
  std::string problem;
  ASSERT_TRUE(decode_checkpoint(file, file.size(), decoded, problem)) << problem;
  EXPECT_EQ(decoded.meta.sequence, 41u);
  EXPECT_EQ(decoded.meta.written_ms, 1'767'225'600'000);
  EXPECT_EQ(decoded.meta.group_id, "aiswatch");
  EXPECT_EQ(decoded.meta.cluster_id, "kTf4a0xWSN2jFsbGMx5qRw");
  ASSERT_EQ(decoded.meta.positions.size(), 3u);
  EXPECT_EQ(decoded.meta.positions[0].topic, "aiswatch.nmea");
  EXPECT_EQ(decoded.meta.positions[0].next_offset, 1'234);
  EXPECT_EQ(decoded.meta.positions[1].partition, 3);
  EXPECT_EQ(decoded.meta.positions[2].topic, "other");

  NullSink restored_sink;
  const auto restored = engine(restored_sink);
  ASSERT_TRUE(restore_engine(*restored, file, decoded, problem)) << problem;
  EXPECT_EQ(restored->tracker().size(), original->tracker().size());
  EXPECT_EQ(restored->alerts().open_count(), original->alerts().open_count());
  EXPECT_EQ(restored->watermark(), original->watermark());
  EXPECT_EQ(restored_sink.events, 0) << "a restore emits nothing";
}

TEST(Checkpoint, PositionsOfAnotherGroupOrClusterAreForeign) {
  const CheckpointMeta m = meta();
  EXPECT_EQ(foreign_checkpoint(m, "aiswatch", "kTf4a0xWSN2jFsbGMx5qRw"), "");
  EXPECT_EQ(foreign_checkpoint(m, "aiswatch", ""), "") << "cluster unknown now: group decides";
  EXPECT_EQ(foreign_checkpoint(m, "other", "kTf4a0xWSN2jFsbGMx5qRw"),
            "positions of consumer group 'aiswatch', this daemon's is 'other' (kafka.group_id)");
  EXPECT_EQ(foreign_checkpoint(m, "aiswatch", "Zz9"),
            "positions in Kafka cluster kTf4a0xWSN2jFsbGMx5qRw, the brokers now are cluster Zz9");
  CheckpointMeta unknown = m;
  unknown.cluster_id.clear();
  EXPECT_EQ(foreign_checkpoint(unknown, "aiswatch", "Zz9"), "");
}

std::string decode_problem(const std::string& file, std::size_t max_bytes) {
  DecodedCheckpoint decoded;
  std::string problem;
  EXPECT_FALSE(decode_checkpoint(file, max_bytes, decoded, problem));
  return problem;
}

TEST(Checkpoint, EveryKindOfDamageIsNamed) {
  NullSink sink;
  const std::string file = encode_checkpoint(meta(), *busy_engine(sink));
  EXPECT_EQ(decode_problem("", file.size()), "not a checkpoint file (no AISWCKPT header)");
  EXPECT_EQ(decode_problem("AISWCKPX" + file.substr(8), file.size()),
            "not a checkpoint file (no AISWCKPT header)");

  std::string other_version = file;
  other_version[8] = 7;
  EXPECT_EQ(decode_problem(other_version, file.size()), "format version 7, this daemon reads 1");

  const std::size_t payload = file.size() - checkpoint_header_bytes;
  EXPECT_EQ(decode_problem(file.substr(0, file.size() - 10), file.size()),
            "truncated: " + std::to_string(payload - 10) + " of " + std::to_string(payload) +
                " payload bytes");
  EXPECT_EQ(decode_problem(file + "x", file.size() + 1), "bytes after the payload");
  EXPECT_EQ(decode_problem(file, 1'000),
            "payload of " + std::to_string(payload) +
                " bytes over the limit of 1000 (checkpoint.max_bytes)");

  std::string flipped = file;
  flipped[file.size() / 2] ^= 0x10;
  EXPECT_EQ(decode_problem(flipped, file.size()), "CRC mismatch (the file is damaged)");
}

TEST(Checkpoint, AStateTheEngineRefusesIsReportedNotCrashedOn) {
  NullSink sink;
  const std::string file = encode_checkpoint(meta(), *busy_engine(sink));
  DecodedCheckpoint decoded;
  std::string problem;
  ASSERT_TRUE(decode_checkpoint(file, file.size(), decoded, problem));
  // The meta section claims the engine state starts later than it does.
  decoded.engine_state_offset += 3;
  NullSink restored_sink;
  EXPECT_FALSE(restore_engine(*engine(restored_sink), file, decoded, problem));
  EXPECT_EQ(problem.rfind("engine state: ", 0), 0u) << problem;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Checkpoint, AtomicWriteReplacesTheFileAndLeavesNoTemporary) {
  const fs::path dir = temp_dir("atomic");
  const std::string path = (dir / "checkpoint").string();
  EXPECT_EQ(write_file_atomically(path, "first"), "");
  EXPECT_EQ(write_file_atomically(path, "second"), "");
  EXPECT_EQ(read_all(path), "second");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(Checkpoint, AFailedWriteNamesThePathAndTheReason) {
  const fs::path dir = temp_dir("unwritable") / "missing";
  const std::string error = write_file_atomically((dir / "checkpoint").string(), "x");
  EXPECT_EQ(error,
            "cannot create " + (dir / "checkpoint.tmp").string() + ": No such file or directory");
}

TEST(Checkpoint, ReadingTellsMissingFromDamagedFromGood) {
  const fs::path dir = temp_dir("read");
  const std::string path = (dir / "checkpoint").string();
  EXPECT_EQ(read_checkpoint_file(path, 1 << 20).status, CheckpointFile::Status::missing);

  ASSERT_EQ(write_file_atomically(path, "garbage"), "");
  const CheckpointFile garbage = read_checkpoint_file(path, 1 << 20);
  EXPECT_EQ(garbage.status, CheckpointFile::Status::invalid);
  EXPECT_EQ(garbage.problem, "not a checkpoint file (no AISWCKPT header)");

  NullSink sink;
  ASSERT_EQ(write_file_atomically(path, encode_checkpoint(meta(), *busy_engine(sink))), "");
  const CheckpointFile good = read_checkpoint_file(path, 64 << 20);
  ASSERT_EQ(good.status, CheckpointFile::Status::loaded) << good.problem;
  EXPECT_EQ(good.decoded.meta.sequence, 41u);
  const CheckpointFile too_large = read_checkpoint_file(path, 100);
  EXPECT_EQ(too_large.status, CheckpointFile::Status::invalid);
}

TEST(Checkpoint, WriterReportsEachAttemptAndTheDurableSequence) {
  const fs::path dir = temp_dir("writer");
  std::vector<std::string> reports;
  {
    CheckpointWriter writer((dir / "checkpoint").string(), [&](uint64_t sequence, std::size_t bytes,
                                                               const std::string& error) {
      reports.push_back(std::to_string(sequence) + " " + std::to_string(bytes) + " " + error);
    });
    writer.submit(1, "abc");
    writer.drain();
    EXPECT_EQ(writer.durable_sequence(), 1u);
    EXPECT_EQ(read_all(dir / "checkpoint"), "abc");
    fs::remove_all(dir);  // the next write fails: nowhere to write
    writer.submit(2, "defg");
    writer.drain();
    EXPECT_EQ(writer.durable_sequence(), 1u);
  }
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0], "1 3 ");
  EXPECT_EQ(reports[1].rfind("2 4 cannot create ", 0), 0u) << reports[1];
}

TEST(Checkpoint, ScheduleWritesOnlyCheckpointsWhoseAlertsAreAcknowledged) {
  const fs::path dir = temp_dir("schedule");
  const fs::path path = dir / "checkpoint";
  CheckpointWriter writer(path.string(), nullptr);
  const auto start = std::chrono::steady_clock::now();
  CheckpointSchedule schedule(writer, std::chrono::seconds(30), 64 << 20, 8);
  schedule.set_identity("aiswatch", "cluster-1");
  NullSink sink;
  const auto e = busy_engine(sink);
  const uint64_t lines = e->stats().lines;
  EXPECT_FALSE(schedule.due(start));
  EXPECT_TRUE(schedule.due(start + std::chrono::seconds(31)));
  EXPECT_FALSE(schedule.unchanged(lines, e->watermark())) << "nothing taken yet";

  schedule.restored({{"in", 0, 100}});
  schedule.processed({{"in", 0, 150}, {"in", 1, 7}});
  const auto first = schedule.take(*e, 5, 1'000, start);
  EXPECT_EQ(first.sequence, 8u) << "numbering goes on from the restored checkpoint";
  EXPECT_GT(first.bytes, 1'000u);
  EXPECT_TRUE(schedule.unchanged(lines, e->watermark())) << "nothing new since";
  EXPECT_FALSE(schedule.unchanged(lines + 1, e->watermark()));
  EXPECT_FALSE(schedule.unchanged(lines, e->watermark() + 1));

  // Alert 5 is not acknowledged: a crash now must not find this state on disk, or the restart
  // would never publish alert 5.
  schedule.release(4);
  writer.drain();
  EXPECT_TRUE(schedule.holding());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(schedule.committable().empty());
  EXPECT_FALSE(schedule.due(start + std::chrono::seconds(31))) << "none while one is held";

  schedule.release(5);
  EXPECT_FALSE(schedule.holding());
  EXPECT_FALSE(schedule.due(start + std::chrono::seconds(29)));
  EXPECT_TRUE(schedule.due(start + std::chrono::seconds(31)));
  writer.drain();
  ASSERT_EQ(writer.durable_sequence(), 8u);
  auto ready = schedule.committable();
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].next_offset, 150);
  EXPECT_EQ(ready[1].next_offset, 7);
  EXPECT_TRUE(schedule.committable().empty()) << "nothing new";

  // A state taken while one is held replaces it: only the newest is written.
  schedule.processed({{"in", 0, 180}});
  EXPECT_EQ(schedule.take(*e, 9, 2'000, start).sequence, 9u);
  schedule.processed({{"in", 0, 190}});
  EXPECT_EQ(schedule.take(*e, 12, 3'000, start).sequence, 10u);
  schedule.release(11);
  EXPECT_TRUE(schedule.holding()) << "the newer one's alert 12 is not acknowledged";
  schedule.release(12);
  writer.drain();
  ready = schedule.committable();
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].next_offset, 190);

  // The file on disk is the newest checkpoint, with the positions it was taken at.
  const CheckpointFile file = read_checkpoint_file(path.string(), 64 << 20);
  ASSERT_EQ(file.status, CheckpointFile::Status::loaded) << file.problem;
  EXPECT_EQ(file.decoded.meta.sequence, 10u);
  EXPECT_EQ(file.decoded.meta.group_id, "aiswatch");
  EXPECT_EQ(file.decoded.meta.cluster_id, "cluster-1");
  EXPECT_EQ(file.decoded.meta.positions[0].next_offset, 190);
}

TEST(Checkpoint, ScheduleWaitsForTheDiskToo) {
  const fs::path dir = temp_dir("not_durable");
  CheckpointWriter writer((dir / "missing" / "checkpoint").string(), nullptr);
  CheckpointSchedule schedule(writer, std::chrono::seconds(30), 64 << 20, 1);
  NullSink sink;
  const auto e = engine(sink);
  schedule.processed({{"in", 0, 10}});
  schedule.take(*e, 0, 1'000, std::chrono::steady_clock::now());
  schedule.release(100);
  writer.drain();
  EXPECT_TRUE(schedule.committable().empty()) << "a checkpoint that failed to write";
}

TEST(Checkpoint, AStateOverTheLimitIsNotTaken) {
  const fs::path dir = temp_dir("too_large");
  CheckpointWriter writer((dir / "checkpoint").string(), nullptr);
  CheckpointSchedule schedule(writer, std::chrono::seconds(30), 1'000, 1);
  NullSink sink;
  const auto taken = schedule.take(*busy_engine(sink), 0, 1'000, std::chrono::steady_clock::now());
  EXPECT_EQ(taken.sequence, 0u);
  EXPECT_GT(taken.bytes, 1'000u);
  EXPECT_FALSE(schedule.holding());
  schedule.release(100);
  EXPECT_EQ(schedule.waiting(), 0u);
  writer.drain();
  EXPECT_FALSE(fs::exists(dir / "checkpoint"));
}

}  // namespace
}  // namespace aiswatch::app
