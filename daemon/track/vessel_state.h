#pragma once
// What the tracker knows about one vessel (one MMSI), in event time. Fixed size, no heap of its
// own: the recent track is a ring of TrackerConfig::max_history_points points that the tracker
// keeps for the vessel's slot (see track_ring). A million vessels must fit in about 2 GB (the
// target is at most 2 KB per tracked vessel, track, index and spatial grid included; at the
// default 32 points bench_track measures about 1.4 KB; `sizeof(VesselState)` is checked by a test).
//
// Absent stays absent: AIS encodes "not available" for speed (1023), course (3600), heading
// (511), navigational status (15), draught (0), IMO (0), ship type (0); the decoder turns those
// into empty optionals and the tracker keeps them empty. A stopped ship reports speed 0.0; a ship
// that does not report speed has no speed — detectors must never confuse the two.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ais/identity.h"
#include "ais/message.h"

namespace aiswatch::track {

// The latest accepted position report of a vessel (types 1, 2, 3, 18, 19, 27).
struct PositionFix {
  int64_t time_ms = 0;                  // event time of the report, UNIX ms
  double lat = 0.0, lon = 0.0;          // degrees WGS 84; always valid in an accepted fix
  std::optional<float> speed_knots;     // speed over ground
  std::optional<float> course_deg;      // course over ground, degrees true
  std::optional<uint16_t> heading_deg;  // true heading
  std::optional<uint8_t> nav_status;    // M.1371-5 Table 47 (0 under way ... 14 AIS-SART);
                                        // absent for 15 "not defined" and for Class B (18, 19)
  uint8_t message_type = 0;             // which message carried it
  bool accuracy = false;                // DGNSS-quality fix (< 10 m)
};

// One point of the recent track, packed to 24 bytes. Speed and course are kept to a tenth (their
// AIS resolution), absent as 0xFFFF; float lat/lon hold about 1 m at 180 degrees.
struct TrackPoint {
  static constexpr uint16_t absent = 0xFFFF;
  int64_t time_ms = 0;
  float lat = 0.0f, lon = 0.0f;
  uint16_t speed_tenths = absent;   // knots * 10
  uint16_t course_tenths = absent;  // degrees * 10

  std::optional<float> speed_knots() const {
    if (speed_tenths == absent) return std::nullopt;
    return static_cast<float>(speed_tenths) / 10.0f;
  }
  std::optional<float> course_deg() const {
    if (course_tenths == absent) return std::nullopt;
    return static_cast<float>(course_tenths) / 10.0f;
  }
};

// Why a position was kept out of the track.
enum class ImplausibleReason : uint8_t {
  out_of_range,     // latitude or longitude outside WGS 84 ranges
  impossible_speed  // too far from the track for the time between them
};

// A position report kept out of the track, kept aside for the spoofing detector.
struct RejectedFix {
  int64_t time_ms = 0;
  float lat = 0.0f, lon = 0.0f;
  float implied_knots = 0.0f;  // from the track point it was compared with (0 for out_of_range)
  ImplausibleReason reason = ImplausibleReason::out_of_range;
};

// Static and voyage-related data, merged from messages 5 (Class A), 19 (extended Class B),
// 24 part A (Class B name) and 24 part B (Class B type, call sign, dimensions). A field is only
// overwritten by a report at least as recent as the one that last set its group, and never by an
// empty text or a "not available" value, so a late or half-filled message cannot erase what a
// newer one said.
struct StaticData {
  ais::SixBitText<20> name;  // empty: never reported
  ais::SixBitText<7> callsign;
  ais::SixBitText<20> destination;   // type 5 only
  std::optional<uint32_t> imo;       // type 5 only
  std::optional<uint8_t> ship_type;  // M.1371-5 Table 53; 0 "not available" stays absent
  std::optional<float> draught_m;    // type 5 only
  // Distances from the position reference point to bow, stern, port, starboard (metres); all
  // zero means not reported.
  uint16_t to_bow = 0, to_stern = 0;
  uint8_t to_port = 0, to_starboard = 0;
  uint32_t mothership_mmsi = 0;  // 24B from an auxiliary craft (98MIDxxxx), else 0
  // Event time each group was last set (0 = never): name; identity (call sign, IMO, type,
  // dimensions); voyage (draught, destination).
  int64_t name_seen_ms = 0;
  int64_t identity_seen_ms = 0;
  int64_t voyage_seen_ms = 0;

