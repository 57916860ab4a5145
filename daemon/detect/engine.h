#pragma once
// The detection pipeline as one pure object: NMEA lines in, alert events out through a sink.
// No I/O and no clock — time is the messages' event time (or an arrival time the caller passes),
// so `aiswatchd replay`, the live daemon and the tests run the same code and get the same alerts.
//
//   auto rules = ruleset::load_ruleset(dir).ruleset;       // checked by the caller
//   alert::JsonLinesSink sink(out);
//   detect::Engine engine(rules, detect::make_detectors(*rules), sink);
//   for (line : input) engine.push_line(line, "feed-name");    // arrival_ms: live input only
//   engine.finish();                                           // end of input: close what is open
//
// Per line:  Framer::push -> (payload) ais::decode -> Tracker::update at the payload's event
// time (tag block), else the arrival time given -> when the update has a vessel: the zones
// containing the vessel's current position, looked up once -> every Detector::on_update, in
// the order of the detector vector -> if the tracker's watermark moved forward: every
// Detector::on_watermark. An update is handed over before the watermark it caused, so a vessel
// whose own message advances the watermark is seen heard before any silence is judged.
//
// A message with neither a tag-block time nor an arrival time has no event time: it is counted
// as `untimed` and goes no further (no tracking, no detection). Replay of files has no arrival
// time, so recorded NMEA must carry tag-block (c:) times to be detected on.
//
// Updates forwarded to detectors: every tracker outcome that has a vessel (accepted, late,
// duplicate, implausible, no position); not_a_vessel, too_old and table_full stop at the tracker.
//
// Single-threaded, like every stage it wires together.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ais/decoder.h"
#include "ais/message.h"
#include "alert/manager.h"
#include "detect/detector.h"
#include "nmea/framer.h"
#include "ruleset/ruleset.h"
#include "track/tracker.h"

namespace aiswatch::detect {

// The tracker's configuration from the ruleset's tracker.* thresholds: lateness_s,
// duplicate_window_s, max_speed_kn, max_history_points (the length of every vessel's track
// ring, VesselState::track_capacity). The eviction horizon is at least twice the longest dark
// period threshold (a vessel must still be tracked when its silence is judged) and never under
// the tracker's 48 h default.
track::TrackerConfig tracker_config(const ruleset::Thresholds& thresholds);

// The watchlist as the alert stage sees it: by MMSI, else by IMO number.
class RulesetWatchlist : public alert::WatchlistLookup {
 public:
  explicit RulesetWatchlist(const ruleset::Watchlist& watchlist) : watchlist_(&watchlist) {}
  std::optional<std::string_view> reason(uint32_t mmsi, std::optional<uint32_t> imo) const override;
  void rebind(const ruleset::Watchlist& watchlist) { watchlist_ = &watchlist; }

 private:
  const ruleset::Watchlist* watchlist_;
};

// Alert events by type and state, for summaries (and tests).
struct AlertCounts {
  // [type][state], indexed by the proto enum values (ALERT_TYPE_*, ALERT_STATE_*).
  static constexpr std::size_t types = 16;
  static constexpr std::size_t states = 4;
  std::array<std::array<uint64_t, states>, types> by_type_state{};
  uint64_t total = 0;

  uint64_t of(aiswatch::v1::AlertType type, aiswatch::v1::AlertState state) const;
  uint64_t of(aiswatch::v1::AlertType type) const;  // every state
};

// Passes every event on to another sink and counts it.
class CountingSink : public alert::AlertSink {
 public:
  explicit CountingSink(alert::AlertSink& next) : next_(next) {}
  void on_alert(const aiswatch::v1::Alert& alert) override;
  const AlertCounts& counts() const { return counts_; }

 private:
  alert::AlertSink& next_;
  AlertCounts counts_;
};

struct EngineConfig {
  nmea::FramerConfig framer;
  alert::UpdatePolicy alerts;
  // Applied over tracker_config(thresholds) when set (tests, benchmarks).
  std::optional<track::TrackerConfig> tracker;
};

struct EngineStats {
  uint64_t lines = 0;               // every line pushed
  uint64_t messages = 0;            // decoded AIS messages (after framing and reassembly)
  uint64_t untimed = 0;             // decoded messages with no event time: not tracked
  uint64_t vessels = 0;             // distinct vessels first seen (a re-tracked evicted one again)
  uint64_t watermark_advances = 0;  // on_watermark rounds
  nmea::FramerStats framing;        // lines by outcome, rejects by nmea::RejectReason
  ais::DecodeStats decoding;        // messages by type, failures by ais::DecodeStatus
  track::TrackerStats tracking;     // tracker outcomes, late messages, evictions
  AlertCounts alerts;               // alert events by type and state

