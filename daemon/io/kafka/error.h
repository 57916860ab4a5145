#pragma once
// Kafka outcomes as values (STYLE habit 7). Every call into librdkafka that can fail hands back a
// KafkaError instead of throwing, and the error says what the caller should do about it:
//
//   fatal()              the client instance is unusable (an idempotent producer lost its
//                        sequence guarantees, a consumer was fenced): stop in order, start over.
//                        librdkafka signals this with RD_KAFKA_RESP_ERR__FATAL; the underlying
//                        error comes from rd_kafka_fatal_error(), which fatal_error_of() reads.
//   retriable()          the same call may succeed later (broker down, leader moving, local queue
//                        full): wait and retry, do not give up on the data.
//   txn_requires_abort() inside a transaction: abort it and start again (for the exactly-once
//                        step; unused while we are at-least-once).
//   none of them         a permanent error for this request (record too large, topic
//                        authorisation): count it by reason and move on.
//
// The model is modern-cpp-kafka's Error.h. librdkafka's rd_kafka_error_t objects carry the three
// flags themselves; a bare rd_kafka_resp_err_t (delivery reports, commit results, event errors)
// does not, so for those the flags come from the table in error.cpp, which follows the Kafka
// protocol's own "retriable" column plus librdkafka's local (negative) codes.
#include <cstdint>
#include <string>

#include <librdkafka/rdkafka.h>

namespace aiswatch::io::kafka {

class KafkaError {
 public:
  // No error.
  KafkaError() = default;

  // From a response/local error code; `message` defaults to rd_kafka_err2str(code). The fatal,
  // retriable and abort flags follow the code (see the table in error.cpp).
  static KafkaError from_code(rd_kafka_resp_err_t code, std::string message = {});
  // From an rd_kafka_error_t, which it destroys (librdkafka hands the caller ownership). nullptr
  // means success.
  static KafkaError from_error(rd_kafka_error_t* error);
  // The instance's fatal error when `code` is RD_KAFKA_RESP_ERR__FATAL (the real reason is kept by
  // the instance, not passed along with the code); otherwise from_code(code, message).
  static KafkaError resolve(rd_kafka_t* rk, rd_kafka_resp_err_t code, std::string message = {});
  // A configuration problem found before any client exists (INVALID_ARG, never retriable).
  static KafkaError invalid_config(std::string message);

  bool ok() const { return code_ == RD_KAFKA_RESP_ERR_NO_ERROR; }
  explicit operator bool() const { return !ok(); }  // true when there is an error

  rd_kafka_resp_err_t code() const { return code_; }
  // librdkafka's symbolic name without the RD_KAFKA_RESP_ERR_ prefix, e.g. "_QUEUE_FULL",
  // "NOT_LEADER_FOR_PARTITION": stable and bounded, so it is what metrics use as `reason`.
  std::string name() const;
  const std::string& message() const { return message_; }
  bool fatal() const { return fatal_; }
  bool retriable() const { return retriable_; }
  bool txn_requires_abort() const { return txn_requires_abort_; }

  // "NAME: message [fatal] [retriable] [abort]" for logs.
  std::string to_string() const;

 private:
  rd_kafka_resp_err_t code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message_;
  bool fatal_ = false;
  bool retriable_ = false;
  bool txn_requires_abort_ = false;
};

// Whether a bare code is worth retrying (the table behind from_code), exposed for triage in
// callers that only see codes, e.g. per-partition commit results.
bool is_retriable_code(rd_kafka_resp_err_t code);

}  // namespace aiswatch::io::kafka
