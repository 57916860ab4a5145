#include "io/kafka/consumer_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "io/clock.h"
#include "io/log.h"

namespace aiswatch::io::kafka {

namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back(TopicPartition{list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const std::string& name,
                                                        const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

KafkaSource::KafkaSource(asio::io_context& io, BatchQueue& queue, std::string name,
                         const std::string& brokers, const std::string& group_id,
                         std::vector<std::string> topics, const Properties& properties,
                         prometheus::Registry& registry, KafkaSourceOptions options)
    : io_(io),
      queue_(queue),
      name_(std::move(name)),
      topics_(std::move(topics)),
      options_(options),
      wakeup_(io),
      retry_timer_(io),
      lag_timer_(io),
      batch_(name_),
      lines_counter_(counter_family(registry, "aiswatch_source_lines_total",
                                    "Lines handed to the detection core, by source")
                         .Add({{"source", name_}})),
      records_counter_(counter_family(registry, "aiswatch_kafka_records_total",
                                      "Kafka records consumed, by source")
                           .Add({{"source", name_}})),
      empty_counter_(counter_family(registry, "aiswatch_kafka_empty_records_total",
                                    "Kafka records without a value (skipped), by source")
                         .Add({{"source", name_}})),
      lag_family_(prometheus::BuildGauge()
                      .Name("aiswatch_kafka_consumer_lag_messages")
                      .Help("High watermark minus the consumer's position, per partition")
                      .Register(registry)),
      commits_ok_counter_(
          counter_family(registry, "aiswatch_kafka_commits_total", "Offset commits, by result")
              .Add({{"source", name_}, {"result", "ok"}})),
      commits_error_counter_(
          counter_family(registry, "aiswatch_kafka_commits_total", "Offset commits, by result")
              .Add({{"source", name_}, {"result", "error"}})),
      rebalances_family_(counter_family(registry, "aiswatch_kafka_rebalances_total",
                                        "Consumer group rebalance events, by kind")),
      errors_family_(counter_family(registry, "aiswatch_kafka_consumer_errors_total",
                                    "Kafka consumer error events, by librdkafka error name")) {
  ConfPtr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  // Our defaults (the header says why), then the operator's properties, which win.
  const Properties defaults{
      {"bootstrap.servers", brokers},         {"group.id", group_id},
      {"client.id", "aiswatch-" + name_},     {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},  {"auto.offset.reset", "earliest"},
      {"queued.max.messages.kbytes", "16384"}};
  for (const auto& [key, value] : defaults) {
    if (auto error = set_property(conf.get(), key, value)) {
      throw std::invalid_argument(error.message());
    }
  }
  if (auto error = apply_properties(conf.get(), properties)) {
    throw std::invalid_argument(error.message());
  }
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::rebalance_callback);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaSource::commit_callback);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSource::error_callback);

  int fds[2] = {-1, -1};
  // librdkafka requires the write end non-blocking: it writes from its own threads and must
  // never wait on us.
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("kafka source pipe: ") + std::strerror(errno));
  }
  wakeup_.assign(fds[0]);
  wakeup_write_fd_ = fds[1];

  char reason[512] = {0};
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason, sizeof reason);
  if (rk_ == nullptr) {
    ::close(wakeup_write_fd_);
    throw std::invalid_argument(std::string("kafka consumer: ") + reason);
  }
  conf.release();  // owned by rk_ now
  // One queue for everything: the main queue (errors, commit results, rebalances) is forwarded
  // to the consumer queue, so one drain serves it all, and the IO event is enabled on that final
  // queue (librdkafka requires it on the destination of forwarding).
  rd_kafka_poll_set_consumer(rk_);
  consumer_queue_ = rd_kafka_queue_get_consumer(rk_);
  static constexpr char wake_byte = 'k';
  rd_kafka_queue_io_event_enable(consumer_queue_, wakeup_write_fd_, &wake_byte, 1);
}

KafkaSource::~KafkaSource() {
  stop();
  close();
  alive_.reset();
  // Order: no more IO events, then the queue handle, then the instance (which may write to the
  // pipe until IO events are off), then the pipe; the read end closes with wakeup_.
  rd_kafka_queue_io_event_enable(consumer_queue_, -1, nullptr, 0);
  rd_kafka_queue_destroy(consumer_queue_);
  // close() has left the group already. Without the flag rd_kafka_destroy closes the consumer
  // again, and after a fatal error that second close never finishes (measured on 2.0.2).
  rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  ::close(wakeup_write_fd_);
}

