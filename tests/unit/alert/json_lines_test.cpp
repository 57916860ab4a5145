#include "alert/json_lines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace aiswatch::alert {
namespace {

using namespace aiswatch::v1;

// A fixed alert with every kind of field set; timestamps with and without fractional seconds.
Alert fixed_alert() {
  Alert a;
  a.set_alert_id("5ff29c3b6bd751f2");
  a.set_type(ALERT_TYPE_RENDEZVOUS);
  a.set_state(ALERT_STATE_UPDATE);
  a.set_mmsi(445123000);
  a.set_counterpart_mmsi(352001234);
  a.mutable_start_time()->set_seconds(1709251200);  // 2024-03-01T00:00:00Z
  a.mutable_end_time()->set_seconds(1709258400);    // 2024-03-01T02:00:00Z
  a.mutable_end_time()->set_nanos(250'000'000);
  a.set_lat(38.5125);
  a.set_lon(124.25);
  a.set_severity(SEVERITY_HIGH);
  a.set_phase(PHASE_CONFIRMED);
  a.set_reason("within 120 m");
  auto* v = a.mutable_vessel();
  v->set_mmsi(445123000);
  v->set_name("CHON MA SAN");
  v->set_imo(8660313);
  v->set_flag("KP");
  v->set_ship_type(80);
  auto* p = a.add_evidence();
  p->set_mmsi(445123000);
  p->mutable_time()->set_seconds(1709253000);
  p->set_lat(38.5);
  p->set_lon(124.0);
  p->set_sog(0.4);
  auto* f = a.add_facts();
  f->set_name("distance_m");
  f->set_value(120);
  a.mutable_event_time()->set_seconds(1709258400);
  a.set_sequence(2);
  return a;
}

// The exact line is the contract with `aiswatchd replay` consumers: snake_case proto names, enum
// names, RFC 3339 UTC times, defaults printed (counterpart absent: it is a message), one line.
// Key order is protobuf 3.21's: scalar and repeated fields in field-number order, then the
// Timestamps (which its printer renders last). Pinned here so a protobuf upgrade that changes
// the bytes is noticed; consumers must not depend on key order anyway.
TEST(JsonLines, FixedAlertGivesExactLine) {
  const auto line = to_json_line(fixed_alert());
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line,
            "{\"alert_id\":\"5ff29c3b6bd751f2\",\"type\":\"ALERT_TYPE_RENDEZVOUS\","
            "\"state\":\"ALERT_STATE_UPDATE\",\"mmsi\":445123000,\"counterpart_mmsi\":352001234,"
            "\"zone_id\":\"\",\"lat\":38.5125,\"lon\":124.25,"
            "\"severity\":\"SEVERITY_HIGH\",\"phase\":\"PHASE_CONFIRMED\","
            "\"reason\":\"within 120 m\",\"close_reason\":\"\","
            "\"vessel\":{\"mmsi\":445123000,\"name\":\"CHON MA SAN\",\"imo\":8660313,"
            "\"callsign\":\"\",\"flag\":\"KP\",\"ship_type\":80,\"watchlist_reason\":\"\"},"
            "\"evidence\":[{\"mmsi\":445123000,\"lat\":38.5,\"lon\":124,"
            "\"time\":\"2024-03-01T00:30:00Z\",\"sog\":0.4}],"
            "\"facts\":[{\"name\":\"distance_m\",\"value\":120}],\"sequence\":2,"
            "\"related_alert_ids\":[],"
            "\"start_time\":\"2024-03-01T00:00:00Z\",\"end_time\":\"2024-03-01T02:00:00.250Z\","
            "\"event_time\":\"2024-03-01T02:00:00Z\"}\n");
}

TEST(JsonLines, SameAlertSameBytes) {
  EXPECT_EQ(to_json_line(fixed_alert()), to_json_line(fixed_alert()));
}

TEST(JsonLines, SinkWritesOneLinePerEvent) {
  std::ostringstream out;
  JsonLinesSink sink(out);
  Alert a = fixed_alert();
  sink.on_alert(a);
  a.set_state(ALERT_STATE_CLOSED);
  a.set_close_reason("separated");
  sink.on_alert(a);
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_NE(text.find("\"state\":\"ALERT_STATE_CLOSED\""), std::string::npos);
  EXPECT_NE(text.find("\"close_reason\":\"separated\""), std::string::npos);
  EXPECT_EQ(sink.written(), 2u);
  EXPECT_EQ(sink.failed(), 0u);
}

TEST(JsonLines, InvalidTimestampIsCountedNotWritten) {
  std::ostringstream out;
  JsonLinesSink sink(out);
  Alert a = fixed_alert();
  a.mutable_start_time()->set_seconds(400'000'000'000);  // past year 9999
  sink.on_alert(a);
  EXPECT_EQ(sink.failed(), 1u);
  EXPECT_TRUE(out.str().empty());
}

TEST(AlertProto, RoundTripsThroughTheWireFormat) {
  const Alert a = fixed_alert();
  std::string wire;
  ASSERT_TRUE(a.SerializeToString(&wire));
  Alert back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.SerializeAsString(), wire);
  EXPECT_EQ(back.alert_id(), "5ff29c3b6bd751f2");
  EXPECT_EQ(back.end_time().nanos(), 250'000'000);
  EXPECT_TRUE(back.evidence(0).has_sog());
  EXPECT_FALSE(back.evidence(0).has_cog());
  EXPECT_FALSE(back.has_counterpart());
  EXPECT_EQ(to_json_line(back), to_json_line(a));
}

}  // namespace
}  // namespace aiswatch::alert
