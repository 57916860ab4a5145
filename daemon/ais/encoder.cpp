// Encoding typed messages through the same field tables the decoder reads (message.h).
//
// Values are written as transmitted: an absent optional is its "not available" raw value; a
// scaled value is round(value * divisor); every raw value is cut to its field's width (two's
// complement for signed fields), so an out-of-range value wraps exactly as it would on the air.
// Message 21's name beyond 20 characters goes into the name extension, padded with spare bits to
// a byte boundary as M.1371-5 Table 74 asks.
#include "ais/encoder.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include "ais/bit_writer.h"
#include "nmea/framer.h"

namespace aiswatch::ais {
namespace {

class WriteVisitor {
 public:
  explicit WriteVisitor(BitWriter& writer) : w_(writer) {}

  template <class T>
  void u(UField f, const T& x) {
    w_.write(static_cast<uint64_t>(x), f.width);
  }
  template <class T>
  void i(IField f, const T& x) {
    w_.write(static_cast<uint64_t>(static_cast<int64_t>(x)), f.width);
  }
  void b(BField, const bool& x) { w_.write(x ? 1u : 0u, 1); }
  void opt(OptField f, const std::optional<unsigned>& x) {
    w_.write(x ? *x : f.not_available, f.width);
  }
  void scaled(ScaledField f, const std::optional<double>& x) {
    const int64_t raw = x ? static_cast<int64_t>(std::llround(*x * f.divisor)) : f.not_available;
    w_.write(static_cast<uint64_t>(raw), f.width);
  }
  void turn(TurnField, const std::optional<int8_t>& x) {
    const int8_t raw = x ? *x : int8_t{-128};
    w_.write(static_cast<uint8_t>(raw), 8);
  }
  template <std::size_t N>
  void text(TextField f, const SixBitText<N>& t) {
    const std::string_view s = t.view();
    for (unsigned k = 0; k < f.chars; ++k) w_.write(k < s.size() ? sixbit_value(s[k]) : 0u, 6);
    text_chars_ = f.chars;
  }
  template <std::size_t N>
  void text_extension(TextField f, const SixBitText<N>& t) {
    const std::string_view s = t.view();
    if (s.size() <= text_chars_) return;
    const std::size_t end = std::min<std::size_t>(s.size(), text_chars_ + f.chars);
    for (std::size_t k = text_chars_; k < end; ++k) w_.write(sixbit_value(s[k]), 6);
    const unsigned spare = (8 - w_.size() % 8) % 8;  // 0, 2, 4 or 6 bits
    w_.write(0, spare);
  }
  void data(DataField, const BinaryData& d) {
    const unsigned bits = std::min<unsigned>(d.bits, BinaryData::max_bits);
    for (unsigned k = 0; k < bits; ++k) w_.write((d.bytes[k / 8] >> (7 - k % 8)) & 1u, 1);
  }
  void spare(SpareField f) { w_.write(0, f.width); }

 private:
  BitWriter& w_;
  unsigned text_chars_ = 0;  // characters of the last text() field, before an extension
};

template <class M>
void encode_fields(BitWriter& writer, const M& m) {
  WriteVisitor v(writer);
  Header::fields(v, m.header);
  M::fields(v, m);
}

void encode_fields(BitWriter& writer, const OtherMessage& m) {
  WriteVisitor v(writer);
  Header::fields(v, m.header);
  // Nothing of the body is known: send zeros up to the recorded length.
  for (unsigned k = header_bits; k < m.bits; ++k) writer.write(0, 1);
}

constexpr char hex_digit(unsigned v) { return "0123456789ABCDEF"[v & 0xFu]; }

void append_checksum(std::string& out, std::string_view body) {
  const uint8_t sum = nmea::nmea_checksum(body);  // XOR between the delimiters
  out.push_back('*');
  out.push_back(hex_digit(sum >> 4));
  out.push_back(hex_digit(sum));
}

}  // namespace

EncodedPayload encode(const Message& message) {
  BitWriter writer;
  std::visit([&writer](const auto& m) { encode_fields(writer, m); }, message);
  EncodedPayload out;
  out.armored = writer.armor(out.fill_bits);
  return out;
}

std::vector<std::string> to_sentences(const EncodedPayload& payload,
                                      const SentenceOptions& options) {
  const std::size_t per_sentence = std::max<std::size_t>(options.max_payload_chars, 1);
  const std::size_t chars = payload.armored.size();
  const std::size_t count = std::max<std::size_t>((chars + per_sentence - 1) / per_sentence, 1);

  std::vector<std::string> sentences;
  sentences.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t begin = k * per_sentence;
    const std::string_view chunk =
        std::string_view(payload.armored).substr(std::min(begin, chars), per_sentence);
    const bool last = k + 1 == count;

    std::string body;
    body.append(options.talker);
    body.append(options.own_ship ? "VDO" : "VDM");
    body.push_back(',');
    body.append(std::to_string(count));
    body.push_back(',');
    body.append(std::to_string(k + 1));
    body.push_back(',');
    if (count > 1) body.append(std::to_string(options.sequential_id % 10));
    body.push_back(',');
    if (options.channel != 0) body.push_back(options.channel);
    body.push_back(',');
    body.append(chunk);
    body.push_back(',');
    body.push_back(static_cast<char>('0' + (last ? payload.fill_bits : 0)));

    // NMEA 4.0 tag block: receive time and source on the first sentence; when the message spans
    // several sentences, every one carries the sentence group g:<number>-<count>-<id> (id = the
    // sequential id) so that a receiver joins them by group whatever tags the first one had.
    std::string tag;
    if (options.tag_block_time_s) {
      if (k == 0) {
        tag = "c:" + std::to_string(*options.tag_block_time_s);
        if (!options.tag_block_source.empty()) {
          tag.append(",s:");
          tag.append(options.tag_block_source);
        }
      }
      if (count > 1) {
        if (!tag.empty()) tag.push_back(',');
        tag += "g:" + std::to_string(k + 1) + "-" + std::to_string(count) + "-" +
               std::to_string(options.sequential_id);
      }
    }
    std::string sentence;
    if (!tag.empty()) {
      sentence.push_back('\\');
      sentence.append(tag);
      append_checksum(sentence, tag);
      sentence.push_back('\\');
    }
    sentence.push_back('!');
    sentence.append(body);
    append_checksum(sentence, body);
    sentences.push_back(std::move(sentence));
  }
  return sentences;
}

}  // namespace aiswatch::ais