void KafkaSource::start() {
  if (started_ || stopped_) return;
  started_ = true;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size())));
  for (const auto& topic : topics_) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto error = KafkaError::from_code(rd_kafka_subscribe(rk_, list.get()))) {
    on_error(error, "subscribe");
  } else {
    log::info("kafka", "subscribed",
              {{"source", name_}, {"topics", std::to_string(topics_.size())}});
  }
  wait_for_wakeup();
  schedule_lag();
  schedule_drain();
}

void KafkaSource::stop() {
  if (stopped_) return;
  stopped_ = true;
  ready_ = false;
  retry_timer_.cancel();
  lag_timer_.cancel();
  boost::system::error_code ignored;
  wakeup_.cancel(ignored);
  // A held batch never reached the core, so its offsets are never committed: the records are
  // delivered again to whoever owns the partitions next.
  batch_ = LineBatch(name_);
  batch_positions_.clear();
  held_ = false;
}

void KafkaSource::close() {
  if (closed_) return;
  closed_ = true;
  const auto deadline = std::chrono::steady_clock::now() + options_.close_timeout;
  // Let the results of the last commits arrive (they are served by consumer polls); records
  // polled meanwhile are dropped uncommitted, to be delivered again.
  while (commits_in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    if (rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, 10)) {
      rd_kafka_message_destroy(message);
    }
  }
  {
    std::lock_guard lock(commit_mutex_);
    commits_closed_ = true;
  }
  // Serves the final revoke through rebalance_callback (on_revoked runs) and leaves the group.
  if (auto error = KafkaError::from_code(rd_kafka_consumer_close(rk_))) {
    log::warn("kafka", "consumer close", {{"source", name_}, {"error", error.to_string()}});
  }
  for (auto& [partition, gauge] : lag_gauges_) lag_family_.Remove(gauge);
  lag_gauges_.clear();
}

void KafkaSource::set_resume_positions(const std::vector<KafkaPosition>& positions) {
  for (const KafkaPosition& position : positions) {
    read_positions_[TopicPartition{position.topic, position.partition}] = position.next_offset;
  }
}

void KafkaSource::commit(const std::vector<KafkaPosition>& positions) {
  if (positions.empty()) return;
  std::map<TopicPartition, int64_t> highest;
  std::lock_guard lock(commit_mutex_);
  if (commits_closed_) return;
  for (const auto& position : positions) {
    // Only partitions this member holds: a commit outside the group (before the first
    // assignment, e.g. a restored checkpoint's positions) fails with UNKNOWN_MEMBER_ID, and the
    // client then restarts its join, over and over.
    if (!committable_.contains(TopicPartition{position.topic, position.partition})) continue;
    auto [it, inserted] = highest.try_emplace(TopicPartition{position.topic, position.partition},
                                              position.next_offset);
    if (!inserted && position.next_offset > it->second) it->second = position.next_offset;
  }
  if (highest.empty()) return;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(highest.size())));
  for (const auto& [partition, offset] : highest) {
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition)
        ->offset = offset;
  }
  commits_in_flight_.fetch_add(1);
  // Asynchronous: a synchronous commit would block the core for a whole session timeout when
  // the group coordinator is down.
  const rd_kafka_resp_err_t code = rd_kafka_commit(rk_, list.get(), 1);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    commits_in_flight_.fetch_sub(1);
    commits_failed_.fetch_add(1);
    commits_error_counter_.Increment();
    log::warn_limited("kafka", "commit failed",
                      {{"source", name_}, {"error", KafkaError::from_code(code).to_string()}});
  }
}

std::vector<TopicPartition> KafkaSource::assignment() const { return assignment_; }

// --- the loop side --------------------------------------------------------------------------

void KafkaSource::wait_for_wakeup() {
  wakeup_.async_read_some(
      asio::buffer(wakeup_buffer_),
      [weak = std::weak_ptr<int>(alive_), this](const boost::system::error_code& ec, std::size_t) {
        if (weak.expired() || ec || stopped_) return;
        drain();
        wait_for_wakeup();
      });
}

void KafkaSource::schedule_drain() {
  if (drain_posted_) return;
  drain_posted_ = true;
  asio::post(io_, [weak = std::weak_ptr<int>(alive_), this] {
    if (weak.expired()) return;
    drain_posted_ = false;
    drain();
  });
}

void KafkaSource::schedule_retry() {
  retry_timer_.expires_after(options_.retry_interval);
  retry_timer_.async_wait(
      [weak = std::weak_ptr<int>(alive_), this](const boost::system::error_code& ec) {
        if (weak.expired() || ec || stopped_) return;
        if (push_pending()) {
          drain();
        } else {
          schedule_retry();
        }
      });
}

void KafkaSource::schedule_lag() {
  lag_timer_.expires_after(options_.lag_interval);
  lag_timer_.async_wait(
      [weak = std::weak_ptr<int>(alive_), this](const boost::system::error_code& ec) {
        if (weak.expired() || ec || stopped_) return;
        update_lag();
        drain();  // in case a wake-up was missed
        schedule_lag();
      });
}

