#pragma once
// Typed AIS messages (ITU-R M.1371-5, Annex 8) and their field tables.
//
// Each message struct carries one field table, `fields(v, m)`: the fields in transmission order
// with their width, signedness, scale and "not available" value, and the ITU-R table they come
// from. Offsets follow from the widths. The same table drives decoding (a bit-reading visitor),
// encoding (a bit-writing visitor, used by tests and the traffic simulator), JSON output (gpsd's
// key names are the field names) and the check that each type consumes exactly its bits — one
// source of truth, as AIS-catcher's KeyDefs.h and pyais's field tables are for theirs.
//
// A visitor V provides these calls (each takes a constexpr descriptor and a member reference):
//   v.u(UField, unsigned&)            unsigned integer
//   v.i(IField, signed&)              two's-complement integer
//   v.b(BField, bool&)                one bit
//   v.opt(OptField, std::optional<unsigned>&)       unsigned, absent when == not_available
//   v.scaled(ScaledField, std::optional<double>&)    raw / divisor, absent when == not_available
//   v.turn(TurnField, std::optional<int8_t>&)        rate-of-turn indicator (see RateOfTurn)
//   v.text(TextField, SixBitText&)    six-bit text of a fixed number of characters
//   v.text_extension(TextField, SixBitText&)   the rest of the payload, appended to the text
//   v.data(DataField, BinaryData&)    the rest of the payload as raw bits
//   v.spare(SpareField)               bits that carry nothing
// Visitors read m.header (already decoded) where the layout depends on it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

namespace aiswatch::ais {

// ---- Field descriptors ---------------------------------------------------------------------

struct UField { std::string_view name; uint8_t width; };
struct IField { std::string_view name; uint8_t width; };
struct BField { std::string_view name; };
struct OptField { std::string_view name; uint8_t width; uint32_t not_available; };
struct ScaledField {
  std::string_view name;
  uint8_t width;
  bool is_signed;
  double divisor;         // value = raw / divisor
  int32_t not_available;  // raw sentinel meaning "not available"
  uint8_t decimals;       // digits gpsd prints for this field when scaled
};
struct TurnField { std::string_view name; };
struct TextField { std::string_view name; uint8_t chars; };
struct DataField { std::string_view name; };
struct SpareField { uint8_t width; };

// Six-bit ASCII text with trailing '@' (the padding character, value 0) and spaces trimmed.
template <std::size_t N>
struct SixBitText {
  static constexpr std::size_t capacity = N;
  std::array<char, N> chars{};
  uint8_t length = 0;

  std::string_view view() const { return {chars.data(), length}; }
  friend bool operator==(const SixBitText& a, const SixBitText& b) { return a.view() == b.view(); }
};

// Raw bits of an application payload (messages 6, 8): up to five slots' worth.
struct BinaryData {
  static constexpr std::size_t max_bits = 1'024;
  std::array<uint8_t, max_bits / 8> bytes{};  // most significant bit first
  uint16_t bits = 0;

  friend bool operator==(const BinaryData& a, const BinaryData& b) {
    if (a.bits != b.bits) return false;
    for (std::size_t i = 0; i < (a.bits + 7u) / 8u; ++i)
      if (a.bytes[i] != b.bytes[i]) return false;
    return true;
  }
};

// ---- Derived identity ------------------------------------------------------------------------

// What kind of station an MMSI belongs to (ITU-R M.585-9, Annex 1).
enum class MmsiCategory : uint8_t {
  invalid,              // not a nine-digit number of any known form
  ship,                 // MIDxxxxxx
  group,                // 0MIDxxxxx
  coast_station,        // 00MIDxxxx (AIS base stations)
  sar_aircraft,         // 111MIDxxx
  aid_to_navigation,    // 99MIDxxxx
  craft_with_parent,    // 98MIDxxxx (auxiliary craft of a parent ship)
  handheld,             // 8MIDxxxxx (handheld VHF with DSC and GNSS)
  sart,                 // 970xxyyyy AIS-SART
  mob,                  // 972xxyyyy man overboard
  epirb,                // 974xxyyyy EPIRB-AIS
};

struct Header {
  uint8_t type = 0;
  uint8_t repeat = 0;
  uint32_t mmsi = 0;
  // Derived from the MMSI by the decoder (see identity.h): the station category and the
  // Maritime Identification Digits (0 when the MMSI's form carries none).
  MmsiCategory category = MmsiCategory::invalid;
  uint16_t mid = 0;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.u(UField{"type", 6}, m.type);
    v.u(UField{"repeat", 2}, m.repeat);
    v.u(UField{"mmsi", 30}, m.mmsi);
  }
};
inline constexpr unsigned header_bits = 38;

