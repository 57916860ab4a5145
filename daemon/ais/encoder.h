#pragma once
// Encoding: a typed Message back into an armoured payload and NMEA sentences. The inverse of the
// decoder, driven by the same field tables. Tests use it for round-trip properties and the
// traffic simulator (aiswatchd simulate) uses it to make sample feeds, which is why it lives in
// the product rather than in test support.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ais/message.h"

namespace aiswatch::ais {

struct EncodedPayload {
  std::string armored;
  uint8_t fill_bits = 0;
};

// Encode a message. Values are written as they would be transmitted: optional fields that are
// absent get their "not available" value; scaled values are rounded to their resolution.
EncodedPayload encode(const Message& message);

struct SentenceOptions {
  std::string_view talker = "AI";
  char channel = 'A';
  bool own_ship = false;          // !xxVDO instead of !xxVDM
  unsigned sequential_id = 0;     // used for multi-sentence messages (0..9)
  std::size_t max_payload_chars = 60;  // split longer payloads into several sentences
  std::optional<int64_t> tag_block_time_s;  // prefix a \c:<time>*hh\ tag block
  std::string_view tag_block_source;        // and s:<source> in it
};

// Wrap an encoded payload into one or more complete NMEA sentences with checksums.
std::vector<std::string> to_sentences(const EncodedPayload& payload, const SentenceOptions& options);

}  // namespace aiswatch::ais
