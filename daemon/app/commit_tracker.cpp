#include "app/commit_tracker.h"

#include <algorithm>

namespace aiswatch::app {

void CommitTracker::merge_into(std::vector<io::KafkaPosition>& into,
                               const std::vector<io::KafkaPosition>& from) {
  for (const io::KafkaPosition& p : from) {
    auto same = std::find_if(into.begin(), into.end(), [&](const io::KafkaPosition& q) {
      return q.partition == p.partition && q.topic == p.topic;
    });
    if (same == into.end()) {
      into.push_back(p);
    } else {
      same->next_offset = std::max(same->next_offset, p.next_offset);
    }
  }
}

void CommitTracker::processed(const std::vector<io::KafkaPosition>& positions,
                              uint64_t produced_through) {
  if (positions.empty()) return;
  // Batches that produced nothing new share the wait point of the batch before them.
  if (!waiting_.empty() && waiting_.back().produced_through == produced_through) {
    merge_into(waiting_.back().positions, positions);
    return;
  }
  waiting_.push_back(WaitPoint{produced_through, positions});
  if (waiting_.size() > max_waiting_) {
    // Merge the oldest into the next: it is committed with it, a little later.
    WaitPoint oldest = std::move(waiting_.front());
    waiting_.pop_front();
    std::vector<io::KafkaPosition> merged = std::move(oldest.positions);
    merge_into(merged, waiting_.front().positions);
    waiting_.front().positions = std::move(merged);
  }
}

std::vector<io::KafkaPosition> CommitTracker::committable(uint64_t acked_through) {
  std::vector<io::KafkaPosition> ready;
  while (!waiting_.empty() && waiting_.front().produced_through <= acked_through) {
    merge_into(ready, waiting_.front().positions);
    waiting_.pop_front();
  }
  return ready;
}

}  // namespace aiswatch::app