// Shared field descriptors (same encoding in several tables).
inline constexpr ScaledField lon_field{"lon", 28, true, 600'000.0, 181 * 600'000, 6};
inline constexpr ScaledField lat_field{"lat", 27, true, 600'000.0, 91 * 600'000, 6};
inline constexpr ScaledField speed_field{"speed", 10, false, 10.0, 1023, 1};   // knots
inline constexpr ScaledField course_field{"course", 12, false, 10.0, 3600, 1};  // degrees true
inline constexpr OptField heading_field{"heading", 9, 511};                    // degrees true

template <class V, class Self>
void ship_dimensions(V& v, Self& m) {  // reference point for position, metres (Fig. 17)
  v.u(UField{"to_bow", 9}, m.to_bow);
  v.u(UField{"to_stern", 9}, m.to_stern);
  v.u(UField{"to_port", 6}, m.to_port);
  v.u(UField{"to_starboard", 6}, m.to_starboard);
}

template <class V, class Self>
void class_b_position(V& v, Self& m) {  // the common start of messages 18 and 19
  v.u(UField{"reserved", 8}, m.reserved);
  v.scaled(speed_field, m.speed);
  v.b(BField{"accuracy"}, m.accuracy);
  v.scaled(lon_field, m.lon);
  v.scaled(lat_field, m.lat);
  v.scaled(course_field, m.course);
  v.opt(heading_field, m.heading);
  v.u(UField{"second", 6}, m.second);
}

// ---- Messages -------------------------------------------------------------------------------

// Rate of turn, ROT_AIS in M.1371-5 Table 47: raw -126..126 encodes 4.733 * sqrt(|deg/min|)
// with the sign of the turn; +-127 turning faster than 5 deg per 30 s with no turn indicator;
// -128 not available (absent).
struct RateOfTurn {
  static std::optional<double> degrees_per_minute(int8_t raw);  // absent for +-127
};

// Messages 1, 2, 3: Class A position report. M.1371-5 Annex 8, Table 47. 168 bits.
struct PositionReport {
  static constexpr uint16_t nominal_bits = 168;
  static constexpr uint16_t min_bits = 168;
  Header header;
  uint8_t status = 15;                 // navigational status, 15 = not defined
  std::optional<int8_t> turn;          // ROT_AIS raw indicator, absent when -128
  std::optional<double> speed;         // knots, 102.2 means 102.2 or more
  bool accuracy = false;               // true: DGNSS-quality fix (< 10 m)
  std::optional<double> lon, lat;      // degrees, WGS 84
  std::optional<double> course;        // degrees true
  std::optional<unsigned> heading;     // degrees true
  uint8_t second = 60;                 // UTC second; 60 n/a, 61 manual, 62 DR, 63 inoperative
  uint8_t maneuver = 0;                // special manoeuvre indicator
  bool raim = false;
  uint32_t radio = 0;                  // communication state (SOTDMA/ITDMA)

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.u(UField{"status", 4}, m.status);
    v.turn(TurnField{"turn"}, m.turn);
    v.scaled(speed_field, m.speed);
    v.b(BField{"accuracy"}, m.accuracy);
    v.scaled(lon_field, m.lon);
    v.scaled(lat_field, m.lat);
    v.scaled(course_field, m.course);
    v.opt(heading_field, m.heading);
    v.u(UField{"second", 6}, m.second);
    v.u(UField{"maneuver", 2}, m.maneuver);
    v.spare(SpareField{3});
    v.b(BField{"raim"}, m.raim);
    v.u(UField{"radio", 19}, m.radio);
  }
};

