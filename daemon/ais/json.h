#pragma once
// gpsd-compatible JSON for decoded AIS messages: one object per message, keys and default
// ("scaled") number formats as gpsd's json_aivdm_dump() prints them (gpsd 3.22, gpsd_json.c), so
// tools written for `gpsdecode -j` / gpspipe read our output. Example (type 1, one line):
//
//   {"class":"AIS","type":1,"repeat":0,"mmsi":477553000,"scaled":true,"status":5,
//    "status_text":"Moored","turn":0,"speed":0.0,"accuracy":false,"lon":-122.345832,
//    "lat":47.582833,"course":51.0,"heading":181,"second":15,"maneuver":0,"raim":false,
//    "radio":149208,"mmsi_category":"ship","flag":"HK"}
//
// Keys come from the field tables in message.h (gpsd's names); formatting per field:
//   - integers as integers; booleans as true/false, except "dte", which gpsd prints as 0/1;
//   - scaled values fixed-point with the table's decimals: lon/lat %.6f, speed/course/draught
//     %.1f (type 27 lon/lat %.4f: gpsd prints %.1f there, a loss of precision we do not copy);
//   - text fields JSON-escaped (six-bit text can hold '"' and '\');
//   - types 6/8 payloads as gpsd's undecoded form "data":"<bits>:<hex>" (lowercase hex of the
//     bits, last byte zero-padded);
//   - gpsd's legends where gpsd prints them: status_text (types 1-3, and 27 where gpsd puts the
//     legend in "status" itself), shiptype_text, epfd_text, aid_type_text; type 24 "part":"A"/"B"
//     beside our "partno" 0/1;
//   - type 4/11 "timestamp":"YYYY-MM-DDTHH:MM:SSZ" and type 5 "eta":"MM-DDTHH:MMZ" as gpsd prints
//     them, besides the separate year/month/day/hour/minute/second numbers; each only when every
//     part is available.
//
// Where we differ from gpsd on purpose (the differential test lists each with its reason):
//   - "not available" values are omitted, never printed (gpsd prints lat 91, lon 181,
//     speed 102.3, course 360, heading 511, draught 0, imo 0, "turn":"nan", ...);
//   - "turn" is signed degrees per minute, sign * (raw / 4.733)^2 rounded to an integer as gpsd
//     rounds it (gpsd prints the square and loses the sign); +-127 is "fastright"/"fastleft";
//   - speed 102.2 (type 1-3, 18, 19) and SAR speed 1022 / altitude 4094 are numbers ("or more"),
//     not gpsd's "fast"/"high" strings;
//   - derived identity: "mmsi_category" always, "flag" (ISO 3166-1 alpha-2 of the MID) when the
//     MID is allocated, "imo_valid" when the message carries an IMO number;
//   - no "device" key; envelope keys ("time_ms", "source", "channel") only through the overload
//     that takes a JsonEnvelope.
//
// Output is appended to the caller's buffer with no trailing newline: the caller adds '\n' for
// JSON lines. No allocation once the buffer has capacity; no locale, iostreams or printf.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ais/message.h"
#include "nmea/framer.h"

namespace aiswatch::ais {

// What the framer knows about a message that the message itself does not carry. Plain values, so
// a caller without a framer (a test, a replay tool) can fill it by hand.
struct JsonEnvelope {
  std::optional<int64_t> time_ms;  // event time, UNIX milliseconds ("time_ms")
  std::string_view source;         // tag block s: ("source"), omitted when empty
  char channel = 0;                // radio channel ("channel"), omitted when 0
};

// The envelope of a framed payload: its event time, tag-block source and channel.
inline JsonEnvelope envelope_of(const nmea::Payload& payload) {
  return {payload.event_time_ms, payload.tag_source, payload.channel};
}

// Append one JSON object for `message` to `out` (no newline).
void append_json(std::string& out, const Message& message);
// The same, with the envelope's keys added at the end of the object.
void append_json(std::string& out, const Message& message, const JsonEnvelope& envelope);
// The same, with the envelope of the framed payload the message was decoded from.
inline void append_json(std::string& out, const Message& message, const nmea::Payload& payload) {
  append_json(out, message, envelope_of(payload));
}

// `text` as a JSON string, quotes included: `"` and `\` escaped, control characters and DEL
// as \u00XX; other bytes as they are (UTF-8 passes through). The one escaper of the code base
// (decoded messages, the structured log).
void append_json_string(std::string& out, std::string_view text);

// gpsd's legends, exposed for tests and other outputs. Out-of-range codes get gpsd's
// "INVALID ..." strings.
std::string_view navigation_status_text(unsigned status);
std::string_view ship_type_text(unsigned shiptype);
std::string_view epfd_text(unsigned epfd);
std::string_view aid_type_text(unsigned aid_type);

}  // namespace aiswatch::ais
