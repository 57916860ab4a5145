#include "io/kafka/error.h"

#include <gtest/gtest.h>

#include <string>

namespace aiswatch::io::kafka {
namespace {

TEST(KafkaError, DefaultIsSuccess) {
  const KafkaError error;
  EXPECT_TRUE(error.ok());
  EXPECT_FALSE(static_cast<bool>(error));
  EXPECT_EQ(error.to_string(), "NO_ERROR");
  EXPECT_TRUE(KafkaError::from_code(RD_KAFKA_RESP_ERR_NO_ERROR).ok());
  EXPECT_TRUE(KafkaError::from_error(nullptr).ok());
}

TEST(KafkaError, TransientConditionsAreRetriable) {
  for (const auto code :
       {RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS}) {
    const auto error = KafkaError::from_code(code);
    EXPECT_FALSE(error.ok()) << error.name();
    EXPECT_TRUE(error.retriable()) << error.name();
    EXPECT_FALSE(error.fatal()) << error.name();
    EXPECT_FALSE(error.txn_requires_abort()) << error.name();
  }
}

TEST(KafkaError, PermanentErrorsAreNeitherRetriableNorFatal) {
  for (const auto code :
       {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION}) {
    const auto error = KafkaError::from_code(code);
    EXPECT_FALSE(error.retriable()) << error.name();
    EXPECT_FALSE(error.fatal()) << error.name();
  }
}

TEST(KafkaError, NameIsTheStableSymbolAndMessageTheText) {
  const auto error = KafkaError::from_code(RD_KAFKA_RESP_ERR__QUEUE_FULL);
  EXPECT_EQ(error.name(), "_QUEUE_FULL");
  EXPECT_EQ(error.message(), rd_kafka_err2str(RD_KAFKA_RESP_ERR__QUEUE_FULL));
  EXPECT_EQ(error.to_string(), "_QUEUE_FULL: " + error.message() + " [retriable]");
  EXPECT_EQ(KafkaError::from_code(RD_KAFKA_RESP_ERR__TRANSPORT, "broker gone").message(),
            "broker gone");
}

TEST(KafkaError, FatalCodeIsFatal) {
  const auto error = KafkaError::from_code(RD_KAFKA_RESP_ERR__FATAL);
  EXPECT_TRUE(error.fatal());
  EXPECT_FALSE(error.retriable());
}

TEST(KafkaError, ErrorObjectsCarryTheirOwnFlags) {
  // rd_kafka_error_t says for itself whether it is retriable/fatal/abortable; from_error takes it
  // over (and destroys it: ASan would report a leak otherwise).
  rd_kafka_error_t* raw = rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "not in %s", "transaction");
  const auto error = KafkaError::from_error(raw);
  EXPECT_EQ(error.code(), RD_KAFKA_RESP_ERR__STATE);
  EXPECT_EQ(error.message(), "not in transaction");
  EXPECT_FALSE(error.fatal());
  EXPECT_FALSE(error.retriable());
  EXPECT_FALSE(error.txn_requires_abort());
}

TEST(KafkaError, ResolveReadsTheInstancesFatalError) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char reason[256];
  ASSERT_EQ(rd_kafka_conf_set(conf, "enable.idempotence", "true", reason, sizeof reason),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "log_level", "0", reason, sizeof reason), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
  ASSERT_NE(rk, nullptr) << reason;
  // librdkafka's own hook to fabricate a fatal error: there is no practical way to cause one.
  ASSERT_EQ(rd_kafka_test_fatal_error(rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "test"),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto error = KafkaError::resolve(rk, RD_KAFKA_RESP_ERR__FATAL);
  EXPECT_TRUE(error.fatal());
  EXPECT_EQ(error.code(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  EXPECT_NE(error.message().find("test"), std::string::npos) << error.message();
  // A code other than _FATAL is taken as it is.
  EXPECT_FALSE(KafkaError::resolve(rk, RD_KAFKA_RESP_ERR__TRANSPORT).fatal());
  rd_kafka_destroy(rk);
}

TEST(KafkaError, InvalidConfigIsPermanent) {
  const auto error = KafkaError::invalid_config("kafka property \"x\": unknown");
  EXPECT_EQ(error.code(), RD_KAFKA_RESP_ERR__INVALID_ARG);
  EXPECT_FALSE(error.retriable());
  EXPECT_FALSE(error.fatal());
}

}  // namespace
}  // namespace aiswatch::io::kafka