// Messages 4 (base station) and 11 (UTC/date response). M.1371-5 Annex 8, Table 52. 168 bits.
struct BaseStationReport {
  static constexpr uint16_t nominal_bits = 168;
  static constexpr uint16_t min_bits = 168;
  Header header;
  std::optional<unsigned> year, month, day, hour, minute, second;  // UTC; absent when n/a
  bool accuracy = false;
  std::optional<double> lon, lat;
  uint8_t epfd = 0;  // type of electronic position fixing device
  bool raim = false;
  uint32_t radio = 0;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.opt(OptField{"year", 14, 0}, m.year);
    v.opt(OptField{"month", 4, 0}, m.month);
    v.opt(OptField{"day", 5, 0}, m.day);
    v.opt(OptField{"hour", 5, 24}, m.hour);
    v.opt(OptField{"minute", 6, 60}, m.minute);
    v.opt(OptField{"second", 6, 60}, m.second);
    v.b(BField{"accuracy"}, m.accuracy);
    v.scaled(lon_field, m.lon);
    v.scaled(lat_field, m.lat);
    v.u(UField{"epfd", 4}, m.epfd);
    v.spare(SpareField{10});
    v.b(BField{"raim"}, m.raim);
    v.u(UField{"radio", 19}, m.radio);
  }
};

// Message 5: Class A static and voyage related data. M.1371-5 Annex 8, Table 55. 424 bits.
struct StaticVoyageData {
  static constexpr uint16_t nominal_bits = 424;
  // Many transponders in the wild send 420 or 422 bits (gpsd's driver_ais.c notes the same and
  // accepts them); the missing bits are the end of the destination, DTE and spare.
  static constexpr uint16_t min_bits = 420;
  Header header;
  uint8_t ais_version = 0;
  std::optional<unsigned> imo;         // absent when 0
  SixBitText<7> callsign;
  SixBitText<20> shipname;
  uint8_t shiptype = 0;                // 0 = not available
  uint16_t to_bow = 0, to_stern = 0;
  uint8_t to_port = 0, to_starboard = 0;
  uint8_t epfd = 0;
  std::optional<unsigned> month, day, hour, minute;  // ETA, UTC
  std::optional<double> draught;       // metres, absent when 0
  SixBitText<20> destination;
  bool dte = true;                     // data terminal equipment: false = ready

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.u(UField{"ais_version", 2}, m.ais_version);
    v.opt(OptField{"imo", 30, 0}, m.imo);
    v.text(TextField{"callsign", 7}, m.callsign);
    v.text(TextField{"shipname", 20}, m.shipname);
    v.u(UField{"shiptype", 8}, m.shiptype);
    ship_dimensions(v, m);
    v.u(UField{"epfd", 4}, m.epfd);
    v.opt(OptField{"month", 4, 0}, m.month);
    v.opt(OptField{"day", 5, 0}, m.day);
    v.opt(OptField{"hour", 5, 24}, m.hour);
    v.opt(OptField{"minute", 6, 60}, m.minute);
    v.scaled(ScaledField{"draught", 8, false, 10.0, 0, 1}, m.draught);
    v.text(TextField{"destination", 20}, m.destination);
    v.b(BField{"dte"}, m.dte);
    v.spare(SpareField{1});
  }
};

// Messages 6 (addressed) and 8 (broadcast) binary messages: header to DAC and FI, then raw data.
// M.1371-5 Annex 8, Tables 57 and 62. Up to 1008 bits.
struct BinaryMessage {
  static constexpr uint16_t nominal_bits = 0;  // variable
  static constexpr uint16_t min_bits_addressed = 88;  // type 6 up to the FI
  static constexpr uint16_t min_bits_broadcast = 56;  // type 8 up to the FI
  Header header;
  uint8_t seqno = 0;        // type 6 only
  uint32_t dest_mmsi = 0;   // type 6 only
  bool retransmit = false;  // type 6 only
  uint16_t dac = 0;         // designated area code
  uint8_t fid = 0;          // function identifier
  BinaryData data;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    if (m.header.type == 6) {
      v.u(UField{"seqno", 2}, m.seqno);
      v.u(UField{"dest_mmsi", 30}, m.dest_mmsi);
      v.b(BField{"retransmit"}, m.retransmit);
      v.spare(SpareField{1});
    } else {
      v.spare(SpareField{2});
    }
    v.u(UField{"dac", 10}, m.dac);
    v.u(UField{"fid", 6}, m.fid);
    v.data(DataField{"data"}, m.data);
  }
};

