#pragma once
// The one hand-over between I/O threads and the detection core: a bounded multi-producer,
// single-consumer queue of LineBatch. It is bounded in bytes of line text, so a slow core makes
// sources wait (back-pressure) instead of memory growing:
//   - a source that can wait (Kafka: stop fetching; TCP: stop reading) calls try_push and, when
//     it is refused, retries later (wait_for_space, or an Asio timer on the I/O loop);
//   - a source that cannot wait (UDP: the sender does not slow down) counts the batch as dropped.
// A batch larger than the whole capacity is accepted when the queue is empty, so nothing is ever
// refused forever.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "io/line_batch.h"

namespace aiswatch::io {

class BatchQueue {
 public:
  explicit BatchQueue(std::size_t capacity_bytes = 64u << 20) : capacity_bytes_(capacity_bytes) {}
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Adds the batch if there is room (or the queue is empty); false when full or closed, and the
  // batch is left untouched for a retry.
  bool try_push(LineBatch& batch);
  // Waits up to `timeout` for room; false if there is still none or the queue is closed.
  bool wait_for_space(std::chrono::milliseconds timeout);
  // The next batch, waiting up to `timeout`; nullopt on timeout or when closed and empty.
  std::optional<LineBatch> pop(std::chrono::milliseconds timeout);
  // No more pushes are accepted; pop drains what is queued, then returns nullopt at once.
  void close();

  bool closed() const;
  std::size_t depth_batches() const;
  std::size_t depth_bytes() const;
  std::size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  bool has_room_locked() const { return bytes_ < capacity_bytes_ || batches_.empty(); }

  const std::size_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<LineBatch> batches_;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace aiswatch::io
