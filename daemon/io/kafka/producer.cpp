#include "io/kafka/producer.h"

#include <stdexcept>
#include <thread>

#include "io/log.h"

namespace aiswatch::io::kafka {

namespace {

void* sequence_to_opaque(uint64_t sequence) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(sequence));
}
uint64_t opaque_to_sequence(void* opaque) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(opaque));
}

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};

}  // namespace

KafkaProducer::KafkaProducer(const std::string& brokers, const Properties& properties,
                             prometheus::Registry& registry, FatalHandler on_fatal)
    : on_fatal_(std::move(on_fatal)),
      produced_family_(prometheus::BuildCounter()
                           .Name("aiswatch_kafka_produced_total")
                           .Help("Records the brokers acknowledged, by topic")
                           .Register(registry)),
      errors_family_(prometheus::BuildCounter()
                         .Name("aiswatch_kafka_produce_errors_total")
                         .Help("Records not delivered (final delivery failure or refused "
                               "produce), by librdkafka error name")
                         .Register(registry)),
      queue_gauge_(prometheus::BuildGauge()
                       .Name("aiswatch_kafka_producer_queue_messages")
                       .Help("Records in librdkafka's producer queue, not yet acknowledged")
                       .Register(registry)
                       .Add({})) {
  ConfPtr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  // Our defaults first (see the header for why), the operator's properties after: they win.
  for (const auto& [key, value] : Properties{{"enable.idempotence", "true"},
                                             {"message.timeout.ms", "86400000"},
                                             {"client.id", "aiswatch-producer"},
                                             {"bootstrap.servers", brokers}}) {
    if (auto error = set_property(conf.get(), key, value)) {
      throw std::invalid_argument(error.message());
    }
  }
  if (auto error = apply_properties(conf.get(), properties)) {
    throw std::invalid_argument(error.message());
  }
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::delivery_report);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaProducer::error_callback);
  char reason[512] = {0};
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason);
  if (rk_ == nullptr) throw std::invalid_argument(std::string("kafka producer: ") + reason);
  conf.release();  // owned by rk_ now
}

KafkaProducer::~KafkaProducer() {
  // Order: purge what is queued or in flight, serve the purge reports so every sequence is
  // final and counted, then destroy the instance (rd_kafka_destroy would otherwise block on
  // undeliverable records until message.timeout.ms).
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  rd_kafka_destroy(rk_);
}

KafkaError KafkaProducer::produce(std::string_view topic, std::string_view key,
                                  std::string_view value, const Headers& headers,
                                  uint64_t* sequence) {
  const std::string topic_name(topic);
  std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> record_headers;
  if (!headers.empty()) {
    record_headers.reset(rd_kafka_headers_new(headers.size()));
    for (const auto& [name, header_value] : headers) {
      rd_kafka_header_add(record_headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                          header_value.data(), static_cast<ssize_t>(header_value.size()));
    }
  }
  uint64_t seq = 0;
  {
    std::lock_guard lock(sequence_mutex_);
    seq = last_sequence_.load() + 1;
    window_.push_back(false);
    last_sequence_.store(seq, std::memory_order_release);
  }
  if (sequence != nullptr) *sequence = seq;

  const auto deadline = std::chrono::steady_clock::now() + queue_full_timeout_;
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    // The headers pass to librdkafka only when the call succeeds. rd_kafka_produceva rather than
    // rd_kafka_producev: the latter's RD_KAFKA_V_* macros are GNU statement expressions, which
    // -Wpedantic refuses under clang.
    rd_kafka_vu_t fields[6];
    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    fields[0].u.cstr = topic_name.c_str();
    fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[1].u.i = RD_KAFKA_MSG_F_COPY;
    fields[2].vtype = RD_KAFKA_VTYPE_KEY;
    fields[2].u.mem.ptr = key.empty() ? nullptr : const_cast<char*>(key.data());
    fields[2].u.mem.size = key.size();
    fields[3].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[3].u.mem.ptr = const_cast<char*>(value.data());
    fields[3].u.mem.size = value.size();
    fields[4].vtype = RD_KAFKA_VTYPE_HEADERS;
    fields[4].u.headers = record_headers.get();
    fields[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
    fields[5].u.ptr = sequence_to_opaque(seq);
    rd_kafka_error_t* produce_error = rd_kafka_produceva(rk_, fields, 6);
    code = produce_error != nullptr ? rd_kafka_error_code(produce_error)
                                    : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (produce_error != nullptr) rd_kafka_error_destroy(produce_error);
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    // Back-pressure: the queue only empties as reports are served; serve them and retry.
    if (std::chrono::steady_clock::now() >= deadline) break;
    rd_kafka_poll(rk_, 10);
  }
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
    (void)record_headers.release();  // librdkafka owns them now
    update_queue_gauge();
    return {};
  }
  // Once the instance has a fatal error every produce fails; report it as that fatal error
  // whatever code this call returned.
  const bool instance_fatal = rd_kafka_fatal_error(rk_, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
  KafkaError error = KafkaError::resolve(rk_, instance_fatal ? RD_KAFKA_RESP_ERR__FATAL : code);
  count_failure(error, topic);
  failed_.fetch_add(1);
  complete(seq);
  if (error.fatal()) raise_fatal(error);
  return error;
}

