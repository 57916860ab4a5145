#pragma once
// State checkpoints of `aiswatchd run` (issue 5; DESIGN.md, "State and delivery"). Detection
// state spans hours — a dark period is judged after 6 h of silence — so input offsets alone
// cannot make a restart lossless: the daemon periodically writes the engine's whole state
// (Engine::save_state) together with the Kafka positions it corresponds to (every line before
// them, and none after, is in the state). On restart it restores the state and resumes each
// partition from the checkpoint's position, so an episode that began before a crash is reported
// with its original start time and alert id. Offsets are committed to the group only up to a
// checkpoint that is on disk and whose alerts the broker has acknowledged (at-least-once: the
// alerts of the window after it may be published twice, with the same alert ids).
//
// The file, little-endian:
//   0  "AISWCKPT"            magic
//   8  u32 format_version    a file of another version is refused (start clean)
//   12 u32 0                 reserved
//   16 u64 payload bytes
//   24 u32 CRC-32 of the payload
//   28 u32 0                 reserved
//   32 payload: section "meta" (u64 sequence, i64 written_ms, group id string, cluster id
//      string, positions: u64 count, each topic string, i32 partition, i64 next_offset), then
//      the engine state to the end.
// Written atomically (a temporary file beside it, fsync, rename, fsync of the directory): a
// crash leaves the previous checkpoint or the new one, never a torn file.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "app/config.h"
#include "detect/engine.h"
#include "io/line_batch.h"

namespace aiswatch::app {

inline constexpr uint32_t checkpoint_format_version = 1;

// The checkpoint file checkpoint.path names, or empty when checkpoints are off. `auto`: none
// on the embedded cluster or without Kafka input; else `$STATE_DIRECTORY/checkpoint` (the
// first of systemd's colon-separated StateDirectory= paths; `state_directory` may be null),
// else `aiswatch.checkpoint` in the working directory.
std::string checkpoint_file(const Config& config, const char* state_directory);
inline constexpr std::size_t checkpoint_header_bytes = 32;

struct CheckpointMeta {
  uint64_t sequence = 0;   // 1, 2, ... over the daemon's life, carried across restarts
  int64_t written_ms = 0;  // wall clock when the state was taken
  // Whose positions they are: the consumer group, and the Kafka cluster's id (empty when the
  // brokers did not say at start).
  std::string group_id;
  std::string cluster_id;
  std::vector<io::KafkaPosition> positions;  // one per partition: the next offset to read
};

// Why a checkpoint's positions do not belong to this daemon (empty: they do): another consumer
// group, or another Kafka cluster (when both ids are known) — its offsets would mean nothing.
std::string foreign_checkpoint(const CheckpointMeta& meta, const std::string& group_id,
                               const std::string& cluster_id);

// The whole file for `engine`'s current state.
std::string encode_checkpoint(const CheckpointMeta& meta, const detect::Engine& engine);

// A checkpoint read back: its meta section, and where in the file's bytes the engine state
// begins (it runs to the end).
struct DecodedCheckpoint {
  CheckpointMeta meta;
  std::size_t engine_state_offset = 0;
};

// Checks the magic, version, length (at most max_bytes in all) and CRC, and reads the meta
// section. false with `problem` saying what is wrong ("CRC mismatch", "format version 7, this
// daemon reads 1", "truncated: 120 of 4096 payload bytes", ...).
bool decode_checkpoint(std::string_view bytes, std::size_t max_bytes, DecodedCheckpoint& decoded,
                       std::string& problem);

// Restores `engine` (freshly built: nothing pushed) from the checkpoint file's `bytes` that
// decode_checkpoint accepted; false with `problem` when the engine refuses the state (then the
// engine must be discarded).
bool restore_engine(detect::Engine& engine, std::string_view bytes,
                    const DecodedCheckpoint& decoded, std::string& problem);

// Writes `bytes` to `path` atomically: PATH.tmp in the same directory, written and fsynced,
// renamed over PATH, the directory fsynced. Empty on success, else what failed with the OS's
// reason ("cannot create /var/lib/aiswatch/checkpoint.tmp: Permission denied").
std::string write_file_atomically(const std::string& path, std::string_view bytes);

// The checkpoint file at `path`, read whole: missing (no file: a first start), invalid (with the
// problem) or loaded.
struct CheckpointFile {
  enum class Status { missing, invalid, loaded } status = Status::missing;
  std::string problem;
  std::string bytes;
  DecodedCheckpoint decoded;  // when loaded
};
CheckpointFile read_checkpoint_file(const std::string& path, std::size_t max_bytes);

// Writes checkpoint files on a thread of its own, so that the core does not wait on the disk:
// the core takes the state (encode_checkpoint, which must run on the core thread) and submits
// the bytes; one still waiting when a newer one comes is dropped for it (only the newest
// matters). durable_sequence() is the newest sequence on disk.
class CheckpointWriter {
 public:
  // Called on the writer thread after each attempt: `error` empty when the file is on disk.
  using Report =
      std::function<void(uint64_t sequence, std::size_t bytes, const std::string& error)>;

