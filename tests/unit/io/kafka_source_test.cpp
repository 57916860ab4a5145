#include "io/kafka/consumer_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io/kafka/embedded_cluster.h"
#include "io/kafka/producer.h"
#include "tools/kafka_test_util.h"

namespace aiswatch::io::kafka {
namespace {

using namespace std::chrono_literals;
using aiswatch::testing::Collected;
using aiswatch::testing::fast_consumer_properties;
using aiswatch::testing::fast_producer_properties;
using aiswatch::testing::metric_value;
using aiswatch::testing::run_until;
using aiswatch::testing::wait_acked;

constexpr int64_t base_ms = 1'700'000'000'000;

// Writes one record with an explicit CreateTime (KafkaProducer stamps the wall clock) and, when
// `value` is nullptr, no value at all (a tombstone).
void produce_raw(KafkaProducer& producer, const std::string& topic, int32_t partition,
                 const std::string* value, int64_t timestamp_ms = 0, const std::string& key = {}) {
  // The producev macros do not parenthesise their arguments: plain variables only.
  void* key_data = key.empty() ? nullptr : const_cast<char*>(key.data());
  const std::size_t key_size = key.size();
  void* value_data = value != nullptr ? const_cast<char*>(value->data()) : nullptr;
  const std::size_t value_size = value != nullptr ? value->size() : 0;
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      producer.raw(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key_size),
      RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
}

class KafkaSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    producer_ = std::make_unique<KafkaProducer>(cluster_.bootstrap_servers(),
                                                fast_producer_properties(), producer_registry_);
  }
  void TearDown() override {
    sources_.clear();  // clients before the cluster (quiet shutdown)
    producer_.reset();
  }

  KafkaSource& make_source(const std::string& name, const std::string& group,
                           std::vector<std::string> topics, Properties extra = {},
                           KafkaSourceOptions options = {}, BatchQueue* queue = nullptr) {
    auto properties = fast_consumer_properties();
    for (auto& [key, value] : extra) properties[key] = value;
    options.lag_interval = 50ms;
    sources_.push_back(std::make_unique<KafkaSource>(
        io_, queue != nullptr ? *queue : queue_, name, cluster_.bootstrap_servers(), group,
        std::move(topics), properties, registry_, options));
    return *sources_.back();
  }

  bool flush_producer() {
    // Raw produces (produce_raw) have no sequence; flush covers them all.
    return producer_->flush(10s).ok() && wait_acked(*producer_);
  }

  EmbeddedCluster cluster_;
  prometheus::Registry producer_registry_;
  prometheus::Registry registry_;
  boost::asio::io_context io_;
  BatchQueue queue_;
  std::unique_ptr<KafkaProducer> producer_;
  std::vector<std::unique_ptr<KafkaSource>> sources_;
};

TEST_F(KafkaSourceTest, RoundTripCarriesLinesRecordTimesAndPositions) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 2).ok());
  for (int32_t partition = 0; partition < 2; ++partition) {
    for (int i = 0; i < 10; ++i) {
      const std::string value = "!AIVDM,p" + std::to_string(partition) + ",n" + std::to_string(i);
      produce_raw(*producer_, "ais.raw", partition, &value, base_ms + partition * 1000 + i);
    }
  }
  ASSERT_TRUE(flush_producer());

  auto& source = make_source("feed", "g1", {"ais.raw"});
  EXPECT_FALSE(source.ready());
  EXPECT_EQ(source.name(), "feed");
  source.start();
  Collected got;
  ASSERT_TRUE(run_until(io_, queue_, got, [&] { return got.lines.size() >= 20; }));
  ASSERT_EQ(got.lines.size(), 20u);
  EXPECT_TRUE(source.ready());

  // Arrival time is the record's CreateTime, not the wall clock.
  for (std::size_t i = 0; i < got.lines.size(); ++i) {
    const std::string& line = got.lines[i];
    const int partition = line[8] - '0';
    const int n = std::stoi(line.substr(11));
    EXPECT_EQ(got.arrival_ms[i], base_ms + partition * 1000 + n) << line;
  }
  // Order within a partition is kept.
  std::map<char, int> last{{'0', -1}, {'1', -1}};
  for (const auto& line : got.lines) {
    const int n = std::stoi(line.substr(11));
    EXPECT_EQ(n, last[line[8]] + 1) << line;
    last[line[8]] = n;
  }
  // Next offsets per partition.
  EXPECT_EQ((got.positions.at({"ais.raw", 0})), 10);
  EXPECT_EQ((got.positions.at({"ais.raw", 1})), 10);

  EXPECT_EQ(source.records(), 20u);
  EXPECT_EQ(metric_value(registry_, "aiswatch_source_lines_total", {{"source", "feed"}}), 20);
  EXPECT_EQ(metric_value(registry_, "aiswatch_kafka_records_total", {{"source", "feed"}}), 20);
  EXPECT_GE(metric_value(registry_, "aiswatch_kafka_rebalances_total",
                         {{"source", "feed"}, {"kind", "assign"}}),
            1);
  // Lag gauges appear for the assigned partitions and reach 0 once caught up.
  const std::map<std::string, std::string> lag_labels{
      {"source", "feed"}, {"topic", "ais.raw"}, {"partition", "1"}};
  ASSERT_TRUE(run_until(io_, queue_, got, [&] {
    return metric_value(registry_, "aiswatch_kafka_consumer_lag_messages", lag_labels) == 0;
  }));
}

