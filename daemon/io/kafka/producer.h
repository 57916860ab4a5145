#pragma once
// The alert publisher's Kafka producer. Every produce has a delivery-report path (STYLE habit 7)
// and a sequence number, so the application can tell which of its outputs the brokers hold:
//
//   KafkaProducer producer(brokers, config.kafka_producer, registry, on_fatal);
//   uint64_t seq = 0;
//   if (auto error = producer.produce("aiswatch.alerts", key, value, {{"type", "dark"}}, &seq))
//     ...                                  // never QUEUE_FULL before the back-pressure deadline
//   producer.poll(0ms);                     // serves delivery reports
//   if (producer.acked_through() >= seq)    // every produce up to seq has its final report:
//     source.commit(positions_of_the_batch_that_caused_it);
//
// At-least-once from input to output hinges on acked_through(): input offsets are committed only
// up to batches whose alerts have a final delivery report. "Final" is delivered or failed; a
// failure is counted in aiswatch_kafka_produce_errors_total{reason} and logged. With idempotence,
// librdkafka's unbounded retries and a day's message timeout (below), a failure only comes from an
// error no retry can cure (a record too large, a topic the client may not write) or a fatal one,
// which stops the daemon anyway.
//
// Defaults we depend on (set before the operator's kafka.producer.* keys, which may override):
//   enable.idempotence=true — librdkafka retries a send whose acknowledgement was lost; without
//     idempotence the retry can duplicate an alert or, with several requests in flight, reorder
//     the updates of one alert on its partition. With it the broker de-duplicates by producer id
//     and sequence, ordering per partition holds with up to 5 requests in flight, and acks=all
//     is implied. The price: some errors become fatal (the sequence can no longer be trusted),
//     which is what the fatal handler is for.
//   message.timeout.ms=86400000 (a day; librdkafka's default is 300 s) — an alert waits for the
//     brokers through any ordinary outage instead of failing after five minutes: a failed record
//     counts as handled, so its input would be committed past and the alert lost. The local
//     queue filling up is back-pressure on the input meanwhile. Not 0, librdkafka's "infinite":
//     its request timeouts then misbehave (librdkafka issue #2015).
//
// Back-pressure: when librdkafka's local queue is full (queue.buffering.max.messages / .kbytes)
// produce() serves delivery reports and retries until queue_full_timeout (default 10 s), so a
// slow broker slows the core down instead of dropping alerts; only then it returns _QUEUE_FULL
// (retriable), and the record was not enqueued.
//
// Threads: produce, poll and flush belong to one thread (the core's); delivery reports and the
// fatal handler run inside them, on that thread. acked_through(), last_sequence() and
// outstanding() may be read from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "io/kafka/config.h"
#include "io/kafka/error.h"

namespace aiswatch::io::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;
// Called once, on the thread that polls, when the instance hits a fatal error: the application
// starts an orderly shutdown (the producer can no longer deliver anything).
using FatalHandler = std::function<void(const KafkaError&)>;

class KafkaProducer {
 public:
  // Throws std::invalid_argument naming the offending property and librdkafka's message when a
  // property is invalid (start-up only). `brokers` is bootstrap.servers.
  KafkaProducer(const std::string& brokers, const Properties& properties,
                prometheus::Registry& registry, FatalHandler on_fatal = {});
  // Purges what is still queued (each counted as failed with reason _PURGE_QUEUE), serves the
  // reports and destroys the instance. Call flush() first for an orderly shutdown.
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Enqueues one record (key may be empty: then the record has no key, and the partitioner
  // spreads such records). `sequence`, when given, receives this produce's sequence number (1, 2,
  // ...). Returns the error when the record was not enqueued; a record that was enqueued reports
  // its outcome later through acked_through() and the metrics. A produce that fails at once still
  // uses up its sequence number and counts as final (failed).
  KafkaError produce(std::string_view topic, std::string_view key, std::string_view value,
                     const Headers& headers = {}, uint64_t* sequence = nullptr);

  // Serves delivery reports (and error events) for up to `timeout`; returns how many events were
  // served. Call often (every core loop turn with 0 ms).
  int poll(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for every outstanding record's delivery report.
  KafkaError flush(std::chrono::milliseconds timeout);

  // The highest S such that every produce with sequence <= S has its final delivery report
  // (0 before any).
  uint64_t acked_through() const { return acked_through_.load(std::memory_order_acquire); }
  // The sequence number of the latest produce (0 before any).
  uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_acquire); }
  // Records enqueued whose delivery report has not been served yet.
  uint64_t outstanding() const { return last_sequence() - completed_.load(); }
  // Delivered and failed counts so far (tests, diagnostics).
  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed() const { return failed_.load(); }
  // Whether a fatal error has been raised.
  bool fatal() const { return fatal_raised_.load(); }

  void set_queue_full_timeout(std::chrono::milliseconds timeout) { queue_full_timeout_ = timeout; }

  rd_kafka_t* raw() const { return rk_; }

 private:
  static void delivery_report(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void error_callback(rd_kafka_t* rk, int code, const char* reason, void* opaque);

  void on_delivery(const rd_kafka_message_t& message);
  void complete(uint64_t sequence);
  void count_failure(const KafkaError& error, std::string_view topic);
  void raise_fatal(const KafkaError& error);
  void update_queue_gauge();

  rd_kafka_t* rk_ = nullptr;
  FatalHandler on_fatal_;
  std::chrono::milliseconds queue_full_timeout_{10000};

  // Sequence bookkeeping. Delivery reports of one partition arrive in order, of different
  // partitions in any order, so the completed-but-not-contiguous ones wait in a window that
  // starts right after acked_through_.
  std::mutex sequence_mutex_;
  std::deque<bool> window_;  // window_[i]: sequence acked_through_ + 1 + i is final
  std::atomic<uint64_t> acked_through_{0};
  std::atomic<uint64_t> last_sequence_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<bool> fatal_raised_{false};

  prometheus::Family<prometheus::Counter>& produced_family_;
  prometheus::Family<prometheus::Counter>& errors_family_;
  prometheus::Gauge& queue_gauge_;
  std::mutex metrics_mutex_;
  std::map<std::string, prometheus::Counter*, std::less<>> produced_by_topic_;
  std::map<std::string, prometheus::Counter*, std::less<>> errors_by_reason_;
};

}  // namespace aiswatch::io::kafka
