#pragma once
// What `aiswatchd run` publishes, and where:
//   - every alert event as an `aiswatch.v1.Alert` protobuf on kafka.alerts_topic (or one topic per
//     type: kafka.alerts_topic + "." + the type in lower case, "aiswatch.alerts.rendezvous"),
//     keyed by alert_id so that the open, updates and close of one alert land in one partition,
//     in order; headers say what the value is without decoding it:
//       aiswatch-type      ALERT_TYPE_RENDEZVOUS        aiswatch-state  ALERT_STATE_OPEN
//       aiswatch-severity  SEVERITY_HIGH                aiswatch-schema aiswatch.v1.Alert
//       content-type       application/x-protobuf
//   - optionally the JSON mirror (alert/json_lines.h) on kafka.json_topic, same key, content-type
//     application/json, for dashboards that cannot read protobuf;
//   - optionally each event as a readable line (app/alert_text.h) or JSON on standard output, and
//     JSON lines appended to a file;
//   - optionally every accepted position fix as an `aiswatch.v1.PositionReport` on
//     kafka.positions_topic, keyed by MMSI (decimal) so one vessel's fixes stay in order.
// Producing goes through RecordProducer, which the app implements over the Kafka producer (and
// tests over a vector).
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aiswatch/v1/alert.pb.h"
#include "alert/manager.h"
#include "detect/detector.h"

namespace aiswatch::app {

using Headers = std::vector<std::pair<std::string, std::string>>;

class RecordProducer {
 public:
  virtual ~RecordProducer() = default;
  // Hands one record to the producer (which retries and applies back-pressure itself); false
  // when it was refused for good (counted and logged by the producer).
  virtual bool produce(const std::string& topic, std::string_view key, std::string_view value,
                       const Headers& headers) = 0;
};

struct AlertPublisherConfig {
  std::string alerts_topic = "aiswatch.alerts";
  bool alerts_topic_per_type = false;
  std::string json_topic;     // empty: no JSON mirror
  std::string stdout_format;  // "lines", "json", or empty/"none"
  std::FILE* stdout_file = stdout;
  std::FILE* alerts_file = nullptr;  // JSON lines; nullptr: none
};

class AlertPublisher : public alert::AlertSink {
 public:
  AlertPublisher(RecordProducer& producer, AlertPublisherConfig config);
  void on_alert(const aiswatch::v1::Alert& alert) override;

  // The topic an alert of this type goes to.
  std::string topic_for(aiswatch::v1::AlertType type) const;

  uint64_t published() const { return published_; }
  uint64_t refused() const { return refused_; }

 private:
  RecordProducer& producer_;
  AlertPublisherConfig config_;
  std::string value_;
  Headers headers_;
  uint64_t published_ = 0;
  uint64_t refused_ = 0;
};

// Not a detector: rides in the engine's detector list (last) to see every tracker update, and
// publishes each accepted position fix.
class PositionPublisher : public detect::Detector {
 public:
  PositionPublisher(RecordProducer& producer, std::string topic);
  void on_update(const detect::Observation& observation, detect::Context& context) override;
  void on_watermark(int64_t /*watermark_ms*/, detect::Context& /*context*/) override {}

  uint64_t published() const { return published_; }

 private:
  RecordProducer& producer_;
  std::string topic_;
  std::string value_;
  Headers headers_;
  uint64_t published_ = 0;
};

}  // namespace aiswatch::app
