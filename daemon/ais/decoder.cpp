// Decoding AIS payloads through the field tables in message.h.
//
// Length rules (what is "too short" and "too long"), decided here and tested in decoder_test:
//  - A payload longer than max_payload_bits (1008, five slots) is too_long, whatever its type.
//  - A payload shorter than its type's min_bits is too_short; bits beyond the nominal length are
//    ignored, as gpsd does. Message 5 tolerates 420..423 bits (see StaticVoyageData::min_bits).
//  - Messages 6 and 8 need their header up to the FI (88 / 56 bits); the rest is the data.
//  - Message 24 needs 160 bits for part A and 168 for part B. Part numbers 2 and 3 are not
//    defined by M.1371-5; such a message decodes as an OtherMessage (the MMSI was heard, its
//    content is not understood) rather than as an error, so that presence is still counted.
//  - The types decoded only to their header (OtherMessage) need the 38 header bits.
//  - Fewer than 6 bits cannot even say their type: too_short.
//
// Six-bit text follows gpsd (drivers/driver_ais.c, from_sixbit): the text ends at the first '@'
// (the padding character), then trailing spaces are trimmed. Message 21's name extension is
// appended only when the 20-character name is full (no '@'), before trimming, as gpsd does.
#include "ais/decoder.h"

#include <algorithm>

#include "ais/bit_reader.h"
#include "ais/identity.h"

namespace aiswatch::ais {
namespace {

// A visitor that reads each field of a table from the bit reader, in table order.
class ReadVisitor {
 public:
  explicit ReadVisitor(BitReader& reader) : r_(reader) {}

  template <class T>
  void u(UField f, T& x) {
    x = static_cast<T>(r_.read(f.width));
  }
  template <class T>
  void i(IField f, T& x) {
    x = static_cast<T>(r_.read_signed(f.width));
  }
  void b(BField, bool& x) { x = r_.read(1) != 0; }
  void opt(OptField f, std::optional<unsigned>& x) {
    const auto raw = static_cast<uint32_t>(r_.read(f.width));
    if (raw == f.not_available) {
      x.reset();
    } else {
      x = raw;
    }
  }
  void scaled(ScaledField f, std::optional<double>& x) {
    const int64_t raw =
        f.is_signed ? r_.read_signed(f.width) : static_cast<int64_t>(r_.read(f.width));
    if (raw == f.not_available) {
      x.reset();
    } else {
      x = static_cast<double>(raw) / f.divisor;
    }
  }
  void turn(TurnField, std::optional<int8_t>& x) {
    const auto raw = static_cast<int8_t>(r_.read_signed(8));
    if (raw == -128) {
      x.reset();
    } else {
      x = raw;
    }
  }
  template <std::size_t N>
  void text(TextField f, SixBitText<N>& t) {
    const unsigned chars = std::min<unsigned>(f.chars, N);
    unsigned n = 0;
    for (; n < chars; ++n) {
      const char c = sixbit_alphabet[r_.read(6)];
      if (c == '@') {
        r_.skip(6 * (chars - n - 1));
        break;
      }
      t.chars[n] = c;
    }
    text_full_ = n == chars;
    untrimmed_length_ = n;
    t.length = static_cast<uint8_t>(trimmed(t, n));
  }
  template <std::size_t N>
  void text_extension(TextField f, SixBitText<N>& t) {
    // Whole characters left in the message, at most the extension's and the text's capacity.
    const unsigned room = static_cast<unsigned>(N) - std::min<unsigned>(untrimmed_length_, N);
    const unsigned chars = std::min({r_.remaining() / 6, unsigned{f.chars}, room});
    if (!text_full_ || chars == 0) return;
    unsigned n = untrimmed_length_;
    for (unsigned k = 0; k < chars; ++k) {
      const char c = sixbit_alphabet[r_.read(6)];
      if (c == '@') break;
      t.chars[n++] = c;
    }
    t.length = static_cast<uint8_t>(trimmed(t, n));
  }
  void data(DataField, BinaryData& d) {
    const unsigned bits = std::min<unsigned>(r_.remaining(), BinaryData::max_bits);
    d.bits = static_cast<uint16_t>(bits);
    unsigned i = 0;
    for (; i < bits / 8; ++i) d.bytes[i] = static_cast<uint8_t>(r_.read(8));
    const unsigned rest = bits % 8;
    if (rest != 0) d.bytes[i++] = static_cast<uint8_t>(r_.read(rest) << (8 - rest));
    for (; i < d.bytes.size(); ++i) d.bytes[i] = 0;
  }
  void spare(SpareField f) { r_.skip(f.width); }

 private:
  template <std::size_t N>
  static unsigned trimmed(const SixBitText<N>& t, unsigned n) {
    while (n > 0 && t.chars[n - 1] == ' ') --n;
    return n;
  }

