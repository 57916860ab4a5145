#pragma once
// Small pieces every detector needs, in one place so that they agree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alert/manager.h"
#include "ruleset/zones.h"
#include "state/archive.h"
#include "track/vessel_state.h"

namespace aiswatch::detect {

// Inside a port or an anchorage, where meetings, idling and silence are normal.
inline bool sheltered(const ruleset::ZoneMatches& zones) {
  return zones.any(ruleset::ZoneKind::port) || zones.any(ruleset::ZoneKind::anchorage);
}

// Sheltered and not inside a watch zone: transfers off Nampo happen within sight of a port, so
// a watch zone suppresses nothing (issue 3, Context).
inline bool suppressed(const ruleset::ZoneMatches& zones) {
  return sheltered(zones) && !zones.any(ruleset::ZoneKind::watch);
}

// The vessel's identity as an alert carries it. Fills `out` in place, reusing its strings.
void snapshot(const track::VesselState& v, alert::VesselSnapshot& out);

inline alert::VesselSnapshot snapshot_of(const track::VesselState& v) {
  alert::VesselSnapshot s;
  snapshot(v, s);
  return s;
}

// The vessel's latest position report as an evidence point (absent speed and course stay
// absent). The vessel must have a position.
inline alert::Evidence evidence_of(const track::VesselState& v) {
  alert::Evidence e;
  e.mmsi = v.mmsi;
  e.time_ms = v.position->time_ms;
  e.lat = v.position->lat;
  e.lon = v.position->lon;
  e.sog = v.position->speed_knots;
  e.cog = v.position->course_deg;
  return e;
}

// Checkpoints of records kept by tracker slot, the writing side of restore_slot_records: the
// count of records `in_use`, then for each its slot number (increasing) and what
// write_record(record) writes.
template <class Record, class InUse, class WriteRecord>
void save_slot_records(state::StateWriter& out, const std::vector<Record>& records, InUse&& in_use,
                       WriteRecord&& write_record) {
  uint64_t used = 0;
  for (const Record& r : records) used += in_use(r) ? 1 : 0;
  out.put(used);
  for (std::size_t slot = 0; slot < records.size(); ++slot) {
    if (!in_use(records[slot])) continue;
    out.put(static_cast<uint32_t>(slot));
    write_record(records[slot]);
  }
}

// Checkpoints of records kept by tracker slot: reads the count of records (at most `slots`, each
// at least `record_bytes`), then for each its slot number — increasing, below `slots`, else the
// reader fails naming `detector` — and calls read_record(slot) to read the record's fields.
template <class ReadRecord>
void restore_slot_records(state::StateReader& in, std::size_t slots, std::size_t record_bytes,
                          std::string_view detector, ReadRecord&& read_record) {
  const std::size_t used = in.count(slots, record_bytes);
  std::size_t next_slot = 0;
  for (std::size_t i = 0; i < used && in.ok(); ++i) {
    const auto slot = in.get<uint32_t>();
    if (in.ok() && (slot < next_slot || slot >= slots)) {
      in.fail(std::string(detector) + ": slot " + std::to_string(slot) + " out of order or past " +
              std::to_string(slots));
      return;
    }
    next_slot = std::size_t{slot} + 1;
    read_record(slot);
  }
}

}  // namespace aiswatch::detect
