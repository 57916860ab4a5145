#pragma once
// Reception evidence from the stream itself: was an area within reach of the receivers while a
// vessel there was silent? AIS gives no coverage map, and a published one would not say what
// this feed's stations heard this hour; but every report heard is proof that its position was
// covered at its time. Two views of that proof:
//
//  - ReceptionRecord: coarse cells (reception_cell_deg, 0.1 deg: 11 km north-south) with, per
//    cell, a ring of the last 64 hours saying whether any vessel was heard there. Fed from a
//    detector's on_update through a per-slot "last (cell, hour) noted" entry, so an ordinary
//    position report costs a compare and only a new cell or hour touches the table. A cell not
//    heard for 64 hours is dropped (forget_older_than): memory follows the area the feed hears,
//    about 32 bytes per cell (a busy regional feed hears a few thousand 0.1 deg cells).
//  - surroundings(): the tracker's vessels near a point, counted as heard after a silence
//    began or fell silent with it (a receiver outage silences a whole area at once: every
//    vessel in it goes quiet within minutes, which a chosen silence does not do).
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "ruleset/zones.h"
#include "state/archive.h"
#include "track/tracker.h"

namespace aiswatch::detect {

class ReceptionRecord {
 public:
  // 0.1 deg: a 30 km radius is ~60 cells, so a judgement costs a few thousand bit tests; a
  // cell is small against a shore station's 20-30 nm range, so coverage edges stay sharp.
  static constexpr double cell_deg = 0.1;
  static constexpr int64_t hour_ms = 3'600'000;
  static constexpr int64_t hours_kept = 64;  // one bit per hour in a uint64_t
  static constexpr uint32_t no_cell = 0xFFFF'FFFFu;

  static int64_t hour_of(int64_t time_ms) {  // floor division
    return time_ms >= 0 ? time_ms / hour_ms : -((-time_ms + hour_ms - 1) / hour_ms);
  }
  static uint32_t cell_of(double lat, double lon);
  // Whether `cell` is one cell_of can return.
  static bool is_cell(uint32_t cell);

  // A vessel was heard in `cell` during `hour`. Hours older than the cell's ring are ignored.
  void note(uint32_t cell, int64_t hour);
  bool heard(uint32_t cell, int64_t hour) const;

  // What the record says about the area within radius_m of (lat, lon) over hours [from, to)
  // (clamped to the newest hours_kept hours before `to`).
  struct Evidence {
    int hours = 0;             // hours judged
    int heard_hours = 0;       // ... in which some vessel was heard within the radius
    int directions_heard = 0;  // of 8 compass octants, those with a cell heard (own cell not
                               // counted) in [from, direction_to)
    double pct() const { return hours == 0 ? 0.0 : 100.0 * heard_hours / hours; }
  };
  Evidence around(double lat, double lon, double radius_m, int64_t from_hour, int64_t to_hour,
                  int64_t direction_to_hour) const;

  // Drops cells not heard since `hour`.
  void forget_older_than(int64_t hour);
  std::size_t cell_count() const { return cells_.size(); }

  // Checkpoints (state/archive.h): every cell with its ring. restore_state reads into an empty
  // record; on a failed reader the record is left valid but incomplete, to be discarded.
  void save_state(state::StateWriter& out) const;
  void restore_state(state::StateReader& in);

 private:
  struct Cell {
    int64_t newest_hour = 0;
    uint64_t hours = 0;  // bit (h mod 64) for hour h in (newest_hour - 64, newest_hour]
  };
  std::unordered_map<uint32_t, Cell> cells_;
};

// The tracker's vessels whose current position lies within radius_m of (lat, lon), other than
// `self` and `also_excluded` (0: none). A silent vessel's current position is its last one.
struct Surroundings {
  // Last heard at or after heard_after_ms: the area was received after the silence began.
  unsigned heard_since = 0;
  // Last heard within window_ms of silent_since_ms and silent since, last seen at sea (not in a
  // port or anchorage outside watch zones, where ships switch off for the night).
  unsigned fell_silent_with = 0;

  // A reception hole, not a choice: at least two others fell silent with it, and they are not
  // a small share of the vessels the area still hears (at least one for every four heard). Two
  // ships that go dark together are a dark rendezvous, three are an outage; in a crowded lane
  // where a hundred are heard, two ending their passages in the same hour are chance.
  bool looks_like_reception_hole() const {
    return fell_silent_with >= 2 && 4 * fell_silent_with >= heard_since;
  }
};
Surroundings surroundings(const track::Tracker& tracker, const ruleset::ZoneIndex& zones,
                          double lat, double lon, double radius_m, uint32_t self,
                          uint32_t also_excluded, int64_t silent_since_ms, int64_t window_ms,
                          int64_t heard_after_ms);

}  // namespace aiswatch::detect