// Message 9: standard SAR aircraft position report. M.1371-5 Annex 8, Table 64. 168 bits.
struct SarAircraftReport {
  static constexpr uint16_t nominal_bits = 168;
  static constexpr uint16_t min_bits = 168;
  Header header;
  std::optional<unsigned> alt;    // metres, 4094 means 4094 or higher
  std::optional<unsigned> speed;  // knots (whole), 1022 means 1022 or higher
  bool accuracy = false;
  std::optional<double> lon, lat;
  std::optional<double> course;
  uint8_t second = 60;
  uint8_t regional = 0;
  bool dte = true;
  bool assigned = false;
  bool raim = false;
  uint32_t radio = 0;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.opt(OptField{"alt", 12, 4095}, m.alt);
    v.opt(OptField{"speed", 10, 1023}, m.speed);
    v.b(BField{"accuracy"}, m.accuracy);
    v.scaled(lon_field, m.lon);
    v.scaled(lat_field, m.lat);
    v.scaled(course_field, m.course);
    v.u(UField{"second", 6}, m.second);
    v.u(UField{"regional", 8}, m.regional);
    v.b(BField{"dte"}, m.dte);
    v.spare(SpareField{3});
    v.b(BField{"assigned"}, m.assigned);
    v.b(BField{"raim"}, m.raim);
    v.u(UField{"radio", 20}, m.radio);
  }
};

// Message 18: standard Class B position report. M.1371-5 Annex 8, Table 70. 168 bits.
struct ClassBPositionReport {
  static constexpr uint16_t nominal_bits = 168;
  static constexpr uint16_t min_bits = 168;
  Header header;
  uint8_t reserved = 0;
  std::optional<double> speed;
  bool accuracy = false;
  std::optional<double> lon, lat;
  std::optional<double> course;
  std::optional<unsigned> heading;
  uint8_t second = 60;
  uint8_t regional = 0;
  bool cs = false;       // true: Class B "CS" (carrier sense) unit
  bool display = false;
  bool dsc = false;
  bool band = false;
  bool msg22 = false;
  bool assigned = false;
  bool raim = false;
  uint32_t radio = 0;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    class_b_position(v, m);
    v.u(UField{"regional", 2}, m.regional);
    v.b(BField{"cs"}, m.cs);
    v.b(BField{"display"}, m.display);
    v.b(BField{"dsc"}, m.dsc);
    v.b(BField{"band"}, m.band);
    v.b(BField{"msg22"}, m.msg22);
    v.b(BField{"assigned"}, m.assigned);
    v.b(BField{"raim"}, m.raim);
    v.u(UField{"radio", 20}, m.radio);
  }
};

// Message 19: extended Class B position report. M.1371-5 Annex 8, Table 71. 312 bits.
struct ClassBExtendedReport {
  static constexpr uint16_t nominal_bits = 312;
  static constexpr uint16_t min_bits = 312;
  Header header;
  uint8_t reserved = 0;
  std::optional<double> speed;
  bool accuracy = false;
  std::optional<double> lon, lat;
  std::optional<double> course;
  std::optional<unsigned> heading;
  uint8_t second = 60;
  uint8_t regional = 0;
  SixBitText<20> shipname;
  uint8_t shiptype = 0;
  uint16_t to_bow = 0, to_stern = 0;
  uint8_t to_port = 0, to_starboard = 0;
  uint8_t epfd = 0;
  bool raim = false;
  bool dte = true;
  bool assigned = false;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    class_b_position(v, m);
    v.u(UField{"regional", 4}, m.regional);
    v.text(TextField{"shipname", 20}, m.shipname);
    v.u(UField{"shiptype", 8}, m.shiptype);
    ship_dimensions(v, m);
    v.u(UField{"epfd", 4}, m.epfd);
    v.b(BField{"raim"}, m.raim);
    v.b(BField{"dte"}, m.dte);
    v.b(BField{"assigned"}, m.assigned);
    v.spare(SpareField{4});
  }
};

// Message 21: aids-to-navigation report. M.1371-5 Annex 8, Table 74. 272 to 360 bits: the name
// field is 20 characters, continued by an extension of up to 14 more at the end of the message.
struct AidToNavigationReport {
  static constexpr uint16_t nominal_bits = 272;  // without name extension
  static constexpr uint16_t min_bits = 272;
  Header header;
  uint8_t aid_type = 0;
  SixBitText<34> name;  // name and name extension
  bool accuracy = false;
  std::optional<double> lon, lat;
  uint16_t to_bow = 0, to_stern = 0;
  uint8_t to_port = 0, to_starboard = 0;
  uint8_t epfd = 0;
  uint8_t second = 60;
  bool off_position = false;
  uint8_t regional = 0;
  bool raim = false;
  bool virtual_aid = false;
  bool assigned = false;

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.u(UField{"aid_type", 5}, m.aid_type);
    v.text(TextField{"name", 20}, m.name);
    v.b(BField{"accuracy"}, m.accuracy);
    v.scaled(lon_field, m.lon);
    v.scaled(lat_field, m.lat);
    ship_dimensions(v, m);
    v.u(UField{"epfd", 4}, m.epfd);
    v.u(UField{"second", 6}, m.second);
    v.b(BField{"off_position"}, m.off_position);
    v.u(UField{"regional", 8}, m.regional);
    v.b(BField{"raim"}, m.raim);
    v.b(BField{"virtual_aid"}, m.virtual_aid);
    v.b(BField{"assigned"}, m.assigned);
    v.spare(SpareField{1});
    v.text_extension(TextField{"name", 14}, m.name);
  }
};

