#include "app/publishers.h"

#include <google/protobuf/util/time_util.h>

#include <cctype>

#include "aiswatch/v1/position_report.pb.h"
#include "alert/json_lines.h"
#include "app/alert_text.h"
#include "track/tracker.h"

namespace aiswatch::app {
namespace {

constexpr std::string_view type_prefix = "ALERT_TYPE_";

}  // namespace

AlertPublisher::AlertPublisher(RecordProducer& producer, AlertPublisherConfig config)
    : producer_(producer), config_(std::move(config)) {}

std::string AlertPublisher::topic_for(aiswatch::v1::AlertType type) const {
  if (!config_.alerts_topic_per_type) return config_.alerts_topic;
  std::string name = aiswatch::v1::AlertType_Name(type);
  if (name.compare(0, type_prefix.size(), type_prefix) == 0) name.erase(0, type_prefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return config_.alerts_topic + "." + name;
}

void AlertPublisher::on_alert(const aiswatch::v1::Alert& alert) {
  headers_.clear();
  headers_.emplace_back("aiswatch-type", aiswatch::v1::AlertType_Name(alert.type()));
  headers_.emplace_back("aiswatch-state", aiswatch::v1::AlertState_Name(alert.state()));
  headers_.emplace_back("aiswatch-severity", aiswatch::v1::Severity_Name(alert.severity()));
  headers_.emplace_back("aiswatch-schema", "aiswatch.v1.Alert");
  headers_.emplace_back("content-type", "application/x-protobuf");
  value_.clear();
  alert.SerializeToString(&value_);
  if (producer_.produce(topic_for(alert.type()), alert.alert_id(), value_, headers_)) {
    ++published_;
  } else {
    ++refused_;
  }

  const bool want_json = !config_.json_topic.empty() || config_.stdout_format == "json" ||
                         config_.alerts_file != nullptr;
  std::optional<std::string> json;
  if (want_json) json = alert::to_json_line(alert);
  if (json && !config_.json_topic.empty()) {
    headers_.back().second = "application/json";
    // The JSON mirror without its trailing newline: a record is one value.
    const std::string_view value(json->data(), json->size() - 1);
    if (!producer_.produce(config_.json_topic, alert.alert_id(), value, headers_)) ++refused_;
  }
  if (json && config_.alerts_file != nullptr) {
    std::fwrite(json->data(), 1, json->size(), config_.alerts_file);
    std::fflush(config_.alerts_file);
  }
  if (config_.stdout_file != nullptr) {
    if (config_.stdout_format == "lines") {
      const std::string line = alert_text_line(alert) + "\n";
      std::fwrite(line.data(), 1, line.size(), config_.stdout_file);
      std::fflush(config_.stdout_file);
    } else if (config_.stdout_format == "json" && json) {
      std::fwrite(json->data(), 1, json->size(), config_.stdout_file);
      std::fflush(config_.stdout_file);
    }
  }
}

PositionPublisher::PositionPublisher(RecordProducer& producer, std::string topic)
    : producer_(producer), topic_(std::move(topic)) {
  headers_.emplace_back("aiswatch-schema", "aiswatch.v1.PositionReport");
  headers_.emplace_back("content-type", "application/x-protobuf");
}

void PositionPublisher::on_update(const detect::Observation& observation,
                                  detect::Context& /*context*/) {
  const track::UpdateResult& update = observation.update;
  if (update.vessel == nullptr || (update.changes & track::change_position) == 0) return;
  const track::VesselState& vessel = *update.vessel;
  if (!vessel.position) return;
  const track::PositionFix& fix = *vessel.position;
  aiswatch::v1::PositionReport report;
  report.set_mmsi(vessel.mmsi);
  *report.mutable_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(fix.time_ms);
  report.set_lat(fix.lat);
  report.set_lon(fix.lon);
  if (fix.speed_knots) report.set_sog(*fix.speed_knots);
  if (fix.course_deg) report.set_cog(*fix.course_deg);
  if (fix.heading_deg) report.set_heading(*fix.heading_deg);
  if (fix.nav_status && aiswatch::v1::NavigationStatus_IsValid(*fix.nav_status)) {
    report.set_nav_status(static_cast<aiswatch::v1::NavigationStatus>(*fix.nav_status));
  }
  report.set_message_type(fix.message_type);
  report.set_position_accuracy(fix.accuracy);
  report.set_station(std::string(observation.station));
  report.set_name(std::string(vessel.statics.name.view()));
  if (vessel.flag != nullptr) report.set_flag(std::string(vessel.flag->iso2));
  if (vessel.statics.ship_type) report.set_ship_type(*vessel.statics.ship_type);
  value_.clear();
  report.SerializeToString(&value_);
  if (producer_.produce(topic_, std::to_string(vessel.mmsi), value_, headers_)) ++published_;
}

}  // namespace aiswatch::app