  CheckpointWriter(std::string path, Report report);
  // Writes what is still waiting, then ends the thread.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  void submit(uint64_t sequence, std::string bytes);
  // Returns once everything submitted so far has been written or has failed.
  void drain();
  uint64_t durable_sequence() const { return durable_.load(); }
  const std::string& path() const { return path_; }

 private:
  void run();

  const std::string path_;
  Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<uint64_t, std::string>> waiting_;
  bool writing_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> durable_{0};
  std::thread thread_;
};

// The core thread's side of checkpoints in `aiswatch run`: the positions the engine has applied,
// when the next checkpoint is due, taking it, and which Kafka positions may be committed.
//
// A checkpoint goes to disk only once the broker has acknowledged every alert in its state: a
// restart from it never publishes those alerts again, so one written earlier and followed by a
// crash would lose the alerts still in the producer's queue. Until then it is held in memory
// (one at most: no new one is due while one is held). The positions committed are those of the
// newest checkpoint on disk.
class CheckpointSchedule {
 public:
  struct Taken {
    uint64_t sequence = 0;  // 0: not taken (too large)
    std::size_t bytes = 0;
    double seconds = 0;  // taking the state on the core thread
  };

  // `next_sequence`: one more than the restored checkpoint's (1 on a clean start).
  CheckpointSchedule(CheckpointWriter& writer, std::chrono::milliseconds interval,
                     std::size_t max_bytes, uint64_t next_sequence);

  // Whose positions the checkpoints hold (CheckpointMeta::group_id, cluster_id).
  void set_identity(std::string group_id, std::string cluster_id) {
    group_id_ = std::move(group_id);
    cluster_id_ = std::move(cluster_id);
  }
  // After each batch of Kafka input: the positions the engine has now applied.
  void processed(const std::vector<io::KafkaPosition>& positions);
  // The restored checkpoint's positions (the state holds everything before them).
  void restored(const std::vector<io::KafkaPosition>& positions) { processed(positions); }
  // The interval has passed since the last one and none is held (checked after every batch:
  // cheap).
  bool due(std::chrono::steady_clock::time_point now) const { return !held_ && now >= next_due_; }
  // The engine has not moved since the last one (`lines` pushed in all, its watermark): an idle
  // daemon does not rewrite the same state.
  bool unchanged(uint64_t lines, int64_t watermark) const {
    return lines == taken_lines_ && watermark == taken_watermark_;
  }
  // Encodes the engine's state with the applied positions and holds it (in place of one held
  // already) until release() sees its alerts acknowledged. `produced_through`: the producer's
  // last sequence number (every alert in the state has one at most this). A state over
  // max_bytes is not taken (sequence 0).
  Taken take(const detect::Engine& engine, uint64_t produced_through, int64_t now_ms,
             std::chrono::steady_clock::time_point now);
  // Hands the held checkpoint to the writer if every alert in it is acknowledged
  // (produced_through <= acked_through).
  void release(uint64_t acked_through);
  // The positions that may be committed now (empty: nothing new): those of the newest
  // checkpoint the writer has made durable.
  std::vector<io::KafkaPosition> committable();

  bool holding() const { return held_.has_value(); }
  // Handed to the writer, not yet known durable.
  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Held {
    uint64_t sequence = 0;
    uint64_t produced_through = 0;
    std::string bytes;
    std::vector<io::KafkaPosition> positions;
  };
  struct Waiting {
    uint64_t sequence = 0;
    std::vector<io::KafkaPosition> positions;
  };

  CheckpointWriter& writer_;
  std::chrono::milliseconds interval_;
  std::size_t max_bytes_;
  uint64_t next_sequence_;
  std::string group_id_;
  std::string cluster_id_;
  std::chrono::steady_clock::time_point next_due_{};
  uint64_t taken_lines_ = UINT64_MAX;
  int64_t taken_watermark_ = INT64_MIN;
  std::map<std::pair<std::string, int32_t>, int64_t> applied_;
  std::optional<Held> held_;
  std::deque<Waiting> waiting_;
};

}  // namespace aiswatch::app
