#pragma once
// Random valid AIS messages for property tests, and a field-by-field comparison of messages.
//
// Both walk the field tables in ais/message.h, so a field added to a table is generated and
// compared without touching this code. "Valid" means: every raw value fits its field, scaled
// values lie on their field's resolution grid (raw / divisor, computed as the decoder does) and
// inside their physical range (|lat| <= 90, speed below its "not available" value, ...), text
// uses the six-bit alphabet without '@' and without trailing spaces (what the decoder's trimming
// yields), and header.category / header.mid are what identity.h derives from the MMSI.
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ais/message.h"

namespace aiswatch::testing {

// Every message type with a full field table (the rest decode to OtherMessage).
inline constexpr std::array<uint8_t, 14> fully_decoded_types = {1, 2,  3,  4,  5,  6,  8,
                                                                9, 11, 18, 19, 21, 24, 27};
// Types decoded to their header only.
inline constexpr std::array<uint8_t, 13> header_only_types = {7,  10, 12, 13, 14, 15, 16,
                                                              17, 20, 22, 23, 25, 26};

class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  // A random valid message of `type` (1..27). For 24, part A or B at random.
  ais::Message make(uint8_t type);
  // A random message of a random type from fully_decoded_types and header_only_types.
  ais::Message make_any();

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// One printable line per field ("name=value"), header first, in table order.
std::vector<std::string> describe_fields(const ais::Message& message);

// Empty when `a` and `b` have the same alternative and the same value in every field of its
// table (and the same derived identity); otherwise the first difference, for a test message.
std::string first_difference(const ais::Message& a, const ais::Message& b);

}  // namespace aiswatch::testing