TEST_F(KafkaSourceTest, RecordsWithSeveralLinesAndPoisonRecords) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 1).ok());
  // librdkafka's default message.max.bytes (1,000,000) is below the 1 MiB poison record.
  auto properties = fast_producer_properties();
  properties["message.max.bytes"] = "2000000";
  producer_ =
      std::make_unique<KafkaProducer>(cluster_.bootstrap_servers(), properties, producer_registry_);
  const std::string multi = "!AIVDM,a\n!AIVDM,b\r\n\n!AIVDM,c\n";
  const std::string empty;
  const std::string binary("\x00\x01\xff\n\x02\x80", 6);
  const std::string huge(1u << 20, 'x');  // 1 MiB, no newline
  const std::string last = "!AIVDM,last";
  produce_raw(*producer_, "ais.raw", 0, &multi, base_ms);
  produce_raw(*producer_, "ais.raw", 0, &empty, base_ms);
  produce_raw(*producer_, "ais.raw", 0, nullptr, base_ms, "tombstone-key");
  produce_raw(*producer_, "ais.raw", 0, &binary, base_ms);
  produce_raw(*producer_, "ais.raw", 0, &huge, base_ms);
  produce_raw(*producer_, "ais.raw", 0, &last, base_ms);
  ASSERT_TRUE(flush_producer());

  auto& source = make_source("feed", "g1", {"ais.raw"});
  source.start();
  Collected got;
  ASSERT_TRUE(
      run_until(io_, queue_, got, [&] { return !got.lines.empty() && got.lines.back() == last; }));
  // Lines are split and their '\r' dropped; binary text goes on to the engine (which counts its
  // rejects); the 1 MiB line arrives whole; empty records and tombstones are counted.
  const std::vector<std::string> expected{"!AIVDM,a",
                                          "!AIVDM,b",
                                          "!AIVDM,c",
                                          std::string("\x00\x01\xff", 3),
                                          std::string("\x02\x80", 2),
                                          huge,
                                          last};
  ASSERT_EQ(got.lines.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    // Not EXPECT_EQ: a failure would print the 1 MiB line.
    EXPECT_TRUE(got.lines[i] == expected[i])
        << "line " << i << ", " << got.lines[i].size() << " bytes";
  }
  EXPECT_EQ(source.records(), 6u);
  EXPECT_EQ(metric_value(registry_, "aiswatch_kafka_empty_records_total", {{"source", "feed"}}), 2);
  EXPECT_EQ((got.positions.at({"ais.raw", 0})), 6);
}

