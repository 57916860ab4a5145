#include "support/random_messages.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <type_traits>
#include <variant>

#include "ais/bit_reader.h"
#include "ais/identity.h"

namespace aiswatch::testing {
namespace {

using namespace aiswatch::ais;

// ---- Generation ------------------------------------------------------------------------------

class RandomVisitor {
 public:
  RandomVisitor(std::mt19937_64& rng, unsigned max_data_bits)
      : rng_(rng), max_data_bits_(max_data_bits) {}

  template <class T>
  void u(UField f, T& x) {
    if (f.name == "partno") return;  // chosen by the caller: it selects the layout
    x = static_cast<T>(bits(f.width));
  }
  template <class T>
  void i(IField f, T& x) {
    x = static_cast<T>(
        signed_in(-(int64_t{1} << (f.width - 1)), (int64_t{1} << (f.width - 1)) - 1));
  }
  void b(BField, bool& x) { x = bits(1) != 0; }
  void opt(OptField f, std::optional<unsigned>& x) {
    if (one_in(8)) {
      x.reset();
      return;
    }
    uint32_t raw = 0;
    do raw = static_cast<uint32_t>(bits(f.width));
    while (raw == f.not_available);
    x = raw;
  }
  void scaled(ScaledField f, std::optional<double>& x) {
    if (one_in(8)) {
      x.reset();
      return;
    }
    int64_t raw = 0;
    if (f.is_signed) {
      // The "not available" value is one unit past the physical range (lon 181, lat 91).
      const int64_t limit = static_cast<int64_t>(f.not_available - f.divisor);
      raw = signed_in(-limit, limit);
    } else if (f.not_available == 0) {  // e.g. draught: 0 is n/a, the rest is valid
      raw = signed_in(1, (int64_t{1} << f.width) - 1);
    } else {  // e.g. speed 1023, course 3600: everything below is valid
      raw = signed_in(0, f.not_available - 1);
    }
    x = static_cast<double>(raw) / f.divisor;  // exactly the decoder's expression
  }
  void turn(TurnField, std::optional<int8_t>& x) {
    if (one_in(8)) {
      x.reset();
    } else {
      x = static_cast<int8_t>(signed_in(-127, 127));
    }
  }
  template <std::size_t N>
  void text(TextField f, SixBitText<N>& t) {
    const unsigned chars = std::min<unsigned>(f.chars, N);
    const unsigned length =
        one_in(3) ? chars : static_cast<unsigned>(signed_in(0, static_cast<int64_t>(chars)));
    fill_text(t, length);
    last_text_chars_ = chars;
  }
  template <std::size_t N>
  void text_extension(TextField f, SixBitText<N>& t) {
    // Half the time, a text longer than its first part: the rest goes into the extension.
    const unsigned room = std::min<unsigned>(f.chars, static_cast<unsigned>(N) - last_text_chars_);
    if (room == 0 || !one_in(2)) return;
    fill_text(t, last_text_chars_ + static_cast<unsigned>(signed_in(1, room)));
  }
  void data(DataField, BinaryData& d) {
    d = BinaryData{};
    const unsigned bits_total =
        one_in(4) ? max_data_bits_ : static_cast<unsigned>(signed_in(0, max_data_bits_));
    d.bits = static_cast<uint16_t>(bits_total);
    for (unsigned k = 0; k < (bits_total + 7) / 8; ++k) d.bytes[k] = static_cast<uint8_t>(bits(8));
    if (bits_total % 8 != 0) {
      const unsigned keep = bits_total % 8;
      d.bytes[bits_total / 8] &= static_cast<uint8_t>(0xFFu << (8 - keep));
    }
  }
  void spare(SpareField) {}

