// De-duplication hash of a decoded message, computed by walking the message's own field table
// (ais/message.h) so that it covers exactly the fields the message has and never reads padding.
#include <bit>
#include <cstring>
#include <type_traits>

#include "track/tracker.h"

namespace aiswatch::track {
namespace {

class HashVisitor {
 public:
  explicit HashVisitor(uint64_t seed) : h_(seed) {}
  uint64_t value() const {  // murmur3 fmix64: spread the last fields into every bit
    uint64_t k = h_;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
  }
  void mix(uint64_t x) {
    h_ = (h_ ^ x) * 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 29;
  }

  template <class T>
  void u(ais::UField, const T& x) {
    mix(static_cast<uint64_t>(x));
  }
  template <class T>
  void i(ais::IField, const T& x) {
    mix(static_cast<uint64_t>(static_cast<int64_t>(x)));
  }
  void b(ais::BField, bool x) { mix(x ? 1u : 2u); }
  void opt(ais::OptField, const std::optional<unsigned>& x) { mix(x ? *x : absent); }
  void scaled(const ais::ScaledField&, const std::optional<double>& x) {
    mix(x ? std::bit_cast<uint64_t>(*x) : absent);
  }
  void turn(ais::TurnField, const std::optional<int8_t>& x) {
    mix(x ? static_cast<uint64_t>(static_cast<int64_t>(*x)) : absent);
  }
  template <std::size_t N>
  void text(ais::TextField, const ais::SixBitText<N>& t) {
    mix_bytes(t.view());
  }
  template <std::size_t N>
  void text_extension(ais::TextField, const ais::SixBitText<N>&) {}  // text() covered it all
  void data(ais::DataField, const ais::BinaryData& d) {
    mix(d.bits);
    mix_bytes({reinterpret_cast<const char*>(d.bytes.data()), (d.bits + 7u) / 8u});
  }
  void spare(ais::SpareField) {}

 private:
  static constexpr uint64_t absent = 0xA5A5'5A5A'0F0F'F0F0ULL;
  void mix_bytes(std::string_view s) {
    mix(s.size());
    while (s.size() >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data(), 8);
      mix(w);
      s.remove_prefix(8);
    }
    uint64_t w = 0;
    std::memcpy(&w, s.data(), s.size());
    mix(w);
  }
  uint64_t h_;
};

}  // namespace

std::optional<uint64_t> message_hash(const ais::Message& message) {
  return std::visit(
      [](const auto& m) -> std::optional<uint64_t> {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, ais::OtherMessage>) {
          return std::nullopt;  // no fields decoded: every such message would look the same
        } else {
          // The repeat indicator is left out: a repeater's copy is the same report.
          HashVisitor v(0x6a09e667f3bcc908ULL);
          v.mix(m.header.mmsi);
          v.mix(m.header.type);
          M::fields(v, m);
          return v.value();
        }
      },
      message);
}

}  // namespace aiswatch::track