TEST_F(KafkaSourceTest, BackPressureLosesNothingAndKeepsPartitionOrder) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 4).ok());
  constexpr int keys = 8;
  constexpr int per_key = 250;
  for (int n = 0; n < per_key; ++n) {
    for (int k = 0; k < keys; ++k) {
      const std::string key = "k" + std::to_string(k);
      ASSERT_TRUE(producer_->produce("ais.raw", key, key + ":" + std::to_string(n)).ok());
    }
    producer_->poll(0ms);
  }
  ASSERT_TRUE(flush_producer());

  BatchQueue tiny(64);  // a few lines at a time: the source is refused most of the time
  KafkaSourceOptions options;
  options.max_batch_bytes = 48;
  options.retry_interval = 1ms;
  auto& source = make_source("feed", "g1", {"ais.raw"}, {}, options, &tiny);
  source.start();
  Collected got;
  // The core takes one batch per 2 ms turn.
  ASSERT_TRUE(run_until(
      io_, tiny, got, [&] { return got.lines.size() >= keys * per_key; }, 20s, 1));
  EXPECT_EQ(got.lines.size(), static_cast<std::size_t>(keys * per_key));
  std::map<std::string, int> next;
  for (const auto& line : got.lines) {
    const auto colon = line.find(':');
    const std::string key = line.substr(0, colon);
    EXPECT_EQ(std::stoi(line.substr(colon + 1)), next[key]) << line;
    next[key] = std::stoi(line.substr(colon + 1)) + 1;
  }
  EXPECT_EQ(next.size(), static_cast<std::size_t>(keys));
  EXPECT_GT(got.batches, 100u);
}

TEST_F(KafkaSourceTest, CommittedOffsetIsWhereTheGroupResumes) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 1).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(producer_->produce("ais.raw", {}, "m" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(flush_producer());
  {
    auto& first = make_source("feed", "group-a", {"ais.raw"});
    first.start();
    Collected got;
    ASSERT_TRUE(run_until(io_, queue_, got, [&] { return got.lines.size() >= 10; }));
    EXPECT_EQ((got.positions.at({"ais.raw", 0})), 10);
    // The core finished only the first six records' alerts: commit up to there.
    // From another thread, as the core does; for one partition the highest offset wins.
    std::thread core([&] {
      first.commit({KafkaPosition{"ais.raw", 0, 6}, KafkaPosition{"ais.raw", 0, 4}});
    });
    core.join();
    ASSERT_TRUE(run_until(io_, queue_, got, [&] { return first.commits_ok() >= 1; }));
    first.stop();
    first.close();
    first.commit({KafkaPosition{"ais.raw", 0, 10}});  // after close: ignored
    EXPECT_EQ(metric_value(registry_, "aiswatch_kafka_commits_total",
                           {{"source", "feed"}, {"result", "ok"}}),
              1);
  }
  sources_.clear();
  auto& second = make_source("feed2", "group-a", {"ais.raw"});
  second.start();
  Collected got;
  ASSERT_TRUE(run_until(io_, queue_, got, [&] { return got.lines.size() >= 4; }));
  EXPECT_EQ(got.lines, (std::vector<std::string>{"m6", "m7", "m8", "m9"}));
}

TEST_F(KafkaSourceTest, BrokerDownThenUpLosesNothing) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 2).ok());
  auto& source = make_source("feed", "g1", {"ais.raw"});
  source.start();
  Collected got;
  int produced = 0;
  auto produce = [&](int count) {
    for (int i = 0; i < count; ++i, ++produced) {
      ASSERT_TRUE(producer_
                      ->produce("ais.raw", "k" + std::to_string(produced % 5),
                                "r" + std::to_string(produced))
                      .ok());
    }
  };
  produce(50);
  ASSERT_TRUE(run_until(io_, queue_, got, [&] {
    producer_->poll(0ms);
    return got.lines.size() >= 50;
  }));

  ASSERT_TRUE(cluster_.broker_down(1).ok());
  produce(50);  // queued locally while the broker is away
  run_until(
      io_, queue_, got, [] { return false; }, 300ms);
  EXPECT_LT(producer_->acked_through(), 100u);
  ASSERT_TRUE(cluster_.broker_up(1).ok());

  ASSERT_TRUE(run_until(
      io_, queue_, got,
      [&] {
        producer_->poll(0ms);
        return producer_->acked_through() == 100 && got.lines.size() >= 100;
      },
      20s));
  EXPECT_EQ(producer_->failed(), 0u);
  std::set<std::string> distinct(got.lines.begin(), got.lines.end());
  EXPECT_EQ(distinct.size(), 100u);
  // The group still works after the outage: commit what was consumed.
  source.commit(got.all_positions());
  ASSERT_TRUE(run_until(io_, queue_, got, [&] { return source.commits_ok() >= 1; }));
}

