#pragma once
// The JSON mirror of alerts: one JSON object per alert event, one per line (JSON Lines), for
// `aiswatchd replay --alerts` and dashboards that cannot read protobuf.
//
// It is protobuf's canonical proto3 JSON mapping (google::protobuf::util::MessageToJsonString,
// protobuf 3.21) with these options, which fix the format:
//   preserve_proto_field_names = true     snake_case keys as in alert.proto: "alert_id", "zone_id"
//   always_print_primitive_fields = true  "counterpart_mmsi": 0, "zone_id": "", "evidence": [] are
//                                         printed, so every line has every scalar key
//   always_print_enums_as_ints = false    enums by name: "type": "ALERT_TYPE_RENDEZVOUS",
//                                         "state": "ALERT_STATE_OPEN", "severity": "SEVERITY_HIGH"
//   add_whitespace = false                one line, no spaces
// What the mapping itself fixes:
//   - keys in a fixed order for a given protobuf version, so the same alert gives the same bytes.
//     Protobuf 3.21 (Debian 12) prints the scalar, enum, repeated and nested-message fields in
//     field-number order and the Timestamps after them (tests/unit/alert/json_lines_test.cpp pins
//     the exact line). Consumers must read it as JSON, not depend on key order;
//   - Timestamps as RFC 3339 UTC with a "Z" suffix and 0, 3, 6 or 9 fractional digits:
//     "2024-03-01T02:30:00Z", "2024-03-01T02:30:00.250Z";
//   - uint32 fields (mmsi, imo) as JSON numbers; 64-bit integers would be quoted strings (there
//     are none in Alert); doubles as the shortest text that round-trips;
//   - message fields that are unset (counterpart when there is none) are omitted.
// Example (abridged):
//   {"alert_id":"3f1c...","type":"ALERT_TYPE_RENDEZVOUS","state":"ALERT_STATE_OPEN",
//    "mmsi":445123000,"counterpart_mmsi":352001234,"zone_id":"","lat":38.5125,...,
//    "start_time":"2024-03-01T00:00:00Z","end_time":"2024-03-01T02:00:00.250Z",...}
#include <optional>
#include <ostream>
#include <string>

#include "aiswatch/v1/alert.pb.h"
#include "alert/manager.h"

namespace aiswatch::alert {

// The alert as one JSON line, '\n' included; nullopt when protobuf refuses it (only a Timestamp
// outside years 1-9999 can cause that).
std::optional<std::string> to_json_line(const aiswatch::v1::Alert& alert);

// Appends each alert event to a stream as a JSON line. The stream belongs to the caller (replay
// opens the file); write errors show in the stream's state, which the caller checks at the end.
class JsonLinesSink : public AlertSink {
 public:
  explicit JsonLinesSink(std::ostream& out) : out_(out) {}
  void on_alert(const aiswatch::v1::Alert& alert) override;
  uint64_t written() const { return written_; }
  uint64_t failed() const { return failed_; }

 private:
  std::ostream& out_;
  uint64_t written_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace aiswatch::alert
