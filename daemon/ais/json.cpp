// gpsd-compatible JSON output; see json.h for the format and where it departs from gpsd.
//
// Speed: the decode command must beat `gpsdecode -j` tenfold, so one message is written with raw
// pointer stores into a stack buffer (bounded, see max_object_chars) and appended to the caller's
// string once. Numbers go through std::to_chars; scaled values that sit on their field's grid
// (every decoded value does: raw / divisor) are printed with integer arithmetic, which is exact
// and gives the same digits as printf("%.*f") on the double gpsd computes (see fixed()).
#include "ais/json.h"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "ais/identity.h"

namespace aiswatch::ais {
namespace {

// ---- gpsd's legends (gpsd_json.c, json_aivdm_dump, gpsd 3.22) -------------------------------

constexpr std::array<std::string_view, 16> nav_legends{
    "Under way using engine", "At anchor", "Not under command", "Restricted manoeuverability",
    "Constrained by her draught", "Moored", "Aground", "Engaged in fishing", "Under way sailing",
    "Reserved for HSC", "Reserved for WIG", "Reserved", "Reserved", "Reserved", "Reserved",
    "Not defined",
};

constexpr std::array<std::string_view, 9> epfd_legends{
    "Undefined", "GPS", "GLONASS", "Combined GPS/GLONASS", "Loran-C", "Chayka",
    "Integrated navigation system", "Surveyed", "Galileo",
};

constexpr std::string_view reserved_future = "Reserved for future use";
constexpr std::array<std::string_view, 100> ship_type_legends = [] {
  std::array<std::string_view, 100> t{};
  for (auto& s : t) s = reserved_future;
  t[0] = "Not available";
  t[20] = "Wing in ground (WIG) - all ships of this type";
  t[21] = "Wing in ground (WIG) - Hazardous category A";
  t[22] = "Wing in ground (WIG) - Hazardous category B";
  t[23] = "Wing in ground (WIG) - Hazardous category C";
  t[24] = "Wing in ground (WIG) - Hazardous category D";
  for (int i = 25; i <= 29; ++i) t[i] = "Wing in ground (WIG) - Reserved for future use";
  t[30] = "Fishing";
  t[31] = "Towing";
  t[32] = "Towing: length exceeds 200m or breadth exceeds 25m";
  t[33] = "Dredging or underwater ops";
  t[34] = "Diving ops";
  t[35] = "Military ops";
  t[36] = "Sailing";
  t[37] = "Pleasure Craft";
  t[38] = "Reserved";
  t[39] = "Reserved";
  t[40] = "High speed craft (HSC) - all ships of this type";
  t[41] = "High speed craft (HSC) - Hazardous category A";
  t[42] = "High speed craft (HSC) - Hazardous category B";
  t[43] = "High speed craft (HSC) - Hazardous category C";
  t[44] = "High speed craft (HSC) - Hazardous category D";
  for (int i = 45; i <= 48; ++i) t[i] = "High speed craft (HSC) - Reserved for future use";
  t[49] = "High speed craft (HSC) - No additional information";
  t[50] = "Pilot Vessel";
  t[51] = "Search and Rescue vessel";
  t[52] = "Tug";
  t[53] = "Port Tender";
  t[54] = "Anti-pollution equipment";
  t[55] = "Law Enforcement";
  t[56] = "Spare - Local Vessel";
  t[57] = "Spare - Local Vessel";
  t[58] = "Medical Transport";
  t[59] = "Ship according to RR Resolution No. 18";
  t[60] = "Passenger - all ships of this type";
  t[61] = "Passenger - Hazardous category A";
  t[62] = "Passenger - Hazardous category B";
  t[63] = "Passenger - Hazardous category C";
  t[64] = "Passenger - Hazardous category D";
  for (int i = 65; i <= 68; ++i) t[i] = "Passenger - Reserved for future use";
  t[69] = "Passenger - No additional information";
  t[70] = "Cargo - all ships of this type";
  t[71] = "Cargo - Hazardous category A";
  t[72] = "Cargo - Hazardous category B";
  t[73] = "Cargo - Hazardous category C";
  t[74] = "Cargo - Hazardous category D";
  for (int i = 75; i <= 78; ++i) t[i] = "Cargo - Reserved for future use";
  t[79] = "Cargo - No additional information";
  t[80] = "Tanker - all ships of this type";
  t[81] = "Tanker - Hazardous category A";
  t[82] = "Tanker - Hazardous category B";
  t[83] = "Tanker - Hazardous category C";
  t[84] = "Tanker - Hazardous category D";
  for (int i = 85; i <= 88; ++i) t[i] = "Tanker - Reserved for future use";
  t[89] = "Tanker - No additional information";
  t[90] = "Other Type - all ships of this type";
  t[91] = "Other Type - Hazardous category A";
  t[92] = "Other Type - Hazardous category B";
  t[93] = "Other Type - Hazardous category C";
  t[94] = "Other Type - Hazardous category D";
  for (int i = 95; i <= 98; ++i) t[i] = "Other Type - Reserved for future use";
  t[99] = "Other Type - no additional information";  // sic: lower-case "no" in gpsd
  return t;
}();

constexpr std::array<std::string_view, 32> navaid_legends{
    "Unspecified", "Reference point", "RACON", "Fixed offshore structure",
    "Spare, Reserved for future use.", "Light, without sectors", "Light, with sectors",
    "Leading Light Front", "Leading Light Rear", "Beacon, Cardinal N", "Beacon, Cardinal E",
    "Beacon, Cardinal S", "Beacon, Cardinal W", "Beacon, Port hand", "Beacon, Starboard hand",
    "Beacon, Preferred Channel port hand", "Beacon, Preferred Channel starboard hand",
    "Beacon, Isolated danger", "Beacon, Safe water", "Beacon, Special mark", "Cardinal Mark N",
    "Cardinal Mark E", "Cardinal Mark S", "Cardinal Mark W", "Port hand Mark",
    "Starboard hand Mark", "Preferred Channel Port hand", "Preferred Channel Starboard hand",
    "Isolated danger", "Safe Water", "Special Mark", "Light Vessel / LANBY / Rigs",
};

// ---- Writer ---------------------------------------------------------------------------------

// Upper bound of one object's length without the envelope: the longest message is a type 8 with
// 1,024 data bits (5 + 256 characters of data) and every key; a type 21 with a 34-character name
// escaped six-fold ("\u0022") stays far below too. Each field writes at most ~120 characters and
// no table has 40 fields.
constexpr std::size_t max_object_chars = 4'096;

constexpr char hex_digits[] = "0123456789abcdef";

constexpr std::array<int64_t, 10> pow10{1,      10,      100,      1'000,      10'000,
                                        100'000, 1'000'000, 10'000'000, 100'000'000,
                                        1'000'000'000};

// |raw| / 4.733 squared and rounded like gpsd's printf("%.0f") (round half to even on the
// double, which nearbyint does in the default rounding mode), for raw 0..126.
const std::array<int16_t, 127> turn_magnitude = [] {
  std::array<int16_t, 127> t{};
  for (int raw = 0; raw <= 126; ++raw) {
    const double rot = raw / 4.733;
    t[static_cast<std::size_t>(raw)] = static_cast<int16_t>(std::nearbyint(rot * rot));
  }
  return t;
}();

// Field names and descriptors are compile-time constants at every call site; forcing the small
// writer methods inline lets the compiler fold legend()'s name tests and fixed()'s divisions by
// constants, which profiling showed to matter (~15% of `aiswatchd decode`).
#define AISWATCH_INLINE [[gnu::always_inline]] inline

class JsonWriter {
 public:
  explicit JsonWriter(char* out) : p_(out) {}
  char* end() const { return p_; }

  // -- visitor protocol (message.h) --
  template <class T>
  AISWATCH_INLINE void u(UField f, const T& value) {
    key(f.name);
    integer(value);
    legend(f.name, static_cast<unsigned>(value));
  }
  template <class T>
  AISWATCH_INLINE void i(IField f, const T& value) {
    key(f.name);
    integer(value);
  }
  AISWATCH_INLINE void b(BField f, bool value) {
    key(f.name);
    if (f.name == "dte") {  // gpsd prints the DTE flag as a number (types 5, 9, 19)
      *p_++ = value ? '1' : '0';
    } else {
      raw(value ? std::string_view{"true"} : std::string_view{"false"});
    }
  }
  AISWATCH_INLINE void opt(OptField f, const std::optional<unsigned>& value) {
    if (!value) return;
    key(f.name);
    integer(*value);
  }
  AISWATCH_INLINE void scaled(ScaledField f, const std::optional<double>& value) {
    if (!value) return;
    key(f.name);
    fixed(*value, f.divisor, f.decimals);
  }
  AISWATCH_INLINE void turn(TurnField f, const std::optional<int8_t>& value) {
    if (!value) return;  // -128: not available
    key(f.name);
    const int raw_turn = *value;
    if (raw_turn >= 127) {
      raw("\"fastright\"");
    } else if (raw_turn <= -127) {
      raw("\"fastleft\"");
    } else {
      const int magnitude = turn_magnitude[static_cast<std::size_t>(std::abs(raw_turn))];
      integer(raw_turn < 0 ? -magnitude : magnitude);  // -0 cannot happen: ints
    }
  }
  template <std::size_t N>
  AISWATCH_INLINE void text(TextField f, const SixBitText<N>& t) {
    // The whole text, extension included (type 21's name continues in text_extension).
    key(f.name);
    quoted(t.view());
  }
  template <std::size_t N>
  void text_extension(TextField, const SixBitText<N>&) {}  // already written by text()
  void data(DataField f, const BinaryData& d) {
    key(f.name);
    *p_++ = '"';
    integer(d.bits);
    *p_++ = ':';
    const std::size_t bytes = (d.bits + 7u) / 8u;
    for (std::size_t k = 0; k < bytes; ++k) {
      uint8_t byte = d.bytes[k];
      if (k + 1 == bytes && d.bits % 8u != 0) {  // bits past the end print as zeros, as gpsd's
        byte = static_cast<uint8_t>(byte & (0xFFu << (8u - d.bits % 8u)));
      }
      *p_++ = hex_digits[byte >> 4];
      *p_++ = hex_digits[byte & 0x0F];
    }
    *p_++ = '"';
  }
  void spare(SpareField) {}

  // -- building blocks --
  AISWATCH_INLINE void raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  AISWATCH_INLINE void key(std::string_view name) {
    *p_++ = ',';
    *p_++ = '"';
    raw(name);
    *p_++ = '"';
    *p_++ = ':';
  }
  template <class T>
  AISWATCH_INLINE void integer(T value) {
    p_ = std::to_chars(p_, p_ + 24, value).ptr;
  }
  void two_digits(unsigned v) {
    *p_++ = static_cast<char>('0' + v / 10 % 10);
    *p_++ = static_cast<char>('0' + v % 10);
  }
  // A string from our own tables (legends, category names, ISO codes), which hold nothing that
  // needs escaping (json_test checks every one): copied as it is.
  AISWATCH_INLINE void known_safe(std::string_view s) {
    *p_++ = '"';
    raw(s);
    *p_++ = '"';
  }
  void quoted(std::string_view s) {
    *p_++ = '"';
    for (const char c : s) {
      const auto uc = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        *p_++ = '\\';
        *p_++ = c;
      } else if (uc < 0x20 || uc == 0x7F) {
        raw("\\u00");
        *p_++ = hex_digits[uc >> 4];
        *p_++ = hex_digits[uc & 0x0F];
      } else {
        *p_++ = c;
      }
    }
    *p_++ = '"';
  }

  // printf("%.*f", decimals, value). When value is exactly raw / divisor for an integer raw (as
  // every decoded value is), the digits are round(raw * 10^decimals / divisor) computed in
  // integers: exact, and equal to printf's rounding of the double unless the exact quotient is
  // a tie, in which case (and for off-grid values) std::to_chars decides on the double itself.
  AISWATCH_INLINE void fixed(double value, double divisor, uint8_t decimals) {
    const double scaled_value = value * divisor;
    if (decimals <= 9 && std::fabs(scaled_value) < 1e12 && divisor >= 1.0 && divisor < 1e9 &&
        divisor == std::floor(divisor)) {
      const auto raw_value = static_cast<int64_t>(scaled_value + (scaled_value < 0 ? -0.5 : 0.5));
      if (static_cast<double>(raw_value) / divisor == value) {
        const auto den = static_cast<int64_t>(divisor);
        const int64_t num = (raw_value < 0 ? -raw_value : raw_value) * pow10[decimals];
        int64_t q = num / den;
        const int64_t r2 = (num % den) * 2;
        if (r2 != den) {
          if (r2 > den) ++q;
          if (std::signbit(value)) *p_++ = '-';
          integer(q / pow10[decimals]);
          if (decimals > 0) {
            *p_++ = '.';
            int64_t frac = q % pow10[decimals];
            for (int d = decimals - 1; d >= 0; --d) {
              p_[d] = static_cast<char>('0' + frac % 10);
              frac /= 10;
            }
            p_ += decimals;
          }
          return;
        }
      }
    }
    p_ = std::to_chars(p_, p_ + 64, value, std::chars_format::fixed, decimals).ptr;
  }

  // gpsd's *_text companions, keyed by field name (folded at compile time once inlined).
  AISWATCH_INLINE void legend(std::string_view name, unsigned value) {
    if (name == "status") {
      key("status_text");
      known_safe(navigation_status_text(value));
    } else if (name == "shiptype") {
      key("shiptype_text");
      known_safe(ship_type_text(value));
    } else if (name == "epfd") {
      key("epfd_text");
      known_safe(epfd_text(value));
    } else if (name == "aid_type") {
      key("aid_type_text");
      known_safe(aid_type_text(value));
    }
  }

 private:
  char* p_;
};

// ---- Per-type additions after the field table -----------------------------------------------

template <class M>
void extras(JsonWriter&, const M&) {}

void extras(JsonWriter& w, const BaseStationReport& m) {
  // gpsd: "%04u-%02u-%02uT%02u:%02u:%02uZ"; we print it only when every part is available.
  if (!(m.year && m.month && m.day && m.hour && m.minute && m.second)) return;
  w.key("timestamp");
  w.raw("\"");
  if (*m.year < 10'000) {
    w.two_digits(*m.year / 100);
    w.two_digits(*m.year % 100);
  } else {
    w.integer(*m.year);  // cannot happen for a 14-bit field; %04u would widen too
  }
  w.raw("-");
  w.two_digits(*m.month);
  w.raw("-");
  w.two_digits(*m.day);
  w.raw("T");
  w.two_digits(*m.hour);
  w.raw(":");
  w.two_digits(*m.minute);
  w.raw(":");
  w.two_digits(*m.second);
  w.raw("Z\"");
}

void extras(JsonWriter& w, const StaticVoyageData& m) {
  // gpsd: "eta":"%02u-%02uT%02u:%02uZ"; only when every part is available. All four fields are
  // at most two digits wide (4, 5, 5 and 6 bits), so two_digits() is exact.
  if (m.month && m.day && m.hour && m.minute) {
    w.key("eta");
    w.raw("\"");
    w.two_digits(*m.month);
    w.raw("-");
    w.two_digits(*m.day);
    w.raw("T");
    w.two_digits(*m.hour);
    w.raw(":");
    w.two_digits(*m.minute);
    w.raw("Z\"");
  }
  if (m.imo) {
    w.key("imo_valid");
    w.raw(imo_check_digit_valid(*m.imo) ? std::string_view{"true"} : std::string_view{"false"});
  }
}

void extras(JsonWriter& w, const StaticDataReport& m) {
  // gpsd names the half "part":"A"/"B" (and merges both into one object without "part" unless
  // gpsdecode -s); we keep one object per message and print both spellings.
  w.key("part");
  w.raw(m.partno == 0 ? std::string_view{"\"A\""}
                      : (m.partno == 1 ? std::string_view{"\"B\""} : std::string_view{"\"?\""}));
}

template <class M>
void write_message(JsonWriter& w, const M& m) {
  w.raw("{\"class\":\"AIS\"");
  Header::fields(w, m.header);
  w.raw(",\"scaled\":true");
  M::fields(w, m);
  extras(w, m);
  w.key("mmsi_category");
  w.known_safe(to_string(m.header.category));
  if (const FlagState* flag = flag_for_mid(m.header.mid)) {
    w.key("flag");
    w.known_safe(flag->iso2);
  }
}

char* write_object_body(char* buffer, const Message& message) {
  JsonWriter w(buffer);
  std::visit([&w](const auto& m) { write_message(w, m); }, message);
  return w.end();
}

#undef AISWATCH_INLINE

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    const auto uc = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (uc < 0x20 || uc == 0x7F) {
      out.append("\\u00");
      out.push_back(hex_digits[uc >> 4]);
      out.push_back(hex_digits[uc & 0x0F]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string_view navigation_status_text(unsigned status) {
  return status < nav_legends.size() ? nav_legends[status] : "INVALID STATUS";
}
std::string_view ship_type_text(unsigned shiptype) {
  return shiptype < ship_type_legends.size() ? ship_type_legends[shiptype] : "INVALID SHIP TYPE";
}
std::string_view epfd_text(unsigned epfd) {
  return epfd < epfd_legends.size() ? epfd_legends[epfd] : "INVALID EPFD";
}
std::string_view aid_type_text(unsigned aid_type) {
  return aid_type < navaid_legends.size() ? navaid_legends[aid_type] : "INVALID NAVAID TYPE";
}

void append_json(std::string& out, const Message& message) {
  char buffer[max_object_chars];
  char* end = write_object_body(buffer, message);
  assert(static_cast<std::size_t>(end - buffer) < max_object_chars);
  *end++ = '}';
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

void append_json(std::string& out, const Message& message, const JsonEnvelope& envelope) {
  char buffer[max_object_chars];
  char* end = write_object_body(buffer, message);
  assert(static_cast<std::size_t>(end - buffer) < max_object_chars);
  out.append(buffer, static_cast<std::size_t>(end - buffer));
  // The envelope goes straight to the string: a tag-block source is as long as the line allows.
  if (envelope.time_ms) {
    char digits[24];
    out.append(",\"time_ms\":");
    out.append(digits, static_cast<std::size_t>(
                           std::to_chars(digits, digits + sizeof digits, *envelope.time_ms).ptr -
                           digits));
  }
  if (!envelope.source.empty()) {
    out.append(",\"source\":");
    append_json_string(out, envelope.source);
  }
  if (envelope.channel != 0) {
    out.append(",\"channel\":");
    append_json_string(out, std::string_view{&envelope.channel, 1});
  }
  out.push_back('}');
}

}  // namespace aiswatch::ais
