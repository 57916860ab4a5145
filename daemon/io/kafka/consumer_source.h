#pragma once
// Kafka input: a consumer-group member whose records carry NMEA text, handed to the core as
// LineBatch-es through the BatchQueue. A record value holds one or several '\n'-separated lines,
// e.g.
//   \s:rORBCOMM000,c:1700000000*4F\!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23
// and every line takes the record's timestamp (CreateTime or LogAppendTime, whichever the topic
// keeps) as its arrival time, else the wall clock. Each batch carries the next offset of every
// partition it holds records of (LineBatch::positions()).
//
// Delivery is at-least-once, driven by the application:
//   - enable.auto.commit=false and enable.auto.offset.store=false: nothing is committed behind
//     the application's back. It calls commit(batch.positions()) once the batch is processed and
//     the alerts it caused are acknowledged (KafkaProducer::acked_through()).
//   - Whatever was not committed is delivered again after a restart or a rebalance, to whichever
//     member then owns the partition. Records of a revoked partition already queued or held here
//     still reach the core; their later commit is refused by the group (counted as an error),
//     and the new owner re-reads them: duplicates, never loss.
//   - auto.offset.reset=earliest: a group without a committed offset starts at the beginning of
//     what the brokers keep, so records written before the first member joined are not skipped.
//   - queued.max.messages.kbytes=16384: librdkafka pre-fetches into its own queue up to this, so
//     when the core falls behind the fetching stops at 16 MiB per consumer instead of 64 MiB.
// Operator properties (kafka.consumer.*) are applied after these and win.
//
// How it runs on the Asio loop, with no thread of its own: librdkafka writes a byte to a pipe
// when its consumer queue goes from empty to non-empty (rd_kafka_queue_io_event_enable); an
// asio::posix::stream_descriptor waits on the pipe and the handler drains the queue with zero-
// timeout polls, at most max_records_per_drain records per turn so other handlers on the loop get
// their turn. All callbacks (rebalance, commit results, errors) are served by those polls, so they
// too run on the loop thread. A timer every second refreshes the lag gauges and drains anyway (a
// missed wake-up costs at most a second).
//
// Back-pressure: when BatchQueue::try_push refuses, the batch is kept, draining stops, and a
// timer retries every retry_interval. librdkafka's queue then fills and its fetchers stop.
// While stalled the consumer does not poll; a core stalled past max.poll.interval.ms (default
// 300 s) makes the member leave the group, and its partitions are re-delivered elsewhere.
//
// Poison records never stop the source: an empty value or a tombstone is counted
// (aiswatch_kafka_empty_records_total) and skipped; binary or overlong values are split on '\n'
// and handed on like any text, and the engine's framer counts what it rejects.
//
// Threads: constructor, start(), stop(), ready() and the destructor on the io_context's thread
// (stop() and the destructor may block briefly while the consumer leaves its group). commit() is
// thread-safe (the core thread calls it). The partition and fatal callbacks run on the loop thread.
//
// Metrics (labels bounded: sources and partitions, never vessels):
//   aiswatch_source_lines_total{source}             lines handed to the core
//   aiswatch_kafka_records_total{source}            records consumed
//   aiswatch_kafka_empty_records_total{source}      records without a value
//   aiswatch_kafka_consumer_lag_messages{source,topic,partition}
//                                                   high watermark minus position, ~every second
//   aiswatch_kafka_commits_total{source,result}     result: ok | error
//   aiswatch_kafka_rebalances_total{source,kind}    kind: assign | revoke | error
//   aiswatch_kafka_consumer_errors_total{source,reason}  error events, by librdkafka error name
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/batch_queue.h"
#include "io/kafka/config.h"
#include "io/kafka/error.h"
#include "io/source.h"

namespace aiswatch::io::kafka {

namespace asio = boost::asio;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

struct KafkaSourceOptions {
  // Records per drain turn before yielding to other handlers on the loop.
  std::size_t max_records_per_drain = 1000;
  // A batch is pushed when it holds this many bytes of line text (or the drain turn ends).
  std::size_t max_batch_bytes = 1u << 20;
  // How often a refused batch is offered again.
  std::chrono::milliseconds retry_interval{5};
  // How often the lag gauges are refreshed.
  std::chrono::milliseconds lag_interval{1000};
  // How long stop() waits for the consumer to leave its group.
  std::chrono::milliseconds close_timeout{10000};
};

class KafkaSource final : public Source {
 public:
  using PartitionsHandler = std::function<void(const std::vector<TopicPartition>&)>;
  using FatalHandler = std::function<void(const KafkaError&)>;

  // Throws std::invalid_argument naming the property when one is invalid (start-up only).
  // `brokers` is bootstrap.servers, `group_id` group.id.
  KafkaSource(asio::io_context& io, BatchQueue& queue, std::string name, const std::string& brokers,
              const std::string& group_id, std::vector<std::string> topics,
              const Properties& properties, prometheus::Registry& registry,
              KafkaSourceOptions options = {});
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  const std::string& name() const override { return name_; }
  // Subscribes and starts waiting for records. Subscription errors are logged and counted.
  void start() override;
  // Stops intake: cancels the loop handlers and drops a batch still held (never handed over, so
  // never committed: re-delivered later). The consumer stays in its group so that commit() still
  // works for the batches already handed over while the core finishes them.
  void stop() override;
  // Ends the membership, after stop() and the application's last commit(): waits up to
  // options.close_timeout for outstanding commit results, then closes the consumer (its
  // partitions are revoked, on_revoked runs, it leaves the group). The destructor calls it.
  void close();
  // Subscribed and a member of the group (it has received an assignment, possibly empty: a group
  // with more members than partitions leaves some idle and healthy); false after a fatal error.
  bool ready() const override { return ready_.load(); }