  // Lines or payloads refused before tracking: framing rejects plus decode failures.
  uint64_t rejected() const { return framing.rejected_total() + decoding.failed(); }
};

class Engine {
 public:
  // `rules` must be valid (a LoadResult without errors) and is kept alive by the engine.
  // Detectors are called in vector order. Alert events go to `sink`, which must outlive the
  // engine.
  Engine(std::shared_ptr<const ruleset::Ruleset> rules,
         std::vector<std::unique_ptr<Detector>> detectors, alert::AlertSink& sink,
         EngineConfig config = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // One line of NMEA as received. `feed_source` names the input (used as the vessel's source
  // when the line has no tag-block s:); `arrival_ms` is the receive time for lines without a
  // tag-block time (live input), nullopt in replay.
  void push_line(std::string_view line, std::string_view feed_source = {},
                 std::optional<int64_t> arrival_ms = std::nullopt);

  // The MMSI of a single- or first-sentence AIVDM line, read from the payload's bits 8-37
  // without checking anything (a hint for prefetch: a wrong guess costs a wasted prefetch);
  // nullopt when the line has no payload of that length.
  static std::optional<uint32_t> peek_mmsi(std::string_view line);
  // A hint that a line about vessel `mmsi` (peek_mmsi) will be pushed soon, changing nothing
  // observable: a replay that reads ahead calls it with stage 1 two lines before pushing the
  // line and stage 2 one line before, so that the tracker's memory for the vessel (its index
  // entry, then its state) is being fetched while the lines before it are processed. A busy
  // feed's vessel table is larger than the CPU caches; without this, update() waits on memory
  // at every message.
  void prefetch(uint32_t mmsi, int stage) const;

  // One already decoded message at event_time_ms from `source`, as if framed and decoded
  // (counted in messages, not in decoding; tests that build messages by hand drive detectors
  // through this).
  void push_message(const ais::Message& message, int64_t event_time_ms,
                    std::string_view source = {});

  // Live input is idle: move the watermark to now_ms - lateness and let detectors act on it.
  void advance_watermark(int64_t now_ms);

  // Rules reloaded (SIGHUP): zones, watchlist and detector thresholds apply from the next line
  // on; the state (tracks, open episodes, alert ids) carries over. The tracker's configuration
  // (tracker.* thresholds: lateness, duplicate window, speed limit, track length) is fixed at
  // construction and changes only on restart. `rules` must be valid.
  void replace_rules(std::shared_ptr<const ruleset::Ruleset> rules);

  // End of input: the watermark advances to the newest event time (nothing later can come; the
  // detectors hear of it through on_watermark), then every Detector::on_end, then every alert
  // still open is closed at that watermark with reason "end of input". Call once; later pushes
  // are not expected.
  void finish();

  // Checkpoints (app/checkpoint.h): the framer, tracker, alert manager and every detector, in
  // that order, each detector's part length-prefixed so that a reader out of step is caught at
  // its own detector. restore_state reads into an engine freshly constructed (nothing pushed)
  // with the same detectors — a trailing one that keeps no state (the positions publisher) may
  // come or go between the two; it emits no alert. false, with in.error() naming the part, when
  // the bytes are not a state this engine can take: discard the engine and build a new one.
  // Statistics (EngineStats) start again from zero.
  void save_state(state::StateWriter& out) const;
  bool restore_state(state::StateReader& in);

  EngineStats stats() const;
  const track::Tracker& tracker() const { return tracker_; }
  const alert::AlertManager& alerts() const { return alerts_; }
  const ruleset::Ruleset& rules() const { return *rules_; }
  int64_t watermark() const { return tracker_.watermark(); }

 private:
  void apply(const ais::Message& message, int64_t event_time_ms, std::string_view source);
  void notify_watermark();
  Context context() { return Context{*rules_, tracker_, alerts_}; }

  // Declaration order is construction order: the sink wrapper and watchlist adapter before the
  // manager that holds references to them; detectors last (destroyed first).
  std::shared_ptr<const ruleset::Ruleset> rules_;
  CountingSink sink_;
  RulesetWatchlist watchlist_;
  nmea::Framer framer_;
  track::Tracker tracker_;
  alert::AlertManager alerts_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  ais::Message message_;
  int64_t notified_watermark_ = INT64_MIN;
  bool finished_ = false;
  uint64_t lines_ = 0;
  uint64_t messages_ = 0;
  uint64_t untimed_ = 0;
  uint64_t vessels_ = 0;
  uint64_t watermark_advances_ = 0;
  ais::DecodeStats decoding_;
};

}  // namespace aiswatch::detect
