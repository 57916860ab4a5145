#pragma once
// The path the benchmarks and the allocation check measure: one line through nmea::Framer and,
// when it completes a message, through ais::decode into a reused Message.
#include <cstdint>
#include <string_view>

#include "ais/decoder.h"
#include "ais/message.h"
#include "nmea/framer.h"

namespace aiswatch::bench {

struct FrameDecode {
  nmea::Framer framer;
  nmea::Payload payload;
  ais::Message message;
  uint64_t decoded = 0;  // messages decoded with DecodeStatus::ok

  // Returns true when the line completed a message that decoded.
  bool push(std::string_view line) {
    if (framer.push(line, payload) != nmea::LineOutcome::payload) return false;
    if (ais::decode(payload.armored, payload.fill_bits, message) != ais::DecodeStatus::ok) {
      return false;
    }
    ++decoded;
    return true;
  }
};

}  // namespace aiswatch::bench