  uint16_t length_m() const { return static_cast<uint16_t>(to_bow + to_stern); }
  uint16_t beam_m() const { return static_cast<uint16_t>(to_port + to_starboard); }
};

// When a feed source (NMEA 4.0 tag-block `s:` or the input's name) last delivered this vessel.
struct SourceSeen {
  static constexpr std::size_t max_name = 15;
  std::array<char, max_name> name{};  // truncated to 15 characters
  uint8_t name_length = 0;
  int64_t last_ms = 0;
  std::string_view view() const { return {name.data(), name_length}; }
};

struct VesselState {
  static constexpr std::size_t rejected_capacity = 4;
  static constexpr std::size_t source_capacity = 4;
  static constexpr std::size_t dedup_capacity = 8;

  uint32_t mmsi = 0;
  ais::MmsiCategory category = ais::MmsiCategory::invalid;
  const ais::FlagState* flag = nullptr;  // from the MMSI's MID; nullptr when unallocated
  int64_t first_seen_ms = 0;             // earliest event time of any message
  // Latest event time of any message from this vessel (position or not), never moved back by a
  // late message. Silence is measured from here.
  int64_t last_heard_ms = 0;
  // What every update touches comes first, in as few cache lines as possible (the state is
  // about 15 lines; a million of them do not fit any cache).
  // Recent message hashes for de-duplication (see TrackerConfig::dedup_window_ms).
  struct RecentHash {
    uint64_t hash = 0;
    int64_t time_ms = 0;
  };
  std::array<RecentHash, dedup_capacity> recent{};
  uint8_t recent_next = 0;

  std::array<SourceSeen, source_capacity> sources{};
  uint8_t source_count = 0;
  // See track_ring. track_capacity is the tracker's max_history_points, the same for every vessel.
  uint16_t track_begin = 0, track_count = 0, track_capacity = 0;
  uint8_t rejected_streak = 0;  // consecutive rejections since the last accepted fix (see rejected)
  // An accepted fix has ended a run of rejected ones since the track last (re)started: the track
  // is live beside whatever sent them (maybe a second transmitter of this MMSI), so it is only
  // given up after TrackerConfig::reacquire_hold_ms of its own silence. In padding: no size cost.
  bool track_reasserted = false;

  std::optional<PositionFix> position;  // the newest accepted position
  StaticData statics;

  // Recent track: accepted positions in event-time order (oldest first), the newest
  // track_capacity of them (the rules' tracker.max_history_points). Read through track_size() /
  // track_at(). The points are not inside the state: they are the tracker's ring for this
  // vessel's slot, allocated with the slot (not per update) and reused when the slot is; so a
  // copy of a VesselState shares the tracker's track and is only valid while the vessel is.
  TrackPoint* track_ring = nullptr;
  std::size_t track_size() const { return track_count; }
  const TrackPoint& track_at(std::size_t i) const {  // 0 = oldest; i < track_size()
    std::size_t at = track_begin + i;  // both under track_capacity: one subtraction wraps it
    if (at >= track_capacity) at -= track_capacity;
    return track_ring[at];
  }
  const TrackPoint& track_back() const { return track_at(track_count - 1u); }

  // The most recent positions kept out of the track (a ring, newest at rejected_next - 1).
  std::array<RejectedFix, rejected_capacity> rejected{};
  uint8_t rejected_count = 0, rejected_next = 0;

  // Late positions too old for the track's span (they still reached the detectors through
  // UpdateResult); counted here and in the tracker's stats.
  uint32_t late_outside_track = 0;
};

}  // namespace aiswatch::track