// Two members of one group: the second one's arrival moves partitions; with the cooperative
// protocol only the moved ones are revoked. Everything is seen at least once.
void rebalance_case(KafkaSourceTest& test, EmbeddedCluster& cluster, KafkaProducer& producer,
                    const std::function<KafkaSource&(const std::string&)>& make,
                    boost::asio::io_context& io, BatchQueue& queue) {
  ASSERT_TRUE(cluster.create_topic("ais.raw", 4).ok());
  (void)test;
  auto& a = make("a");
  // Shared with the hooks, which also run when the fixture closes the sources.
  auto a_revoked = std::make_shared<std::vector<TopicPartition>>();
  auto b_assigned = std::make_shared<std::vector<TopicPartition>>();
  a.set_on_revoked([a_revoked](const std::vector<TopicPartition>& p) {
    a_revoked->insert(a_revoked->end(), p.begin(), p.end());
  });
  a.start();
  Collected got;
  ASSERT_TRUE(run_until(io, queue, got, [&] { return a.assignment().size() == 4; }));
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(producer.produce("ais.raw", "k" + std::to_string(i), "r" + std::to_string(i)).ok());
  }
  auto& b = make("b");
  b.set_on_assigned([b_assigned](const std::vector<TopicPartition>& p) {
    b_assigned->insert(b_assigned->end(), p.begin(), p.end());
  });
  b.start();
  ASSERT_TRUE(run_until(
      io, queue, got,
      [&] {
        producer.poll(0ms);
        std::set<std::string> distinct(got.lines.begin(), got.lines.end());
        return !a.assignment().empty() && !b.assignment().empty() &&
               a.assignment().size() + b.assignment().size() == 4 && distinct.size() == 40;
      },
      20s));
  EXPECT_TRUE(a.ready());
  EXPECT_TRUE(b.ready());
  EXPECT_FALSE(a_revoked->empty());
  EXPECT_FALSE(b_assigned->empty());
  EXPECT_GE(a.rebalances(), 2u);
}

TEST_F(KafkaSourceTest, CooperativeRebalanceMovesPartitionsWithoutLoss) {
  rebalance_case(
      *this, cluster_, *producer_,
      [&](const std::string& name) -> KafkaSource& {
        return make_source(name, "g1", {"ais.raw"},
                           {{"partition.assignment.strategy", "cooperative-sticky"}});
      },
      io_, queue_);
}

TEST_F(KafkaSourceTest, EagerRebalanceMovesPartitionsWithoutLoss) {
  rebalance_case(
      *this, cluster_, *producer_,
      [&](const std::string& name) -> KafkaSource& {
        return make_source(name, "g1", {"ais.raw"}, {{"partition.assignment.strategy", "range"}});
      },
      io_, queue_);
}

