#include "io/batch_queue.h"

#include <utility>

namespace aiswatch::io {

bool BatchQueue::try_push(LineBatch& batch) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || !has_room_locked()) return false;
    bytes_ += batch.bytes();
    batches_.push_back(std::move(batch));
  }
  not_empty_.notify_one();
  return true;
}

bool BatchQueue::wait_for_space(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  not_full_.wait_for(lock, timeout, [this] { return closed_ || has_room_locked(); });
  return !closed_ && has_room_locked();
}

std::optional<LineBatch> BatchQueue::pop(std::chrono::milliseconds timeout) {
  std::optional<LineBatch> batch;
  {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, timeout, [this] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return std::nullopt;
    batch.emplace(std::move(batches_.front()));
    batches_.pop_front();
    bytes_ -= batch->bytes();
  }
  not_full_.notify_all();
  return batch;
}

void BatchQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

bool BatchQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t BatchQueue::depth_batches() const {
  std::lock_guard lock(mutex_);
  return batches_.size();
}

std::size_t BatchQueue::depth_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace aiswatch::io
