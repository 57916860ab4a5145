#include "app/publishers.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "aiswatch/v1/position_report.pb.h"
#include "app/alert_text.h"
#include "support/command_run.h"

namespace aiswatch::app {
namespace {

struct Record {
  std::string topic, key, value;
  Headers headers;
};

class RecordingProducer : public RecordProducer {
 public:
  bool produce(const std::string& topic, std::string_view key, std::string_view value,
               const Headers& headers) override {
    records.push_back(Record{topic, std::string(key), std::string(value), headers});
    return accept;
  }
  std::vector<Record> records;
  bool accept = true;
};

aiswatch::v1::Alert sample_alert() {
  aiswatch::v1::Alert alert;
  alert.set_alert_id("3f1c2a9e0b7d4c51");
  alert.set_type(aiswatch::v1::ALERT_TYPE_RENDEZVOUS);
  alert.set_state(aiswatch::v1::ALERT_STATE_OPEN);
  alert.set_severity(aiswatch::v1::SEVERITY_HIGH);
  alert.set_mmsi(445123000);
  alert.set_counterpart_mmsi(352001234);
  alert.mutable_vessel()->set_name("CHON MA SAN");
  alert.mutable_counterpart()->set_name("XIN \"YUAN\" 18");
  alert.set_lat(38.5125);
  alert.set_lon(124.9);
  alert.set_zone_id("kp-west-sea");
  alert.set_reason("contact 30 min");
  alert.mutable_event_time()->set_seconds(1767236520);  // 2026-01-01T03:02:00Z
  return alert;
}

std::string header(const Record& record, const std::string& name) {
  for (const auto& [key, value] : record.headers) {
    if (key == name) return value;
  }
  return "(absent)";
}

TEST(AlertPublisher, PublishesTheProtobufKeyedByAlertIdWithHeaders) {
  RecordingProducer producer;
  AlertPublisherConfig config;
  config.stdout_file = nullptr;
  AlertPublisher publisher(producer, config);
  publisher.on_alert(sample_alert());
  ASSERT_EQ(producer.records.size(), 1u);
  const Record& record = producer.records[0];
  EXPECT_EQ(record.topic, "aiswatch.alerts");
  EXPECT_EQ(record.key, "3f1c2a9e0b7d4c51");
  aiswatch::v1::Alert decoded;
  ASSERT_TRUE(decoded.ParseFromString(record.value));
  EXPECT_EQ(decoded.mmsi(), 445123000u);
  EXPECT_EQ(decoded.counterpart().name(), "XIN \"YUAN\" 18");
  EXPECT_EQ(header(record, "aiswatch-type"), "ALERT_TYPE_RENDEZVOUS");
  EXPECT_EQ(header(record, "aiswatch-state"), "ALERT_STATE_OPEN");
  EXPECT_EQ(header(record, "aiswatch-severity"), "SEVERITY_HIGH");
  EXPECT_EQ(header(record, "aiswatch-schema"), "aiswatch.v1.Alert");
  EXPECT_EQ(header(record, "content-type"), "application/x-protobuf");
  EXPECT_EQ(publisher.published(), 1u);
}

TEST(AlertPublisher, OneTopicPerTypeAndAJsonMirror) {
  RecordingProducer producer;
  AlertPublisherConfig config;
  config.alerts_topic_per_type = true;
  config.json_topic = "aiswatch.alerts.json";
  config.stdout_file = nullptr;
  AlertPublisher publisher(producer, config);
  publisher.on_alert(sample_alert());
  ASSERT_EQ(producer.records.size(), 2u);
  EXPECT_EQ(producer.records[0].topic, "aiswatch.alerts.rendezvous");
  EXPECT_EQ(publisher.topic_for(aiswatch::v1::ALERT_TYPE_DARK_RENDEZVOUS),
            "aiswatch.alerts.dark_rendezvous");
  const Record& json = producer.records[1];
  EXPECT_EQ(json.topic, "aiswatch.alerts.json");
  EXPECT_EQ(json.key, "3f1c2a9e0b7d4c51");
  EXPECT_EQ(header(json, "content-type"), "application/json");
  EXPECT_EQ(json.value.front(), '{');
  EXPECT_EQ(json.value.back(), '}') << "one JSON object per record, no newline";
  EXPECT_NE(json.value.find("\"alert_id\":\"3f1c2a9e0b7d4c51\""), std::string::npos);
}

TEST(AlertPublisher, PrintsEachEventAsAReadableLine) {
  RecordingProducer producer;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  AlertPublisherConfig config;
  config.stdout_format = "lines";
  config.stdout_file = out;
  AlertPublisher publisher(producer, config);
  publisher.on_alert(sample_alert());
  const std::string printed = testing::read_and_close(out);
  EXPECT_EQ(printed, alert_text_line(sample_alert()) + "\n");
}

TEST(AlertPublisher, CountsRecordsTheProducerRefused) {
  RecordingProducer producer;
  producer.accept = false;
  AlertPublisherConfig config;
  config.stdout_file = nullptr;
  AlertPublisher publisher(producer, config);
  publisher.on_alert(sample_alert());
  EXPECT_EQ(publisher.published(), 0u);
  EXPECT_EQ(publisher.refused(), 1u);
}

TEST(AlertText, OneLineWithTimeStateTypeSeverityVesselsPlaceZoneIdAndReason) {
  EXPECT_EQ(alert_text_line(sample_alert()),
            "2026-01-01T03:02:00Z OPEN    RENDEZVOUS       HIGH     445123000 \"CHON MA SAN\" "
            "with 352001234 \"XIN \\\"YUAN\\\" 18\" at 38.5125N 124.9000E zone=kp-west-sea "
            "id=3f1c2a9e0b7d4c51 reason=\"contact 30 min\"");
}

TEST(AlertText, AClosedAlertShowsWhyItClosedAndSouthWestIsSigned) {
  aiswatch::v1::Alert alert = sample_alert();
  alert.set_state(aiswatch::v1::ALERT_STATE_CLOSED);
  alert.set_close_reason("apart");
  alert.set_counterpart_mmsi(0);
  alert.set_lat(-33.5);
  alert.set_lon(-70.25);
  alert.set_zone_id("");
  const std::string line = alert_text_line(alert);
  EXPECT_NE(line.find("CLOSED  RENDEZVOUS"), std::string::npos) << line;
  EXPECT_NE(line.find("at 33.5000S 70.2500W id="), std::string::npos) << line;
  EXPECT_NE(line.find("reason=\"apart\""), std::string::npos) << line;
  EXPECT_EQ(line.find(" with "), std::string::npos) << line;
}

}  // namespace
}  // namespace aiswatch::app