void KafkaSource::drain() {
  if (stopped_ || held_ || !started_) return;
  std::size_t polled = 0;
  while (polled < options_.max_records_per_drain && !stopped_) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, 0);
    if (message == nullptr) break;
    ++polled;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        on_error(KafkaError::resolve(rk_, message->err, rd_kafka_message_errstr(message)),
                 "consume");
      }
    } else {
      add_record(*message);
    }
    rd_kafka_message_destroy(message);
    if (batch_.bytes() >= options_.max_batch_bytes && !push_pending()) {
      schedule_retry();
      return;
    }
  }
  if (stopped_) return;
  if (!batch_positions_.empty() && !push_pending()) {
    schedule_retry();
    return;
  }
  // The wake-up byte only comes when the queue goes from empty to non-empty: if this turn
  // stopped early, the queue may still hold records, so come back after other handlers ran.
  if (polled == options_.max_records_per_drain) schedule_drain();
}

void KafkaSource::add_record(const rd_kafka_message_t& message) {
  records_.fetch_add(1);
  records_counter_.Increment();
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const int64_t timestamp = rd_kafka_message_timestamp(&message, &type);
  const int64_t arrival_ms =
      type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && timestamp >= 0 ? timestamp : wall_clock_ms();
  if (message.payload == nullptr || message.len == 0) {
    empty_counter_.Increment();
  } else {
    batch_.add_lines(std::string_view(static_cast<const char*>(message.payload), message.len),
                     arrival_ms);
  }
  // The position advances past poison records too: they are handled (counted), not retried.
  batch_positions_[TopicPartition{rd_kafka_topic_name(message.rkt), message.partition}] =
      message.offset + 1;
}

bool KafkaSource::push_pending() {
  auto& positions = batch_.positions();
  positions.clear();
  for (const auto& [partition, next_offset] : batch_positions_) {
    positions.push_back(KafkaPosition{partition.topic, partition.partition, next_offset});
  }
  const std::size_t line_count = batch_.size();
  if (!queue_.try_push(batch_)) {
    held_ = true;
    return false;
  }
  held_ = false;
  for (const auto& [partition, next_offset] : batch_positions_) {
    read_positions_[partition] = next_offset;
  }
  lines_.fetch_add(line_count);
  lines_counter_.Increment(static_cast<double>(line_count));
  batch_ = LineBatch(name_);
  batch_positions_.clear();
  return true;
}

void KafkaSource::update_lag() {
  rd_kafka_topic_partition_list_t* raw_list = nullptr;
  if (rd_kafka_assignment(rk_, &raw_list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  PartitionListPtr list(raw_list);
  rd_kafka_position(rk_, list.get());
  std::map<TopicPartition, prometheus::Gauge*> current;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& element = list->elems[i];
    TopicPartition partition{element.topic, element.partition};
    prometheus::Gauge* gauge = nullptr;
    if (auto it = lag_gauges_.find(partition); it != lag_gauges_.end()) {
      gauge = it->second;
      lag_gauges_.erase(it);
    } else {
      gauge = &lag_family_.Add({{"source", name_},
                                {"topic", partition.topic},
                                {"partition", std::to_string(partition.partition)}});
    }
    current.emplace(partition, gauge);
    int64_t low = -1;
    int64_t high = -1;
    // Cached: the high watermark comes with every fetch response, no broker round trip here.
    if (rd_kafka_get_watermark_offsets(rk_, element.topic, element.partition, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0 && element.offset >= 0) {
      gauge->Set(static_cast<double>(high > element.offset ? high - element.offset : 0));
    }
  }
  // Partitions no longer assigned lose their series.
  for (auto& [partition, gauge] : lag_gauges_) lag_family_.Remove(gauge);
  lag_gauges_ = std::move(current);
}

// --- librdkafka callbacks (served by the polls above, on the loop thread) --------------------

void KafkaSource::rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaSource*>(opaque)->on_rebalance(err, partitions);
}

void KafkaSource::commit_callback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  static_cast<KafkaSource*>(opaque)->on_commit(err, offsets);
}

void KafkaSource::error_callback(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
  static_cast<KafkaSource*>(opaque)->on_error(
      KafkaError::resolve(rk, static_cast<rd_kafka_resp_err_t>(code), reason), "client");
}

