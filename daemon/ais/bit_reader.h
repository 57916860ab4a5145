#pragma once
// Reading the bits of an armoured AIS payload.
//
// The payload of `!AIVDM,1,1,,B,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A` is
// "15N2Wl?P02oRV=nCBrNn3gvJ2@7T": each character carries six bits (ITU-R M.1371-5 uses the NMEA
// 0183 / IEC 61162-1 "six-bit armouring": '0'..'W' are 0..39 and '`'..'w' are 40..63, i.e. subtract
// 48 and, when the result is over 40, subtract 8 more). The sentence's last field (here 0) is the
// number of fill bits padded at the end to make whole characters, so the message is 6 * characters
// - fill bits long.
//
// unpack() turns the characters into big-endian 64-bit words (bit 0 of the message is the most
// significant bit of word 0) and clears every bit past the end, fill bits included. A read is
// then two shifts and an OR; a read that runs past the end yields zeros there and is recorded,
// so the decoder can tell a short message from a field whose value happens to be zero. No heap,
// no exceptions: the buffer is sized for the longest message AIS can carry.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aiswatch::ais {

// The longest message one AIS transmission carries: five slots, 1008 data bits (ITU-R M.1371-5
// Annex 2 §3.2.2.11 and the 5-slot rows of the message 6 / 8 tables; gpsd's range check for
// messages 6 and 8 uses the same bound). The decoder rejects longer payloads as too_long.
inline constexpr unsigned max_payload_bits = 1008;
inline constexpr std::size_t max_payload_chars = (max_payload_bits + 5) / 6;  // 168

// Six-bit text (the "6-bit ASCII" table of ITU-R M.1371-5 Annex 8): value v is this string's v-th
// character. '@' (0) pads unused characters.
inline constexpr std::string_view sixbit_alphabet =
    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?";
static_assert(sixbit_alphabet.size() == 64);

namespace detail {
// 0..63 for a valid armour character, 0xFF for anything else.
inline constexpr std::array<uint8_t, 256> sixbit_values = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (unsigned c = '0'; c <= 'W'; ++c) t[c] = static_cast<uint8_t>(c - '0');
  for (unsigned c = '`'; c <= 'w'; ++c) t[c] = static_cast<uint8_t>(c - '`' + 40);
  return t;
}();
}  // namespace detail

class BitReader {
 public:
  // Room for max_payload_bits plus one zero word, so that a read straddling the last valid word
  // never indexes past the buffer.
  static constexpr std::size_t word_count = (max_payload_bits + 63) / 64 + 1;

  enum class UnpackStatus : uint8_t { ok, invalid_character, too_long };

  // Unpack `armored` with `fill_bits` (already checked to be 0..5) trailing fill bits.
  UnpackStatus unpack(std::string_view armored, unsigned fill_bits) {
    if (armored.size() * 6 > max_payload_bits + fill_bits) return UnpackStatus::too_long;
    bits_ = static_cast<unsigned>(armored.size() * 6) - fill_bits;
    pos_ = 0;
    overrun_ = false;

    uint64_t acc = 0;     // bits being gathered for words_[w], left-aligned
    unsigned filled = 0;  // how many bits of acc are in use (always even, 0..62)
    std::size_t w = 0;
    uint8_t invalid = 0;
    for (const char ch : armored) {
      const uint8_t v = detail::sixbit_values[static_cast<unsigned char>(ch)];
      invalid |= v;  // any 0xFF sets the top bits, which no valid value has
      const uint64_t value = v & 0x3Fu;
      if (filled <= 58) {
        acc |= value << (58 - filled);
        filled += 6;
        if (filled == 64) {
          words_[w++] = acc;
          acc = 0;
          filled = 0;
        }
      } else {  // 60 or 62 bits in use: the character spans two words
        const unsigned spill = filled + 6 - 64;
        acc |= value >> spill;
        words_[w++] = acc;
        acc = value << (64 - spill);
        filled = spill;
      }
    }
    if (invalid & 0xC0u) return UnpackStatus::invalid_character;
    words_[w] = acc;
    // Clear fill bits: they are padding and may be anything on the wire.
    const unsigned last = bits_ / 64;
    const unsigned used = bits_ % 64;
    if (last <= w) words_[last] &= used == 0 ? 0 : ~uint64_t{0} << (64 - used);
    for (std::size_t i = last + 1; i < word_count && i <= w + 1; ++i) words_[i] = 0;
    return UnpackStatus::ok;
  }

  unsigned size() const { return bits_; }
  unsigned position() const { return pos_; }
  unsigned remaining() const { return pos_ < bits_ ? bits_ - pos_ : 0; }
  // True once any read went past the last bit of the message.
  bool overrun() const { return overrun_; }

  // Read `width` (0..57) bits as an unsigned number, most significant bit first.
  uint64_t read(unsigned width) {
    const unsigned pos = pos_;
    pos_ = pos + width;
    if (pos_ > bits_) {
      overrun_ = true;
      if (pos >= bits_) return 0;  // nothing left; never index past the buffer
    }
    if (width == 0) return 0;
    const std::size_t w = pos / 64;
    const unsigned off = pos % 64;
    // (x >> 1) >> (63 - off) is x >> (64 - off) without the undefined shift by 64 when off == 0.
    const uint64_t joined = (words_[w] << off) | ((words_[w + 1] >> 1) >> (63 - off));
    return joined >> (64 - width);
  }

  // Read `width` (1..57) bits as a two's-complement number.
  int64_t read_signed(unsigned width) {
    const uint64_t raw = read(width);
    const unsigned shift = 64 - width;
    return static_cast<int64_t>(raw << shift) >> shift;  // arithmetic shift (C++20)
  }

  void skip(unsigned width) {
    pos_ += width;
    if (pos_ > bits_) overrun_ = true;
  }

  // Move to bit `pos` (for a look ahead at a field that selects the layout, e.g. message 24's
  // part number). Clears the overrun record, so seek before reading, not after.
  void seek(unsigned pos) {
    pos_ = pos;
    overrun_ = false;
  }

 private:
  std::array<uint64_t, word_count> words_;  // filled by unpack() up to the message's end
  unsigned bits_ = 0;
  unsigned pos_ = 0;
  bool overrun_ = false;
};

}  // namespace aiswatch::ais
