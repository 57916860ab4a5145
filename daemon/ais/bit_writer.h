#pragma once
// Writing AIS message bits and armouring them as six-bit ASCII: the inverse of bit_reader.h.
// Used by the encoder (tests, the traffic simulator), not on the decoding hot path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ais/bit_reader.h"

namespace aiswatch::ais {

// The armour character for a six-bit value 0..63 ('0'..'W', then '`'..'w').
constexpr char armor_char(unsigned value) {
  return static_cast<char>(value < 40 ? '0' + value : '`' + (value - 40));
}

// The six-bit value of a text character. Lower-case letters are sent as upper case; anything
// else outside the alphabet is sent as '?' (63), a visible "unrepresentable" mark.
constexpr unsigned sixbit_value(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c >= '@' && c <= '_') return static_cast<unsigned>(c - '@');
  if (c >= ' ' && c <= '?') return static_cast<unsigned>(c);
  return 63;
}

class BitWriter {
 public:
  // Room for the largest message the encoder is asked for: message 6's 88-bit head plus a full
  // BinaryData (1024 bits). Bits past this are dropped and recorded in overflow().
  static constexpr unsigned capacity_bits = 88 + 1024;

  // Append `value` as a `width`-bit number, most significant bit first (a width over 64 writes
  // leading zeros).
  void write(uint64_t value, unsigned width) {
    for (unsigned k = width; k-- > 0;) put_bit(k < 64 && ((value >> k) & 1u) != 0);
  }

  unsigned size() const { return bits_; }
  bool overflow() const { return overflow_; }

  // The bits as armoured six-bit ASCII; `fill_bits` gets the number of zero bits padded at the
  // end to complete the last character.
  std::string armor(uint8_t& fill_bits) const {
    const unsigned chars = (bits_ + 5) / 6;
    fill_bits = static_cast<uint8_t>(chars * 6 - bits_);
    std::string out;
    out.reserve(chars);
    for (unsigned c = 0; c < chars; ++c) {
      unsigned v = 0;
      for (unsigned k = 0; k < 6; ++k) v = (v << 1) | bit(c * 6 + k);
      out.push_back(armor_char(v));
    }
    return out;
  }

 private:
  static constexpr std::size_t word_count = (capacity_bits + 63) / 64;

  void put_bit(bool b) {
    if (bits_ >= capacity_bits) {
      overflow_ = true;
      return;
    }
    if (b) words_[bits_ / 64] |= uint64_t{1} << (63 - bits_ % 64);
    ++bits_;
  }
  unsigned bit(unsigned pos) const {
    if (pos >= bits_) return 0;  // fill bits are zero
    return static_cast<unsigned>((words_[pos / 64] >> (63 - pos % 64)) & 1u);
  }

  std::array<uint64_t, word_count> words_{};
  unsigned bits_ = 0;
  bool overflow_ = false;
};

}  // namespace aiswatch::ais