void KafkaSource::on_rebalance(rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions) {
  rebalances_.fetch_add(1);
  const char* protocol = rd_kafka_rebalance_protocol(rk_);
  // Cooperative protocols hand out and take back increments; eager ones the whole assignment.
  const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
  const std::vector<TopicPartition> changed = to_vector(partitions);
  KafkaError error;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rebalances_family_.Add({{"source", name_}, {"kind", "assign"}}).Increment();
    std::size_t resumed = 0;
    for (int i = 0; i < partitions->cnt; ++i) {
      rd_kafka_topic_partition_t& p = partitions->elems[i];
      const TopicPartition partition{p.topic, p.partition};
      // Records read into the batch still held count as read: it is handed over later.
      if (const auto held = batch_positions_.find(partition); held != batch_positions_.end()) {
        p.offset = held->second;
      } else if (const auto read = read_positions_.find(partition); read != read_positions_.end()) {
        p.offset = read->second;
      } else {
        continue;
      }
      ++resumed;
    }
    if (resumed > 0) {
      log::info("kafka", "partitions resumed from this daemon's own positions",
                {{"source", name_}, {"partitions", std::to_string(resumed)}});
    }
    if (cooperative) {
      error = KafkaError::from_error(rd_kafka_incremental_assign(rk_, partitions));
      assignment_.insert(assignment_.end(), changed.begin(), changed.end());
    } else {
      error = KafkaError::from_code(rd_kafka_assign(rk_, partitions));
      assignment_ = changed;
    }
    set_committable();
    log::info("kafka", "partitions assigned",
              {{"source", name_},
               {"partitions", std::to_string(changed.size())},
               {"protocol", protocol != nullptr ? protocol : ""}});
    if (!error) ready_ = !fatal_raised_.load();
    if (error) on_error(error, "assign");
    if (on_assigned_) on_assigned_(changed);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    rebalances_family_.Add({{"source", name_}, {"kind", "revoke"}}).Increment();
    // The hook runs while the partitions are still ours (a checkpoint can still be written).
    if (on_revoked_) on_revoked_(changed);
    if (rd_kafka_assignment_lost(rk_)) {
      log::warn("kafka", "assignment lost", {{"source", name_}});
    }
    if (cooperative) {
      error = KafkaError::from_error(rd_kafka_incremental_unassign(rk_, partitions));
      std::erase_if(assignment_, [&](const TopicPartition& p) {
        return std::find(changed.begin(), changed.end(), p) != changed.end();
      });
    } else {
      error = KafkaError::from_code(rd_kafka_assign(rk_, nullptr));
      assignment_.clear();
    }
    set_committable();
    log::info("kafka", "partitions revoked",
              {{"source", name_}, {"partitions", std::to_string(changed.size())}});
    if (error) on_error(error, "revoke");
  } else {
    rebalances_family_.Add({{"source", name_}, {"kind", "error"}}).Increment();
    on_error(KafkaError::from_code(err), "rebalance");
    rd_kafka_assign(rk_, nullptr);
    assignment_.clear();
    set_committable();
  }
}

void KafkaSource::set_committable() {
  std::lock_guard lock(commit_mutex_);
  committable_ = std::set<TopicPartition>(assignment_.begin(), assignment_.end());
}

void KafkaSource::on_commit(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets) {
  if (commits_in_flight_.load() > 0) commits_in_flight_.fetch_sub(1);
  // _NO_OFFSET: nothing newer than what is committed already; not a failure.
  bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET;
  rd_kafka_resp_err_t first = err;
  if (ok && offsets != nullptr) {
    for (int i = 0; i < offsets->cnt; ++i) {
      if (offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ok = false;
        first = offsets->elems[i].err;
        break;
      }
    }
  }
  if (ok) {
    commits_ok_.fetch_add(1);
    commits_ok_counter_.Increment();
    return;
  }
  commits_failed_.fetch_add(1);
  commits_error_counter_.Increment();
  log::warn_limited("kafka", "commit failed",
                    {{"source", name_}, {"error", KafkaError::from_code(first).to_string()}});
}

void KafkaSource::on_error(const KafkaError& error, std::string_view where) {
  errors_family_.Add({{"source", name_}, {"reason", error.name()}}).Increment();
  log::warn_limited(
      "kafka", "consumer error",
      {{"source", name_}, {"where", std::string(where)}, {"error", error.to_string()}});
  if (error.fatal()) raise_fatal(error);
}

void KafkaSource::raise_fatal(const KafkaError& error) {
  if (fatal_raised_.exchange(true)) return;
  ready_ = false;
  log::error("kafka", "consumer fatal error", {{"source", name_}, {"error", error.to_string()}});
  // Posted, not called: the handler may stop() the source, which must not happen inside a poll.
  if (on_fatal_) {
    asio::post(io_, [weak = std::weak_ptr<int>(alive_), handler = on_fatal_, error] {
      if (!weak.expired()) handler(error);
    });
  }
}

}  // namespace aiswatch::io::kafka
