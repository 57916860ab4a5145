#include "app/commit_tracker.h"

#include <gtest/gtest.h>

namespace aiswatch::app {
namespace {

io::KafkaPosition at(int32_t partition, int64_t next_offset) {
  return io::KafkaPosition{"aiswatch.nmea", partition, next_offset};
}

TEST(CommitTracker, NothingIsCommittableUntilTheAlertsBeforeItAreAcknowledged) {
  CommitTracker tracker;
  tracker.processed({at(0, 10)}, 3);  // alerts 1..3 produced by the time offset 9 was processed
  EXPECT_TRUE(tracker.committable(2).empty());
  const auto ready = tracker.committable(3);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].next_offset, 10);
  EXPECT_TRUE(tracker.committable(3).empty()) << "a position is committed once";
}

TEST(CommitTracker, CommitsTheNewestPositionPerPartitionThatIsCovered) {
  CommitTracker tracker;
  tracker.processed({at(0, 10), at(1, 5)}, 1);
  tracker.processed({at(0, 20)}, 2);
  tracker.processed({at(0, 30), at(1, 7)}, 5);
  auto ready = tracker.committable(2);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].partition, 0);
  EXPECT_EQ(ready[0].next_offset, 20);
  EXPECT_EQ(ready[1].partition, 1);
  EXPECT_EQ(ready[1].next_offset, 5);
  ready = tracker.committable(5);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].next_offset, 30);
  EXPECT_EQ(ready[1].next_offset, 7);
}

TEST(CommitTracker, BatchesWithoutNewAlertsShareAWaitPoint) {
  CommitTracker tracker;
  for (int64_t offset = 1; offset <= 100; ++offset) tracker.processed({at(0, offset)}, 4);
  EXPECT_EQ(tracker.waiting(), 1u);
  const auto ready = tracker.committable(4);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].next_offset, 100);
}

TEST(CommitTracker, StaysBoundedByMergingTheOldestWaitPoints) {
  CommitTracker tracker(8);
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    tracker.processed({at(0, static_cast<int64_t>(seq) * 10)}, seq);
  }
  EXPECT_LE(tracker.waiting(), 8u);
  // A merged wait point waits for the later acknowledgement: never committed early.
  const auto early = tracker.committable(50);
  for (const auto& p : early) EXPECT_LE(p.next_offset, 500);
  const auto ready = tracker.committable(100);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].next_offset, 1000);
}

}  // namespace
}  // namespace aiswatch::app