  // Commits, asynchronously, the next offsets in `positions` (the positions of processed
  // batches; for one partition the highest wins). The result arrives on the loop thread and is
  // counted; commit errors are logged rate-limited. Thread-safe; a no-op after stop().
  void commit(const std::vector<KafkaPosition>& positions);

  // Where to read each partition from when it is assigned, instead of the group's committed
  // offset: the positions of a restored state checkpoint (the state holds every line before
  // them). Set before start(). From then on the source keeps each partition's position as it
  // reads, so a partition revoked and assigned back resumes where this daemon's state is, not
  // at the older committed offset (which would feed the engine lines it has already applied).
  void set_resume_positions(const std::vector<KafkaPosition>& positions);

  // Hooks for the application (state checkpoints per partition). Set them before start().
  // on_assigned runs after the partitions are assigned, on_revoked before they are given up.
  void set_on_assigned(PartitionsHandler handler) { on_assigned_ = std::move(handler); }
  void set_on_revoked(PartitionsHandler handler) { on_revoked_ = std::move(handler); }
  // A fatal consumer error (e.g. fenced by a static member): the application shuts down in order.
  void set_on_fatal(FatalHandler handler) { on_fatal_ = std::move(handler); }

  // The partitions currently assigned (loop thread).
  std::vector<TopicPartition> assignment() const;
  // Counters for tests and diagnostics (any thread).
  uint64_t records() const { return records_.load(); }
  uint64_t lines() const { return lines_.load(); }
  uint64_t commits_ok() const { return commits_ok_.load(); }
  uint64_t commits_failed() const { return commits_failed_.load(); }
  uint64_t rebalances() const { return rebalances_.load(); }

  rd_kafka_t* raw() const { return rk_; }

 private:
  static void rebalance_callback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void commit_callback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static void error_callback(rd_kafka_t* rk, int code, const char* reason, void* opaque);

  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void on_commit(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets);
  void set_committable();  // committable_ = assignment_
  void on_error(const KafkaError& error, std::string_view where);
  void raise_fatal(const KafkaError& error);

  void wait_for_wakeup();
  void drain();
  void schedule_drain();
  void schedule_retry();
  bool push_pending();
  void add_record(const rd_kafka_message_t& message);
  void update_lag();
  void schedule_lag();

  asio::io_context& io_;
  BatchQueue& queue_;
  const std::string name_;
  const std::vector<std::string> topics_;
  const KafkaSourceOptions options_;

  // Destruction order (STYLE habit 9), done by hand in the destructor: close the consumer, stop
  // the IO events and destroy the queue handle, destroy the instance, then close the pipe (which
  // librdkafka writes to until then).
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* consumer_queue_ = nullptr;
  asio::posix::stream_descriptor wakeup_;  // read end of the pipe
  int wakeup_write_fd_ = -1;
  std::array<char, 256> wakeup_buffer_{};
  asio::steady_timer retry_timer_;
  asio::steady_timer lag_timer_;
  // Handlers queued on the loop outlive neither this object nor stop(): they hold a weak
  // reference to this token and do nothing once it is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  bool started_ = false;
  bool stopped_ = false;
  bool closed_ = false;
  bool drain_posted_ = false;
  std::atomic<bool> ready_{false};
  std::atomic<bool> fatal_raised_{false};

  // The batch being filled or, when the queue refused it, held for a retry.
  LineBatch batch_;
  std::map<TopicPartition, int64_t> batch_positions_;
  // The next offset to read per partition, as of the last batch handed over or the resumed
  // positions (loop thread); batch_positions_ holds those of the batch being filled.
  std::map<TopicPartition, int64_t> read_positions_;
  bool held_ = false;

  std::vector<TopicPartition> assignment_;
  PartitionsHandler on_assigned_;
  PartitionsHandler on_revoked_;
  FatalHandler on_fatal_;

  // commit() runs on another thread; it must not use rk_ once stop() has closed the consumer.
  std::mutex commit_mutex_;
  bool commits_closed_ = false;
  std::set<TopicPartition> committable_;  // the assignment, for commit() on any thread
  std::atomic<int> commits_in_flight_{0};

  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> commits_ok_{0};
  std::atomic<uint64_t> commits_failed_{0};
  std::atomic<uint64_t> rebalances_{0};

  prometheus::Counter& lines_counter_;
  prometheus::Counter& records_counter_;
  prometheus::Counter& empty_counter_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  std::map<TopicPartition, prometheus::Gauge*> lag_gauges_;
  prometheus::Counter& commits_ok_counter_;
  prometheus::Counter& commits_error_counter_;
  prometheus::Family<prometheus::Counter>& rebalances_family_;
  prometheus::Family<prometheus::Counter>& errors_family_;
};

}  // namespace aiswatch::io::kafka
