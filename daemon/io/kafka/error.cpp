#include "io/kafka/error.h"

#include <utility>

namespace aiswatch::io::kafka {

bool is_retriable_code(rd_kafka_resp_err_t code) {
  switch (code) {
    // Local conditions that clear by themselves: connections come back, the queue drains.
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    // The protocol's retriable errors (Apache Kafka's RetriableException subclasses).
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT:
      return true;
    default:
      return false;
  }
}

KafkaError KafkaError::from_code(rd_kafka_resp_err_t code, std::string message) {
  KafkaError error;
  error.code_ = code;
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return error;
  error.message_ = message.empty() ? std::string(rd_kafka_err2str(code)) : std::move(message);
  error.fatal_ = code == RD_KAFKA_RESP_ERR__FATAL;
  error.retriable_ = !error.fatal_ && is_retriable_code(code);
  return error;
}

KafkaError KafkaError::from_error(rd_kafka_error_t* raw) {
  KafkaError error;
  if (raw == nullptr) return error;
  error.code_ = rd_kafka_error_code(raw);
  error.message_ = rd_kafka_error_string(raw);
  error.fatal_ = rd_kafka_error_is_fatal(raw) != 0;
  error.retriable_ = rd_kafka_error_is_retriable(raw) != 0;
  error.txn_requires_abort_ = rd_kafka_error_txn_requires_abort(raw) != 0;
  rd_kafka_error_destroy(raw);
  return error;
}

KafkaError KafkaError::resolve(rd_kafka_t* rk, rd_kafka_resp_err_t code, std::string message) {
  if (code != RD_KAFKA_RESP_ERR__FATAL || rk == nullptr) {
    return from_code(code, std::move(message));
  }
  char reason[512] = {0};
  const rd_kafka_resp_err_t underlying = rd_kafka_fatal_error(rk, reason, sizeof reason);
  KafkaError error;
  // Keep the underlying code (it says what went wrong) but mark the error fatal: the instance
  // is done whatever the code would mean on its own.
  error.code_ = underlying != RD_KAFKA_RESP_ERR_NO_ERROR ? underlying : code;
  error.message_ = reason[0] != '\0' ? std::string(reason)
                   : message.empty() ? std::string(rd_kafka_err2str(code))
                                     : std::move(message);
  error.fatal_ = true;
  return error;
}

KafkaError KafkaError::invalid_config(std::string message) {
  KafkaError error;
  error.code_ = RD_KAFKA_RESP_ERR__INVALID_ARG;
  error.message_ = std::move(message);
  return error;
}

std::string KafkaError::name() const { return rd_kafka_err2name(code_); }

std::string KafkaError::to_string() const {
  if (ok()) return "NO_ERROR";
  std::string text = name() + ": " + message_;
  if (fatal_) text += " [fatal]";
  if (retriable_) text += " [retriable]";
  if (txn_requires_abort_) text += " [abort]";
  return text;
}

}  // namespace aiswatch::io::kafka
