#include "io/kafka/embedded_cluster.h"

#include <stdexcept>

#include <librdkafka/rdkafka_mock.h>

#include "io/kafka/config.h"

namespace aiswatch::io::kafka {

EmbeddedCluster::EmbeddedCluster(int brokers) : brokers_(brokers) {
  if (brokers < 1) throw std::invalid_argument("embedded Kafka cluster needs at least 1 broker");
  ConfPtr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  set_property(conf.get(), "client.id", "aiswatch-mock-cluster");
  // Errors only: the bookkeeping handle would warn that it has no bootstrap.servers of its own.
  set_property(conf.get(), "log_level", "3");
  char reason[512] = {0};
  // A producer handle is the lightest instance: it starts no consumer group machinery.
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason);
  if (handle_ == nullptr) {
    throw std::runtime_error(std::string("mock cluster handle: ") + reason);
  }
  conf.release();  // rd_kafka_new took it
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("rd_kafka_mock_cluster_new failed");
  }
  bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

EmbeddedCluster::~EmbeddedCluster() {
  // Takes up to a second on 2.0.2 (measured: the mock cluster's thread notices the request on its
  // next wake-up), whether or not clients ever connected.
  // The cluster first: it runs on a thread of handle_'s and uses handle_ for bookkeeping, so the
  // handle must outlive it. Clients still connected see their connections drop; destroy them
  // before the cluster to keep their logs quiet.
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

KafkaError EmbeddedCluster::create_topic(const std::string& name, int partitions) {
  return KafkaError::from_code(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1));
}

KafkaError EmbeddedCluster::broker_down(int32_t id) {
  return KafkaError::from_code(rd_kafka_mock_broker_set_down(cluster_, id));
}

KafkaError EmbeddedCluster::broker_up(int32_t id) {
  return KafkaError::from_code(rd_kafka_mock_broker_set_up(cluster_, id));
}

}  // namespace aiswatch::io::kafka
