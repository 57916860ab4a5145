#pragma once
// The identity of an alert. A detector names an episode by what it is about — type, vessel,
// counterpart, zone and the event time the episode began — and the alert id is a hash of exactly
// that, so that replaying the same input on any machine gives the same ids, and a Kafka consumer
// that receives an event twice (at-least-once delivery) can de-duplicate.
#include <cstdint>
#include <string>
#include <string_view>

#include "aiswatch/v1/alert.pb.h"

namespace aiswatch::alert {

struct EpisodeKey {
  aiswatch::v1::AlertType type = aiswatch::v1::ALERT_TYPE_UNSPECIFIED;
  uint32_t mmsi = 0;
  // 0 when the alert has no counterpart. For pair alerts the detector decides which vessel is
  // primary and must keep to it for the episode (e.g. the lower MMSI), or the id changes.
  uint32_t counterpart_mmsi = 0;
  std::string zone_id;  // empty when the alert has no zone
  int64_t start_time_ms = 0;  // event time, milliseconds since the Unix epoch

  friend bool operator==(const EpisodeKey&, const EpisodeKey&) = default;
};

// The short, stable name hashed into ids ("RENDEZVOUS", "DARK_PERIOD", ...). Written out rather than
// taken from the generated descriptor so that renaming an enum value cannot silently change ids.
std::string_view type_name(aiswatch::v1::AlertType type);

// FNV-1a, 64 bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3): tiny, specified byte by
// byte, so identical on every platform and compiler. Not cryptographic — ids need stability and a
// low collision rate (about 3e-8 for a million alerts), not resistance to an adversary who cannot
// choose our inputs anyway.
uint64_t fnv1a64(std::string_view bytes);

// The canonical text hashed into an id: "TYPE|mmsi|counterpart|zone|start_ms", decimal integers.
// Injective: numbers carry no "|" and the zone is the only text, between the third and the last
// "|", so two keys have the same text exactly when they are equal.
std::string canonical_key(const EpisodeKey& key);

// 16 lowercase hex digits of fnv1a64(canonical_key(key)).
std::string alert_id(const EpisodeKey& key);

}  // namespace aiswatch::alert