// Message 24: static data report, part A (name) or part B (type, vendor, call sign, dimensions).
// M.1371-5 Annex 8, Tables 76-77. Part A 160 bits, part B 168 bits.
struct StaticDataReport {
  static constexpr uint16_t nominal_bits_part_a = 160;
  static constexpr uint16_t nominal_bits_part_b = 168;
  static constexpr uint16_t min_bits = 160;
  Header header;
  uint8_t partno = 0;  // 0 = part A, 1 = part B
  SixBitText<20> shipname;  // part A
  uint8_t shiptype = 0;     // part B from here
  SixBitText<3> vendorid;
  uint8_t model = 0;
  uint32_t serial = 0;
  SixBitText<7> callsign;
  uint16_t to_bow = 0, to_stern = 0;  // ship dimensions, unless an auxiliary craft
  uint8_t to_port = 0, to_starboard = 0;
  uint32_t mothership_mmsi = 0;       // auxiliary craft (MMSI 98MIDxxxx) only
  uint8_t epfd = 0;                   // M.1371-5 added the EPFD type to part B

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.u(UField{"partno", 2}, m.partno);
    if (m.partno == 0) {
      v.text(TextField{"shipname", 20}, m.shipname);
      return;
    }
    v.u(UField{"shiptype", 8}, m.shiptype);
    v.text(TextField{"vendorid", 3}, m.vendorid);
    v.u(UField{"model", 4}, m.model);
    v.u(UField{"serial", 20}, m.serial);
    v.text(TextField{"callsign", 7}, m.callsign);
    if (m.header.category == MmsiCategory::craft_with_parent) {
      v.u(UField{"mothership_mmsi", 30}, m.mothership_mmsi);
    } else {
      ship_dimensions(v, m);
    }
    v.u(UField{"epfd", 4}, m.epfd);
    v.spare(SpareField{2});
  }
};

// Message 27: long-range AIS broadcast (satellite reception). M.1371-5 Annex 8, Table 82. 96 bits.
struct LongRangeReport {
  static constexpr uint16_t nominal_bits = 96;
  static constexpr uint16_t min_bits = 96;
  Header header;
  bool accuracy = false;
  bool raim = false;
  uint8_t status = 15;
  std::optional<double> lon, lat;     // 1/10 minute resolution
  std::optional<unsigned> speed;      // knots (whole)
  std::optional<unsigned> course;     // degrees (whole)
  bool gnss = false;                  // false: position latency under 5 s

  template <class V, class Self>
  static void fields(V& v, Self& m) {
    v.b(BField{"accuracy"}, m.accuracy);
    v.b(BField{"raim"}, m.raim);
    v.u(UField{"status", 4}, m.status);
    v.scaled(ScaledField{"lon", 18, true, 600.0, 181 * 600, 4}, m.lon);
    v.scaled(ScaledField{"lat", 17, true, 600.0, 91 * 600, 4}, m.lat);
    v.opt(OptField{"speed", 6, 63}, m.speed);
    v.opt(OptField{"course", 9, 511}, m.course);
    v.b(BField{"gnss"}, m.gnss);
    v.spare(SpareField{1});
  }
};

// Every other message type (7, 10, 12-17, 20, 22, 23, 25, 26): recognised with its header.
struct OtherMessage {
  Header header;
  uint16_t bits = 0;  // payload length

  template <class V, class Self>
  static void fields(V&, Self&) {}
};

using Message = std::variant<PositionReport, BaseStationReport, StaticVoyageData, BinaryMessage,
                             SarAircraftReport, ClassBPositionReport, ClassBExtendedReport,
                             AidToNavigationReport, StaticDataReport, LongRangeReport,
                             OtherMessage>;

inline const Header& header_of(const Message& m) {
  return std::visit([](const auto& x) -> const Header& { return x.header; }, m);
}

}  // namespace aiswatch::ais
