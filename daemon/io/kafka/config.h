#pragma once
// librdkafka configuration as it passes through aiswatch (STYLE habit 8): the operator's
// `kafka.consumer.*` / `kafka.producer.*` keys reach rd_kafka_conf_set verbatim, so every
// property librdkafka documents (CONFIGURATION.md) works without us knowing it. We set only the
// few defaults our delivery guarantees depend on, before the operator's keys, and each client
// says why in its header. An invalid key or value is reported with the key and librdkafka's own
// message, e.g. `kafka property "linger.ms": Configuration property "linger.ms" value 99999999 is
// outside allowed range 0..900000`.
#include <map>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "io/kafka/error.h"

namespace aiswatch::io::kafka {

using Properties = std::map<std::string, std::string>;

// Owns an rd_kafka_conf_t until rd_kafka_new takes it (release()).
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

KafkaError set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);
// Applies every property in order; stops at the first invalid one.
KafkaError apply_properties(rd_kafka_conf_t* conf, const Properties& properties);

// Routes librdkafka's own log lines (from its internal threads) to io::log under `component`
// ("kafka"), rate-limited per message text's facility: a broker that is down logs a connection
// failure every reconnect.backoff.ms.
void route_logs(rd_kafka_conf_t* conf);

}  // namespace aiswatch::io::kafka
