#include "io/kafka/producer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "io/kafka/embedded_cluster.h"
#include "tools/kafka_test_util.h"

namespace aiswatch::io::kafka {
namespace {

using namespace std::chrono_literals;
using aiswatch::testing::fast_producer_properties;
using aiswatch::testing::metric_value;
using aiswatch::testing::wait_acked;

TEST(KafkaProducer, EveryProduceIsAckedAndCounted) {
  EmbeddedCluster cluster;
  ASSERT_TRUE(cluster.create_topic("alerts", 2).ok());
  prometheus::Registry registry;
  KafkaProducer producer(cluster.bootstrap_servers(), fast_producer_properties(), registry);
  EXPECT_EQ(producer.acked_through(), 0u);
  for (int i = 0; i < 100; ++i) {
    uint64_t seq = 0;
    const auto error =
        producer.produce("alerts", "key" + std::to_string(i % 7), "value" + std::to_string(i),
                         {{"type", "dark"}, {"severity", "high"}}, &seq);
    ASSERT_TRUE(error.ok()) << error.to_string();
    EXPECT_EQ(seq, static_cast<uint64_t>(i + 1));
  }
  EXPECT_EQ(producer.last_sequence(), 100u);
  ASSERT_TRUE(wait_acked(producer));
  EXPECT_EQ(producer.acked_through(), 100u);
  EXPECT_EQ(producer.outstanding(), 0u);
  EXPECT_EQ(producer.delivered(), 100u);
  EXPECT_EQ(producer.failed(), 0u);
  EXPECT_EQ(metric_value(registry, "aiswatch_kafka_produced_total", {{"topic", "alerts"}}), 100);
  EXPECT_TRUE(producer.flush(1s).ok());
  EXPECT_EQ(metric_value(registry, "aiswatch_kafka_producer_queue_messages", {}), 0);
}

std::string property(const KafkaProducer& producer, const char* name) {
  char value[64] = {0};
  std::size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(producer.raw()), name, value, &size) != RD_KAFKA_CONF_OK)
    return "(unknown)";
  return value;
}

TEST(KafkaProducer, AnAlertWaitsADayForTheBrokersUnlessTheOperatorSetsATimeout) {
  prometheus::Registry registry;
  // A failed record counts as handled: with librdkafka's 300 s default an outage longer than
  // that would commit input past alerts never delivered.
  EXPECT_EQ(property(KafkaProducer("127.0.0.1:1", {}, registry), "message.timeout.ms"),
            "86400000");
  EXPECT_EQ(property(KafkaProducer("127.0.0.1:1", {{"message.timeout.ms", "60000"}}, registry),
                     "message.timeout.ms"),
            "60000");
}

TEST(KafkaProducer, InvalidPropertyNamesTheKeyAndLibrdkafkasReason) {
  prometheus::Registry registry;
  try {
    KafkaProducer producer("127.0.0.1:1", {{"linger.ms", "not-a-number"}}, registry);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("\"linger.ms\""), std::string::npos) << what;
    // librdkafka's own words follow (it names linger.ms by its alias queue.buffering.max.ms).
    EXPECT_NE(what.find("Invalid value"), std::string::npos) << what;
  }
  EXPECT_THROW(KafkaProducer("127.0.0.1:1", {{"no.such.property", "1"}}, registry),
               std::invalid_argument);
}

TEST(KafkaProducer, FullLocalQueueIsBackPressureNotLoss) {
  EmbeddedCluster cluster;
  prometheus::Registry registry;
  auto properties = fast_producer_properties();
  properties["queue.buffering.max.messages"] = "5";
  KafkaProducer producer(cluster.bootstrap_servers(), properties, registry);
  for (int i = 0; i < 300; ++i) {
    const auto error = producer.produce("alerts", {}, "v" + std::to_string(i));
    ASSERT_TRUE(error.ok()) << i << ": " << error.to_string();
  }
  ASSERT_TRUE(wait_acked(producer));
  EXPECT_EQ(producer.delivered(), 300u);
  EXPECT_EQ(
      metric_value(registry, "aiswatch_kafka_produce_errors_total", {{"reason", "_QUEUE_FULL"}}),
      -1);
}

TEST(KafkaProducer, QueueFullPastTheDeadlineIsARetriableErrorAndFinal) {
  EmbeddedCluster cluster;
  ASSERT_TRUE(cluster.create_topic("alerts", 1).ok());
  prometheus::Registry registry;
  auto properties = fast_producer_properties();
  properties["queue.buffering.max.messages"] = "1";
  KafkaProducer producer(cluster.bootstrap_servers(), properties, registry);
  ASSERT_TRUE(producer.produce("alerts", {}, "warm-up").ok());
  ASSERT_TRUE(wait_acked(producer));  // connected, metadata known

  ASSERT_TRUE(cluster.broker_down(1).ok());
  producer.set_queue_full_timeout(50ms);
  ASSERT_TRUE(producer.produce("alerts", {}, "held").ok());      // seq 2, waits for the broker
  const auto error = producer.produce("alerts", {}, "refused");  // seq 3
  EXPECT_EQ(error.code(), RD_KAFKA_RESP_ERR__QUEUE_FULL);
  EXPECT_TRUE(error.retriable());
  EXPECT_EQ(producer.failed(), 1u);
  // Seq 3 is final (failed) but seq 2 is not: acked_through stops before it.
  EXPECT_EQ(producer.acked_through(), 1u);
  EXPECT_EQ(
      metric_value(registry, "aiswatch_kafka_produce_errors_total", {{"reason", "_QUEUE_FULL"}}),
      1);

  ASSERT_TRUE(cluster.broker_up(1).ok());
  ASSERT_TRUE(wait_acked(producer));
  EXPECT_EQ(producer.acked_through(), 3u);
  EXPECT_EQ(producer.delivered(), 2u);
}

TEST(KafkaProducer, FatalErrorReachesTheHandlerOnce) {
  EmbeddedCluster cluster;
  prometheus::Registry registry;
  int calls = 0;
  std::optional<KafkaError> seen;
  KafkaProducer producer(cluster.bootstrap_servers(), fast_producer_properties(), registry,
                         [&](const KafkaError& error) {
                           ++calls;
                           seen = error;
                         });
  ASSERT_EQ(rd_kafka_test_fatal_error(producer.raw(),
                                      RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "test"),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (calls == 0 && std::chrono::steady_clock::now() < deadline) producer.poll(10ms);
  ASSERT_EQ(calls, 1);
  EXPECT_TRUE(producer.fatal());
  EXPECT_TRUE(seen->fatal());
  EXPECT_EQ(seen->code(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  // Produce after a fatal error fails at once, fatal, and is final.
  const auto error = producer.produce("alerts", {}, "late");
  EXPECT_TRUE(error.fatal()) << error.to_string();
  EXPECT_EQ(producer.acked_through(), producer.last_sequence());
  EXPECT_EQ(calls, 1);
}

TEST(KafkaProducer, DestructionPurgesWhatTheBrokerNeverGot) {
  EmbeddedCluster cluster;
  ASSERT_TRUE(cluster.broker_down(1).ok());
  prometheus::Registry registry;
  {
    KafkaProducer producer(cluster.bootstrap_servers(), fast_producer_properties(), registry);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer.produce("alerts", {}, "x").ok());
    EXPECT_EQ(producer.outstanding(), 10u);
  }  // must not block for message.timeout.ms
}

}  // namespace
}  // namespace aiswatch::io::kafka