 private:
  uint64_t bits(unsigned width) { return width == 0 ? 0 : rng_() >> (64 - width); }
  int64_t signed_in(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool one_in(unsigned n) { return rng_() % n == 0; }

  // Characters from the alphabet without '@' (it ends a text), the last one not a space (spaces
  // at the end are trimmed); interior spaces stay.
  template <std::size_t N>
  void fill_text(SixBitText<N>& t, unsigned to) {
    for (unsigned k = 0; k < to; ++k) t.chars[k] = sixbit_alphabet[signed_in(1, 63)];
    if (to > 0 && t.chars[to - 1] == ' ') t.chars[to - 1] = sixbit_alphabet[signed_in(1, 31)];
    t.length = static_cast<uint8_t>(to);
  }

  std::mt19937_64& rng_;
  unsigned max_data_bits_;
  unsigned last_text_chars_ = 0;
};

uint32_t random_mmsi(std::mt19937_64& rng) {
  auto in = [&rng](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  switch (rng() % 10) {
    case 0:
      return in(0, (1u << 30) - 1);  // anything the field holds
    case 1:
      return in(2'000'000, 7'999'999);  // 00MIDxxxx coast station
    case 2:
      return 111'000'000 + in(200'000, 799'999);  // 111MIDxxx SAR aircraft
    case 3:
      return 980'000'000 + in(2'000'000, 7'999'999);  // 98MIDxxxx craft with parent
    case 4:
      return 990'000'000 + in(2'000'000, 7'999'999);  // 99MIDxxxx aid to navigation
    case 5:
      return 970'000'000 + in(0, 999'999);  // AIS-SART
    default:
      return in(200'000'000, 799'999'999);  // MIDxxxxxx ship
  }
}

template <class M>
M make_with_table(std::mt19937_64& rng, Header header, unsigned max_data_bits = 0) {
  M m;
  m.header = header;
  if constexpr (std::is_same_v<M, StaticDataReport>) m.partno = static_cast<uint8_t>(rng() % 2);
  RandomVisitor v(rng, max_data_bits);
  M::fields(v, m);
  return m;
}

// ---- Description ----------------------------------------------------------------------------

class DescribeVisitor {
 public:
  explicit DescribeVisitor(std::vector<std::string>& out) : out_(out) {}

  template <class T>
  void u(UField f, const T& x) {
    add(f.name, std::to_string(static_cast<uint64_t>(x)));
  }
  template <class T>
  void i(IField f, const T& x) {
    add(f.name, std::to_string(static_cast<int64_t>(x)));
  }
  void b(BField f, const bool& x) { add(f.name, x ? "true" : "false"); }
  void opt(OptField f, const std::optional<unsigned>& x) {
    add(f.name, x ? std::to_string(*x) : "absent");
  }
  void scaled(ScaledField f, const std::optional<double>& x) {
    if (!x) {
      add(f.name, "absent");
      return;
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *x);
    add(f.name, buf);
  }
  void turn(TurnField f, const std::optional<int8_t>& x) {
    add(f.name, x ? std::to_string(*x) : "absent");
  }
  template <std::size_t N>
  void text(TextField f, const SixBitText<N>& t) {
    add(f.name, "\"" + std::string(t.view()) + "\"");
  }
  template <std::size_t N>
  void text_extension(TextField f, const SixBitText<N>& t) {
    add(std::string(f.name) + "(with extension)", "\"" + std::string(t.view()) + "\"");
  }
  void data(DataField f, const BinaryData& d) {
    std::string hex = std::to_string(d.bits) + ":";
    for (unsigned k = 0; k < (d.bits + 7u) / 8u; ++k) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", d.bytes[k]);
      hex += buf;
    }
    add(f.name, hex);
  }
  void spare(SpareField) {}

 private:
  void add(std::string_view name, const std::string& value) {
    out_.push_back(std::string(name) + "=" + value);
  }
  std::vector<std::string>& out_;
};

}  // namespace

ais::Message RandomMessages::make(uint8_t type) {
  ais::Header h;
  h.type = type;
  h.repeat = static_cast<uint8_t>(rng_() % 4);
  h.mmsi = random_mmsi(rng_);
  const ais::MmsiIdentity id = ais::classify_mmsi(h.mmsi);
  h.category = id.category;
  h.mid = id.mid;

  switch (type) {
    case 1:
    case 2:
    case 3:
      return make_with_table<ais::PositionReport>(rng_, h);
    case 4:
    case 11:
      return make_with_table<ais::BaseStationReport>(rng_, h);
    case 5:
      return make_with_table<ais::StaticVoyageData>(rng_, h);
    case 6:
      return make_with_table<ais::BinaryMessage>(
          rng_, h, ais::max_payload_bits - ais::BinaryMessage::min_bits_addressed);
    case 8:
      return make_with_table<ais::BinaryMessage>(
          rng_, h, ais::max_payload_bits - ais::BinaryMessage::min_bits_broadcast);
    case 9:
      return make_with_table<ais::SarAircraftReport>(rng_, h);
    case 18:
      return make_with_table<ais::ClassBPositionReport>(rng_, h);
    case 19:
      return make_with_table<ais::ClassBExtendedReport>(rng_, h);
    case 21:
      return make_with_table<ais::AidToNavigationReport>(rng_, h);
    case 24:
      return make_with_table<ais::StaticDataReport>(rng_, h);
    case 27:
      return make_with_table<ais::LongRangeReport>(rng_, h);
    default: {
      ais::OtherMessage m;
      m.header = h;
      m.bits = static_cast<uint16_t>(
          std::uniform_int_distribution<unsigned>(ais::header_bits, ais::max_payload_bits)(rng_));
      return m;
    }
  }
}

ais::Message RandomMessages::make_any() {
  const std::size_t n = fully_decoded_types.size() + header_only_types.size();
  const std::size_t k = rng_() % n;
  return make(k < fully_decoded_types.size() ? fully_decoded_types[k]
                                             : header_only_types[k - fully_decoded_types.size()]);
}

std::vector<std::string> describe_fields(const ais::Message& message) {
  std::vector<std::string> out;
  DescribeVisitor v(out);
  std::visit(
      [&](const auto& m) {
        ais::Header::fields(v, m.header);
        out.push_back("category=" + std::string(ais::to_string(m.header.category)));
        out.push_back("mid=" + std::to_string(m.header.mid));
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, ais::OtherMessage>) {
          out.push_back("bits=" + std::to_string(m.bits));
        } else {
          M::fields(v, m);
        }
      },
      message);
  return out;
}

std::string first_difference(const ais::Message& a, const ais::Message& b) {
  if (a.index() != b.index()) {
    return "different message kinds (variant index " + std::to_string(a.index()) + " vs " +
           std::to_string(b.index()) + ")";
  }
  const std::vector<std::string> da = describe_fields(a);
  const std::vector<std::string> db = describe_fields(b);
  for (std::size_t k = 0; k < std::max(da.size(), db.size()); ++k) {
    const std::string x = k < da.size() ? da[k] : "(none)";
    const std::string y = k < db.size() ? db[k] : "(none)";
    if (x != y) return "field " + std::to_string(k) + ": " + x + " vs " + y;
  }
  return {};
}

}  // namespace aiswatch::testing