int KafkaProducer::poll(std::chrono::milliseconds timeout) {
  const int served = rd_kafka_poll(rk_, static_cast<int>(timeout.count()));
  update_queue_gauge();
  return served;
}

KafkaError KafkaProducer::flush(std::chrono::milliseconds timeout) {
  // rd_kafka_flush serves delivery reports while it waits.
  const rd_kafka_resp_err_t code = rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  update_queue_gauge();
  return KafkaError::from_code(code);
}

void KafkaProducer::delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<KafkaProducer*>(opaque)->on_delivery(*message);
}

void KafkaProducer::error_callback(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    self->raise_fatal(KafkaError::resolve(rk, err, reason));
    return;
  }
  // Everything else is informational: librdkafka retries (brokers down, timeouts) by itself, and
  // the records' fates arrive as delivery reports.
  log::warn_limited("kafka", "producer error",
                    {{"error", rd_kafka_err2name(err)}, {"reason", reason}});
}

void KafkaProducer::on_delivery(const rd_kafka_message_t& message) {
  const uint64_t seq = opaque_to_sequence(message._private);
  const std::string_view topic = rd_kafka_topic_name(message.rkt);
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_.fetch_add(1);
    std::lock_guard lock(metrics_mutex_);
    auto it = produced_by_topic_.find(topic);
    if (it == produced_by_topic_.end()) {
      it = produced_by_topic_
               .emplace(std::string(topic), &produced_family_.Add({{"topic", std::string(topic)}}))
               .first;
    }
    it->second->Increment();
  } else {
    const KafkaError error = KafkaError::resolve(rk_, message.err);
    count_failure(error, topic);
    failed_.fetch_add(1);
    if (error.fatal()) raise_fatal(error);
  }
  complete(seq);
}

void KafkaProducer::complete(uint64_t seq) {
  std::lock_guard lock(sequence_mutex_);
  uint64_t acked = acked_through_.load();
  const uint64_t index = seq - acked - 1;
  if (seq <= acked || index >= window_.size()) return;  // never produced or already final
  window_[index] = true;
  while (!window_.empty() && window_.front()) {
    window_.pop_front();
    ++acked;
  }
  completed_.fetch_add(1);
  acked_through_.store(acked, std::memory_order_release);
}

void KafkaProducer::count_failure(const KafkaError& error, std::string_view topic) {
  const std::string reason = error.name();
  {
    std::lock_guard lock(metrics_mutex_);
    auto it = errors_by_reason_.find(reason);
    if (it == errors_by_reason_.end()) {
      it = errors_by_reason_.emplace(reason, &errors_family_.Add({{"reason", reason}})).first;
    }
    it->second->Increment();
  }
  log::warn_limited("kafka", "record not delivered",
                    {{"topic", std::string(topic)}, {"error", error.to_string()}});
}

void KafkaProducer::raise_fatal(const KafkaError& error) {
  if (fatal_raised_.exchange(true)) return;
  log::error("kafka", "producer fatal error", {{"error", error.to_string()}});
  if (on_fatal_) on_fatal_(error);
}

void KafkaProducer::update_queue_gauge() {
  queue_gauge_.Set(static_cast<double>(rd_kafka_outq_len(rk_)));
}

}  // namespace aiswatch::io::kafka
