#pragma once
// Reading the bits of an armoured AIS payload.
//
// The payload of `!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A` (gpsd's test/sample.aivdm) is
// "15RTgt0PAso;90TKcjM8h6g208CQ": each character carries six bits (the NMEA 0183 / IEC 61162-1
// six-bit armour: '0'..'W' are 0..39 and '`'..'w' are 40..63, i.e. subtract 48 and, when the
// result is over 40, subtract 8 more). The sentence's last field (here 0) is the number of fill
// bits padded at the end to make whole characters: the message is 6 * characters - fill bits long.
//
// unpack() turns each group of four characters into three bytes (bit 0 of the message is the
// most significant bit of byte 0, as in base64 decoding) and clears every bit past the end, fill
// bits included. A read is one unaligned 64-bit load, a byte swap and two shifts (the padded bit
// reader of AIS-catcher); a read that runs past the end yields zeros there and is recorded, so the
// decoder can tell a short message from a field whose value happens to be zero. No heap, no
// exceptions: the buffer is sized for the longest message AIS can carry.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
  // Big-endian bytes of the message, then at least eight zero bytes so that a read near the end
  // can always load a whole 64-bit word.
  static constexpr std::size_t buffer_bytes = (max_payload_bits + 7) / 8 + 3 + 8;

  enum class UnpackStatus : uint8_t { ok, invalid_character, too_long };

  // Unpack `armored` with `fill_bits` (already checked to be 0..5) trailing fill bits.
  UnpackStatus unpack(std::string_view armored, unsigned fill_bits) {
    const std::size_t n = armored.size();
    if (n * 6 > max_payload_bits + fill_bits) return UnpackStatus::too_long;
    bits_ = static_cast<unsigned>(n * 6) - fill_bits;
    pos_ = 0;
    overrun_ = false;

    // Four characters are 24 bits, three bytes: no carry between groups, no data-dependent
    // branch, and the table look-ups of a group are independent of each other.
    const auto* in = reinterpret_cast<const unsigned char*>(armored.data());
    const auto& t = detail::sixbit_values;
    uint8_t bad = 0;  // OR of all values: an invalid character (0xFF) sets the top bits
    std::size_t i = 0;
    uint8_t* out = bytes_.data();
    for (; i + 4 <= n; i += 4, out += 3) {
      const uint8_t a = t[in[i]], b = t[in[i + 1]], c = t[in[i + 2]], d = t[in[i + 3]];
      bad |= static_cast<uint8_t>(a | b | c | d);
      pack(out, a, b, c, d);
    }
    if (i < n) {  // one to three characters left
      uint8_t v[4] = {0, 0, 0, 0};
      for (std::size_t k = 0; i + k < n; ++k) v[k] = t[in[i + k]];
      bad |= static_cast<uint8_t>(v[0] | v[1] | v[2] | v[3]);
      pack(out, v[0], v[1], v[2], v[3]);
    }
    if (bad & 0xC0u) return UnpackStatus::invalid_character;

    // Clear the fill bits (padding, may be anything on the wire) and what follows.
    const std::size_t used = (bits_ + 7) / 8;
    if (bits_ % 8 != 0) bytes_[used - 1] &= static_cast<uint8_t>(0xFFu << (8 - bits_ % 8));
    std::memset(bytes_.data() + used, 0, 8);
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
    uint64_t word;
    std::memcpy(&word, bytes_.data() + pos / 8, sizeof word);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    return (word << (pos % 8)) >> (64 - width);
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
  static void pack(uint8_t* out, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    out[0] = static_cast<uint8_t>((a << 2) | ((b >> 4) & 0x03u));
    out[1] = static_cast<uint8_t>((b << 4) | ((c >> 2) & 0x0Fu));
    out[2] = static_cast<uint8_t>((c << 6) | (d & 0x3Fu));
  }

  std::array<uint8_t, buffer_bytes> bytes_;  // written by unpack() up to the padding
  unsigned bits_ = 0;
  unsigned pos_ = 0;
  bool overrun_ = false;
};

}  // namespace aiswatch::ais
