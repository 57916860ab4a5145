#include "io/kafka/config.h"

#include "io/log.h"

namespace aiswatch::io::kafka {

KafkaError set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char reason[512] = {0};
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), reason, sizeof reason) !=
      RD_KAFKA_CONF_OK) {
    return KafkaError::invalid_config("kafka property \"" + key + "\": " + reason);
  }
  return {};
}

KafkaError apply_properties(rd_kafka_conf_t* conf, const Properties& properties) {
  for (const auto& [key, value] : properties) {
    if (auto error = set_property(conf, key, value)) return error;
  }
  return {};
}

namespace {

// librdkafka logs with syslog levels (0 emerg .. 7 debug).
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const log::Level ours = level <= 3   ? log::Level::error
                          : level == 4 ? log::Level::warn
                          : level <= 6 ? log::Level::info
                                       : log::Level::debug;
  log::write_limited(ours, "kafka", facility,
                     {{"client", rk != nullptr ? rd_kafka_name(rk) : ""}, {"message", text}});
}

}  // namespace

void route_logs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, log_callback); }

}  // namespace aiswatch::io::kafka
