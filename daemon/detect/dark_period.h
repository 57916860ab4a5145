#pragma once
// Dark period: a vessel last heard at sea falls silent (the transponder switched off, the usual
// prelude to an undeclared ship-to-ship transfer or port call).
//
// Rules (thresholds from detectors.yaml, ruleset/thresholds.h):
//  - OPEN when the watermark passes last_heard + dark_period.threshold_h (6 h; a watchlisted
//    vessel, matched by MMSI or IMO, dark_period.watchlisted_threshold_h, 2 h). Silence is
//    judged at the watermark, never on reappearance, so the watch floor hears while the ship is
//    still dark. The episode starts at the last transmission (its key, hence its id, is
//    deterministic).
//  - Only vessels last seen at sea: a vessel whose newest position lies in a `port` or
//    `anchorage` zone is not alerted (ships switch off alongside), unless that position is also
//    inside a `watch` zone, where nothing is suppressed. A vessel never positioned is not alerted.
//  - CLOSED "reappeared" on the first transmission after the gap, with facts distance_m (great
//    circle from the last to the new position, when the message carries one), duration_s and
//    implied_speed_kn (distance over duration).
//  - CLOSED "heard late" when a late report (satellite AIS, behind the watermark) shows the vessel
//    transmitted during the supposed gap; if the silence after that report is itself past the
//    threshold, a new episode opens from it at once.
//  - CLOSED "silent past horizon" when the tracker is about to forget the vessel (the eviction
//    horizon behind the watermark): nothing could close it later.
//  - Deliberate silence (issue 4). When the silence of an open dark period reaches
//    dark_period.deliberate_after_h (12 h), it is judged once, from reception evidence the stream
//    itself gives (detect/reception.h) within dark_period.reception_radius_km (30 km) of the
//    last position:
//      kept being received: in at least dark_period.reception_min_pct (90 %) of the silence's
//        whole hours (after the hour of the last transmission) some vessel was heard there;
//      far from coverage edges: during the silence judged, vessels were heard in at least 6 of
//        the 8 compass octants around it (a coverage edge through the position leaves at most
//        5 heard: a half plane spans 4 octants and touches 2 more);
//      not a reception hole: fewer than two other vessels near it fell silent within an hour of
//        it, or few against those still heard (Surroundings::looks_like_reception_hole).
//    When all three hold, the episode is reported again with severity_raise 1 and reason
//    "deliberate silence: ..." (the alert manager emits an UPDATE with higher severity), facts
//    reception_pct, directions_heard, neighbours_heard, neighbours_fell_silent; the raise is
//    carried by the episode's later reports. Otherwise nothing is published. The record holds 64
//    hours: a silence judged later than that is judged on its last 63 hours, and its octants on
//    the oldest hours still held. Near a coast the octants over land hear nothing, so silences
//    there do not escalate: precision over recall.
//
// Cost: each silent vessel is examined once, when the watermark's threshold window passes its
// last_heard (Tracker::for_each_last_heard_in over contiguous windows). Per update one read of
// an 8-byte per-slot entry (the reception record's last cell and hour noted for the vessel, and
// whether it has an open dark period): a reception-record write only when the vessel enters a
// new 0.1 deg cell or hour, a hash lookup only when it ends a silence. Deliberate silence is
// judged at most every 5 minutes of watermark, for the dark periods that reached the threshold
// since (a neighbour query of reception_radius_km and ~60 cell lookups each).
// Memory: one small entry per open dark period; 8 bytes per tracker slot; the reception record
// (about 32 bytes per 0.1 deg cell heard in the last 64 hours, swept hourly).
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detect/detector.h"
#include "detect/reception.h"

namespace aiswatch::detect {

class DarkPeriodDetector final : public Detector {
 public:
  DarkPeriodDetector() = default;
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit DarkPeriodDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void on_end(int64_t watermark_ms, Context& context) override;
  // The open dark periods (and which still await the deliberate-silence judgement), the
  // per-slot entries, the reception record, the scan cursors and the next sweep times.
  void save_state(state::StateWriter& out) const override;
  void restore_state(state::StateReader& in, Context& context) override;

  std::size_t open_count() const { return open_.size(); }
  const ReceptionRecord& reception() const { return reception_; }

 private:
  struct Open {
    int64_t start_ms = 0;  // last transmission before the silence (the episode key's start)
    bool has_position = false;
    double lat = 0, lon = 0;  // the last position before the silence
    uint32_t slot = 0;        // the vessel's tracker slot
    int severity_raise = 0;   // 1 once judged deliberate; carried by every later report
  };
  // Per tracker slot: the reception record's cell and hour last noted for the vessel, and
  // whether it has an open dark period (dark_bit of cell_and_flag).
  struct SlotEntry {
    static constexpr uint32_t dark_bit = 0x8000'0000u;  // cells are below 2^23
    uint32_t cell_and_flag = ReceptionRecord::no_cell & ~dark_bit;
    uint32_t hour = 0;
    uint32_t cell() const { return cell_and_flag & ~dark_bit; }
    bool dark() const { return (cell_and_flag & dark_bit) != 0; }
    void set_dark(bool on) { cell_and_flag = on ? (cell_and_flag | dark_bit) : cell(); }
  };

  // Opens an episode for v if it is silent past its threshold at watermark_ms and last seen at sea.
  void consider(const track::VesselState& v, int64_t watermark_ms, bool watchlisted_only,
                Context& context);
  bool watchlisted(const track::VesselState& v, const Context& context) const;
  void close(uint32_t mmsi, int64_t time_ms, std::string_view reason, Context& context);
  void note_reception(const track::UpdateResult& u, SlotEntry& entry);
  void judge_deliberate(uint32_t mmsi, Open& open, int64_t watermark_ms, Context& context);
  SlotEntry& slot_entry(uint32_t slot, const Context& context);

  std::unordered_map<uint32_t, Open> open_;
  std::set<std::pair<int64_t, uint32_t>> by_start_;  // (start, mmsi): eviction order
  // Open dark periods not yet judged for deliberate silence, (start, mmsi).
  std::set<std::pair<int64_t, uint32_t>> to_judge_;
  std::vector<SlotEntry> slots_;
  ReceptionRecord reception_;
  // last_heard already examined: [.., cursor) for each threshold.
  int64_t cursor_ms_ = INT64_MIN;
  int64_t watchlisted_cursor_ms_ = INT64_MIN;
  int64_t watermark_ms_ = INT64_MIN;
  int64_t next_judgement_ms_ = INT64_MIN;
  int64_t next_forget_hour_ = INT64_MIN;
};

}  // namespace aiswatch::detect
