#include "alert/alert_id.h"

#include <array>

namespace aiswatch::alert {

std::string_view type_name(aiswatch::v1::AlertType type) {
  using namespace aiswatch::v1;
  switch (type) {
    case ALERT_TYPE_RENDEZVOUS: return "RENDEZVOUS";
    case ALERT_TYPE_DARK_PERIOD: return "DARK_PERIOD";
    case ALERT_TYPE_DARK_RENDEZVOUS: return "DARK_RENDEZVOUS";
    case ALERT_TYPE_LOITERING: return "LOITERING";
    case ALERT_TYPE_GEOFENCE_ENTRY: return "GEOFENCE_ENTRY";
    case ALERT_TYPE_GEOFENCE_EXIT: return "GEOFENCE_EXIT";
    case ALERT_TYPE_GEOFENCE_DWELL: return "GEOFENCE_DWELL";
    case ALERT_TYPE_SPOOFING: return "SPOOFING";
    case ALERT_TYPE_IDENTITY_CHANGE: return "IDENTITY_CHANGE";
    case ALERT_TYPE_DRAUGHT_CHANGE: return "DRAUGHT_CHANGE";
    default: return "UNSPECIFIED";
  }
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string canonical_key(const EpisodeKey& key) {
  std::string text;
  text.reserve(64 + key.zone_id.size());
  text += type_name(key.type);
  text += '|';
  text += std::to_string(key.mmsi);
  text += '|';
  text += std::to_string(key.counterpart_mmsi);
  text += '|';
  text += key.zone_id;
  text += '|';
  text += std::to_string(key.start_time_ms);
  return text;
}

std::string alert_id(const EpisodeKey& key) {
  static constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  uint64_t hash = fnv1a64(canonical_key(key));
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[static_cast<std::size_t>(i)] = digits[hash & 0xfu];
    hash >>= 4;
  }
  return id;
}

}  // namespace aiswatch::alert
