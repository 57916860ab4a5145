#include "app/alert_text.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <cstdio>
#include <string_view>

namespace aiswatch::app {
namespace {

// "ALERT_TYPE_RENDEZVOUS" -> "RENDEZVOUS".
std::string without_prefix(const std::string& name, std::string_view prefix) {
  if (name.compare(0, prefix.size(), prefix) == 0) return name.substr(prefix.size());
  return name;
}

void append_padded(std::string& out, const std::string& text, std::size_t width) {
  out += text;
  if (text.size() < width) out.append(width - text.size(), ' ');
}

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  out += '"';
}

void append_vessel(std::string& out, uint32_t mmsi, const aiswatch::v1::VesselIdentity* identity) {
  out += std::to_string(mmsi);
  if (identity != nullptr && !identity->name().empty()) {
    out += ' ';
    append_quoted(out, identity->name());
  }
}

std::string position_text(double lat, double lon) {
  char text[48];
  std::snprintf(text, sizeof text, "%.4f%c %.4f%c", std::fabs(lat), lat < 0 ? 'S' : 'N',
                std::fabs(lon), lon < 0 ? 'W' : 'E');
  return text;
}

}  // namespace

std::string alert_text_line(const aiswatch::v1::Alert& alert) {
  using google::protobuf::util::TimeUtil;
  std::string line;
  line.reserve(200);
  line += TimeUtil::ToString(alert.event_time());
  line += ' ';
  append_padded(line, without_prefix(aiswatch::v1::AlertState_Name(alert.state()), "ALERT_STATE_"),
                8);
  append_padded(line, without_prefix(aiswatch::v1::AlertType_Name(alert.type()), "ALERT_TYPE_"),
                17);
  append_padded(line, without_prefix(aiswatch::v1::Severity_Name(alert.severity()), "SEVERITY_"),
                9);
  append_vessel(line, alert.mmsi(), alert.has_vessel() ? &alert.vessel() : nullptr);
  if (alert.counterpart_mmsi() != 0) {
    line += " with ";
    append_vessel(line, alert.counterpart_mmsi(),
                  alert.has_counterpart() ? &alert.counterpart() : nullptr);
  }
  line += " at ";
  line += position_text(alert.lat(), alert.lon());
  if (!alert.zone_id().empty()) line += " zone=" + alert.zone_id();
  line += " id=" + alert.alert_id();
  const std::string& reason =
      alert.state() == aiswatch::v1::ALERT_STATE_CLOSED && !alert.close_reason().empty()
          ? alert.close_reason()
          : alert.reason();
  if (!reason.empty()) {
    line += " reason=";
    append_quoted(line, reason);
  }
  return line;
}

}  // namespace aiswatch::app
