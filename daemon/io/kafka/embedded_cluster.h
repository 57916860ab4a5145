#pragma once
// An in-process Kafka cluster for tests and the `aiswatch-mock-kafka` launcher: librdkafka's mock
// cluster (rdkafka_mock.h), which speaks enough of the Kafka protocol for producers (idempotent
// too), consumer groups with offset commits, and metadata. Clients connect to it like to any
// broker, through bootstrap_servers().
//
//   EmbeddedCluster cluster(3);                    // brokers 1..3
//   cluster.create_topic("ais.raw", 2);
//   KafkaProducer producer(cluster.bootstrap_servers(), {}, registry);
//   cluster.broker_down(1); ... cluster.broker_up(1);
//
// What Debian's librdkafka 2.0.2 mock cluster does and does not do (measured; tests must respect
// it):
//   - It keeps at most 5 MiB or 100,000 record batches per partition and drops the oldest: a test
//     that produces more than that cannot read it all back.
//   - An empty fetch is held for the consumer's full fetch.wait.max.ms. With librdkafka's 500 ms
//     default a consumer that catches up idles in half-second steps; tests set
//     fetch.wait.max.ms=10 against it (a real broker returns as soon as data arrives).
//   - Any topic a client names is auto-created with 4 partitions (create_topic first when the
//     partition count matters).
//   - Listeners are ephemeral ports on 127.0.0.1, so bootstrap_servers() is read from the cluster
//     (rd_kafka_mock_cluster_bootstraps), never guessed.
//   - Transactions are accepted but not enforced (no isolation, no fencing); there is no log
//     compaction and no per-topic configuration.
//   - broker_down disconnects the broker and refuses new connections but does not move partition
//     leadership: a partition led by a down broker is unavailable until broker_up.
//
// Threads: the cluster runs on its own librdkafka thread; every method here is safe to call from
// any thread.
#include <cstdint>
#include <string>

#include <librdkafka/rdkafka.h>

#include "io/kafka/error.h"

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace aiswatch::io::kafka {

class EmbeddedCluster {
 public:
  // Starts `brokers` brokers with ids 1..brokers. Throws std::runtime_error when librdkafka cannot
  // create the cluster (tests and the launcher only: start-up code).
  explicit EmbeddedCluster(int brokers = 1);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,...": one listener per broker.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int broker_count() const { return brokers_; }

  // Creates a topic with `partitions` partitions (replication factor 1: the mock cluster does not
  // replicate anyway). Creating an existing topic is an error (TOPIC_ALREADY_EXISTS).
  KafkaError create_topic(const std::string& name, int partitions);
  // Broker faults: `id` is 1..broker_count(), or -1 for all brokers.
  KafkaError broker_down(int32_t id);
  KafkaError broker_up(int32_t id);

  // For fault injection this class does not wrap (rd_kafka_mock_push_request_errors, ...).
  rd_kafka_mock_cluster_t* raw() const { return cluster_; }

 private:
  int brokers_;
  // The mock cluster needs an rd_kafka_t for its bookkeeping; a dedicated one, so that no test
  // client's lifetime is tied to the cluster's.
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_servers_;
};

}  // namespace aiswatch::io::kafka
