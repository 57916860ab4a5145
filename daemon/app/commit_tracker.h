#pragma once
// At-least-once for Kafka input: an input offset may be committed only when the batch it ends
// has been processed AND every alert that batch (or any before it) produced has been acknowledged
// by the broker (DESIGN.md, "State and delivery"). Committing on processing alone would lose an
// alert whose delivery then failed; committing on acknowledgement alone could commit past a batch
// still in the core.
//
// The core loop calls processed() after each batch with the positions it reached and the
// producer's sequence number at that moment (every alert produced so far has a sequence <= it);
// whenever the producer's acknowledged-through sequence moves, committable() returns the newest
// position per partition that may now be committed, and forgets the batches it covers.
// Single-threaded (the core thread). Bounded: batches are merged per partition as they wait, so
// memory is one entry per (wait point, partition) — at most `max_waiting` wait points, beyond
// which the oldest two are merged (their commit then waits for the later acknowledgement, which
// only delays a commit, never loses one).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "io/line_batch.h"

namespace aiswatch::app {

class CommitTracker {
 public:
  explicit CommitTracker(std::size_t max_waiting = 4096) : max_waiting_(max_waiting) {}

  // A batch was processed; `produced_through` is the producer's last sequence number assigned.
  void processed(const std::vector<io::KafkaPosition>& positions, uint64_t produced_through);
  // Positions that may be committed now that every produce <= acked_through is acknowledged;
  // empty when nothing new. One per (topic, partition), the newest.
  std::vector<io::KafkaPosition> committable(uint64_t acked_through);

  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct WaitPoint {
    uint64_t produced_through = 0;
    std::vector<io::KafkaPosition> positions;  // newest per partition
  };
  static void merge_into(std::vector<io::KafkaPosition>& into,
                         const std::vector<io::KafkaPosition>& from);

  std::size_t max_waiting_;
  std::deque<WaitPoint> waiting_;
};

}  // namespace aiswatch::app