  BitReader& r_;
  bool text_full_ = false;         // the last text() had no '@': an extension may follow
  unsigned untrimmed_length_ = 0;  // and this many characters before trimming
};

template <class M>
DecodeStatus decode_as(BitReader& reader, const Header& header, unsigned min_bits, Message& out) {
  if (reader.size() < min_bits) return DecodeStatus::too_short;
  M& m = out.emplace<M>();
  m.header = header;
  ReadVisitor v(reader);
  M::fields(v, m);
  return DecodeStatus::ok;
}

DecodeStatus decode_other(const BitReader& reader, const Header& header, Message& out) {
  if (reader.size() < header_bits) return DecodeStatus::too_short;
  OtherMessage& m = out.emplace<OtherMessage>();
  m.header = header;
  m.bits = static_cast<uint16_t>(reader.size());
  return DecodeStatus::ok;
}

}  // namespace

std::string_view to_string(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::ok:
      return "ok";
    case DecodeStatus::empty_payload:
      return "empty_payload";
    case DecodeStatus::invalid_character:
      return "invalid_character";
    case DecodeStatus::too_short:
      return "too_short";
    case DecodeStatus::too_long:
      return "too_long";
    case DecodeStatus::unknown_type:
      return "unknown_type";
    case DecodeStatus::bad_fill_bits:
      return "bad_fill_bits";
    case DecodeStatus::count_:
      break;
  }
  return "unknown";
}

DecodeStatus decode(std::string_view armored, unsigned fill_bits, Message& out) {
  if (armored.empty()) return DecodeStatus::empty_payload;
  // Fill bits complete the last six-bit character, so 0..5; with at least one character the
  // payload always holds them.
  if (fill_bits > 5) return DecodeStatus::bad_fill_bits;

  BitReader reader;
  switch (reader.unpack(armored, fill_bits)) {
    case BitReader::UnpackStatus::ok:
      break;
    case BitReader::UnpackStatus::invalid_character:
      return DecodeStatus::invalid_character;
    case BitReader::UnpackStatus::too_long:
      return DecodeStatus::too_long;
  }
  if (reader.size() < 6) return DecodeStatus::too_short;

  Header header;
  ReadVisitor v(reader);
  Header::fields(v, header);
  if (header.type == 0 || header.type > 27) return DecodeStatus::unknown_type;
  const MmsiIdentity identity = classify_mmsi(header.mmsi);
  header.category = identity.category;
  header.mid = identity.mid;

  switch (header.type) {
    case 1:
    case 2:
    case 3:
      return decode_as<PositionReport>(reader, header, PositionReport::min_bits, out);
    case 4:
    case 11:
      return decode_as<BaseStationReport>(reader, header, BaseStationReport::min_bits, out);
    case 5:
      return decode_as<StaticVoyageData>(reader, header, StaticVoyageData::min_bits, out);
    case 6:
      return decode_as<BinaryMessage>(reader, header, BinaryMessage::min_bits_addressed, out);
    case 8:
      return decode_as<BinaryMessage>(reader, header, BinaryMessage::min_bits_broadcast, out);
    case 9:
      return decode_as<SarAircraftReport>(reader, header, SarAircraftReport::min_bits, out);
    case 18:
      return decode_as<ClassBPositionReport>(reader, header, ClassBPositionReport::min_bits, out);
    case 19:
      return decode_as<ClassBExtendedReport>(reader, header, ClassBExtendedReport::min_bits, out);
    case 21:
      return decode_as<AidToNavigationReport>(reader, header, AidToNavigationReport::min_bits, out);
    case 24: {
      if (reader.size() < StaticDataReport::min_bits) return DecodeStatus::too_short;
      const auto partno = reader.read(2);
      reader.seek(header_bits);
      if (partno == 0) {
        return decode_as<StaticDataReport>(reader, header, StaticDataReport::nominal_bits_part_a,
                                           out);
      }
      if (partno == 1) {
        return decode_as<StaticDataReport>(reader, header, StaticDataReport::nominal_bits_part_b,
                                           out);
      }
      return decode_other(reader, header, out);  // parts 2 and 3 are undefined
    }
    case 27:
      return decode_as<LongRangeReport>(reader, header, LongRangeReport::min_bits, out);
    default:
      return decode_other(reader, header, out);
  }
}

void DecodeStats::count(DecodeStatus status, const Message& message) {
  const auto s = static_cast<std::size_t>(status);
  if (s < by_status.size()) ++by_status[s];
  if (status != DecodeStatus::ok) return;
  const uint8_t type = header_of(message).type;
  if (type < by_type.size()) ++by_type[type];
}

uint64_t DecodeStats::failed() const {
  uint64_t total = 0;
  for (std::size_t i = 1; i < by_status.size(); ++i) total += by_status[i];
  return total;
}

}  // namespace aiswatch::ais
