#pragma once
// Decoding: an armoured AIS payload (from nmea::Framer) into a typed Message. No I/O; no heap
// allocation; never throws on what the radio sends — a bad payload is a DecodeStatus.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ais/message.h"

namespace aiswatch::ais {

enum class DecodeStatus : uint8_t {
  ok,
  empty_payload,      // no payload characters
  invalid_character,  // a character outside the six-bit armour ('0'..'W', '`'..'w')
  too_short,          // fewer bits than the message type defines (beyond its tolerance)
  too_long,           // more bits than any AIS message can carry (five slots)
  unknown_type,       // message type 0 or 28..63
  bad_fill_bits,      // fill bits outside 0..5 or more than the payload holds
  count_              // number of statuses; keep last
};
inline constexpr std::size_t decode_status_count = static_cast<std::size_t>(DecodeStatus::count_);

// Stable snake_case name for logs, metrics and the decode summary.
std::string_view to_string(DecodeStatus status);

// Decode one complete payload. On DecodeStatus::ok, `out` holds the message, its header's
// derived identity (category, MID) filled in.
DecodeStatus decode(std::string_view armored, unsigned fill_bits, Message& out);

// Counts of decoded messages by type and of failures by status.
struct DecodeStats {
  std::array<uint64_t, 28> by_type{};  // index = message type 1..27
  std::array<uint64_t, decode_status_count> by_status{};

  void count(DecodeStatus status, const Message& message);
  uint64_t decoded() const { return by_status[0]; }
  uint64_t failed() const;
};

}  // namespace aiswatch::ais
