#pragma once
// The detectors' common interface. A detector watches the tracker's vessel updates and the
// watermark, keeps its own bounded state, and reports episodes to the alert manager; it does no
// I/O and reads no clock (time is the messages' event time and the watermark), so replay, live
// running and tests give the same alerts for the same input. One detector per file in this
// directory; thresholds from the ruleset's detectors.yaml (ruleset/thresholds.h).
#include <cstdint>
#include <string_view>

#include "alert/manager.h"
#include "ruleset/ruleset.h"
#include "ruleset/zones.h"
#include "state/archive.h"
#include "track/tracker.h"

namespace aiswatch::detect {

// What every detector may read and where it reports. The ruleset is an immutable snapshot; it
// can be swapped between two calls (rules reload), never during one.
struct Context {
  const ruleset::Ruleset& rules;
  const track::Tracker& tracker;
  alert::AlertManager& alerts;
};

// One vessel update, as the engine hands it to every detector: the tracker's result and the
// zones containing the vessel's current position (looked up once per update, for all
// detectors; empty when the vessel has no position, and when the update changed nothing —
// update.changes == 0, e.g. a duplicate copy).
struct Observation {
  const track::UpdateResult& update;
  const ruleset::ZoneMatches& zones;
  // Who received the message: the tag block's station (s:), else the name of the feed it came
  // in on. Valid during the call.
  std::string_view station = {};
};

class Detector {
 public:
  virtual ~Detector() = default;
  // A message was applied to the tracker (every outcome that has a vessel, late ones included:
  // a late report can close an alert it contradicts).
  virtual void on_update(const Observation& observation, Context& context) = 0;
  // The watermark advanced to `watermark_ms`: fire what waits on silence or on duration.
  virtual void on_watermark(int64_t watermark_ms, Context& context) = 0;
  // End of input (replay) or shutdown: close or keep open what the detector holds, as it sees
  // fit; the engine closes every alert still open afterwards.
  virtual void on_end(int64_t /*watermark_ms*/, Context& /*context*/) {}
  // The rules were reloaded (SIGHUP). Most detectors read zones and thresholds from the Context
  // of each call and need nothing here; one that keeps values from its construction refreshes
  // them. Open episodes carry over.
  virtual void on_rules(const ruleset::Ruleset& /*rules*/) {}

  // Checkpoints (state/archive.h): everything the detector keeps between calls (open episodes,
  // per-slot and per-vessel records, cursors and next-sweep times), written field by field.
  // restore_state reads it into a detector freshly constructed from the current rules, after
  // the tracker (same slots) and the alert manager were restored; it emits no alert. Scratch
  // space and statistics are not kept. A detector that keeps nothing leaves both empty.
  virtual void save_state(state::StateWriter& /*out*/) const {}
  virtual void restore_state(state::StateReader& /*in*/, Context& /*context*/) {}
};

}  // namespace aiswatch::detect
