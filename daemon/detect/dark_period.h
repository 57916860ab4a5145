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
//
// Cost: each silent vessel is examined once, when the watermark's threshold window passes its
// last_heard (Tracker::for_each_last_heard_in over contiguous windows), plus one hash lookup per
// update. Memory: one small entry per open dark period.
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>

#include "detect/detector.h"

namespace aiswatch::detect {

class DarkPeriodDetector final : public Detector {
 public:
  DarkPeriodDetector() = default;
  // Thresholds are read from the ruleset in force at each call (rules reload).
  explicit DarkPeriodDetector(const ruleset::Ruleset& /*rules*/) {}
  void on_update(const Observation& observation, Context& context) override;
  void on_watermark(int64_t watermark_ms, Context& context) override;
  void on_end(int64_t watermark_ms, Context& context) override;

  std::size_t open_count() const { return open_.size(); }

 private:
  struct Open {
    int64_t start_ms = 0;  // last transmission before the silence (the episode key's start)
    bool has_position = false;
    double lat = 0, lon = 0;  // the last position before the silence
  };

  // Opens an episode for v if it is silent past its threshold at watermark_ms and last seen at sea.
  void consider(const track::VesselState& v, int64_t watermark_ms, bool watchlisted_only,
                Context& context);
  bool watchlisted(const track::VesselState& v, const Context& context) const;
  void close(uint32_t mmsi, int64_t time_ms, std::string_view reason, Context& context);

  std::unordered_map<uint32_t, Open> open_;
  std::set<std::pair<int64_t, uint32_t>> by_start_;  // (start, mmsi): eviction order
  // last_heard already examined: [.., cursor) for each threshold.
  int64_t cursor_ms_ = INT64_MIN;
  int64_t watchlisted_cursor_ms_ = INT64_MIN;
  int64_t watermark_ms_ = INT64_MIN;
};

}  // namespace aiswatch::detect