TEST_F(KafkaSourceTest, FatalErrorReachesTheHandlerAndClearsReady) {
  auto& source = make_source("feed", "g1", {"ais.raw"});
  int calls = 0;
  std::optional<KafkaError> seen;
  source.set_on_fatal([&](const KafkaError& error) {
    ++calls;
    seen = error;
    source.stop();  // allowed: the handler runs from the loop, outside librdkafka's polls
  });
  source.start();
  // librdkafka's hook to fabricate a fatal error (a real one needs e.g. a fenced static member).
  ASSERT_EQ(rd_kafka_test_fatal_error(source.raw(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID, "test"),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  Collected got;
  ASSERT_TRUE(run_until(io_, queue_, got, [&] { return calls > 0; }));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(seen->fatal());
  EXPECT_EQ(seen->code(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  EXPECT_FALSE(source.ready());
  EXPECT_GE(metric_value(registry_, "aiswatch_kafka_consumer_errors_total",
                         {{"source", "feed"}, {"reason", "FENCED_INSTANCE_ID"}}),
            1);
}

TEST_F(KafkaSourceTest, InvalidPropertyIsReportedWithItsKey) {
  try {
    make_source("feed", "g1", {"ais.raw"}, {{"fetch.wait.max.ms", "-5"}});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"fetch.wait.max.ms\""), std::string::npos) << e.what();
  }
}

// An eager rebalance revokes every partition and assigns some back. Those read on from this
// member's own position — past every record it has handed over — not from the group's committed
// offset (here none: the earliest): nothing of theirs is read twice, nothing skipped. (A batch
// still held at the assignment would count as handed over; with an eager protocol none is: the
// revoke and the assignment come in separate polls, and a held batch stops polling.)
TEST_F(KafkaSourceTest, PartitionsAssignedBackResumeWhereThisMemberWas) {
  constexpr int partitions = 4;
  constexpr int per_partition = 2'000;  // a few seconds of reading: the rebalance comes midway
  ASSERT_TRUE(cluster_.create_topic("ais.raw", partitions).ok());
  for (int n = 0; n < per_partition; ++n) {
    for (int32_t p = 0; p < partitions; ++p) {
      const std::string value = std::to_string(p) + ":" + std::to_string(n);
      produce_raw(*producer_, "ais.raw", p, &value, base_ms);
    }
  }
  ASSERT_TRUE(flush_producer());

  const Properties eager{{"partition.assignment.strategy", "range"}};
  BatchQueue a_queue(256);  // small: `a` is held back by its core, building batches meanwhile
  BatchQueue b_queue;
  KafkaSourceOptions slow;
  slow.max_batch_bytes = 64;
  slow.retry_interval = 1ms;
  auto& a = make_source("a", "g1", {"ais.raw"}, eager, slow, &a_queue);
  auto& b = make_source("b", "g1", {"ais.raw"}, eager, {}, &b_queue);
  std::map<int32_t, std::vector<int>> a_read;  // per partition, in the order `a` handed them over
  std::size_t b_lines = 0;
  auto run = [&](const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(2ms);
      if (auto batch = a_queue.pop(0ms)) {  // one batch per turn: a slow core
        for (std::size_t i = 0; i < batch->size(); ++i) {
          const std::string line(batch->line(i));
          const auto colon = line.find(':');
          a_read[std::stoi(line.substr(0, colon))].push_back(std::stoi(line.substr(colon + 1)));
        }
      }
      while (auto batch = b_queue.pop(0ms)) b_lines += batch->size();
    }
    return done();
  };
  a.start();
  ASSERT_TRUE(run([&] { return a_read.size() == partitions; })) << "a reads every partition";
  // `a` is reading mid-stream, its queue full, when `b` joins.
  b.start();
  ASSERT_TRUE(run([&] { return !a.assignment().empty() && !b.assignment().empty(); }))
      << "the rebalance ends with partitions on both members";
  ASSERT_GE(a.rebalances(), 3u) << "assign, revoke all, assign some back";
  std::vector<int32_t> kept;
  for (const TopicPartition& tp : a.assignment()) kept.push_back(tp.partition);
  ASSERT_TRUE(run([&] {
    for (int32_t p : kept) {
      if (a_read[p].size() < per_partition) return false;
    }
    return true;
  })) << "a reads its partitions to the end";
  run([] { return false; }, 300ms);  // nothing more should come
  for (int32_t p : kept) {
    std::vector<int> expected(per_partition);
    for (int n = 0; n < per_partition; ++n) expected[static_cast<std::size_t>(n)] = n;
    EXPECT_EQ(a_read[p], expected) << "partition " << p << ": each record once, in order";
  }
  EXPECT_GT(b_lines, 0u);
}

TEST_F(KafkaSourceTest, StopDropsTheHeldBatchAndPushesNothingMore) {
  ASSERT_TRUE(cluster_.create_topic("ais.raw", 1).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(producer_->produce("ais.raw", {}, "m").ok());
  ASSERT_TRUE(flush_producer());
  BatchQueue tiny(1);
  KafkaSourceOptions options;
  options.max_batch_bytes = 1;
  auto& source = make_source("feed", "g1", {"ais.raw"}, {}, options, &tiny);
  source.start();
  Collected none;
  // Nobody pops: one batch gets in, the next is held.
  ASSERT_TRUE(run_until(
      io_, tiny, none, [&] { return tiny.depth_batches() == 1 && source.records() >= 2; }, 10s, 0));
  source.stop();
  EXPECT_FALSE(source.ready());
  ASSERT_TRUE(tiny.pop(0ms).has_value());
  run_until(
      io_, tiny, none, [] { return false; }, 100ms, 0);
  EXPECT_EQ(tiny.depth_batches(), 0u);
}

}  // namespace
}  // namespace aiswatch::io::kafka
