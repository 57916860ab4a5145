#include "app/engine_metrics.h"

#include <string>

#include "ais/decoder.h"
#include "aiswatch/v1/alert.pb.h"
#include "nmea/framer.h"
#include "track/tracker.h"

namespace aiswatch::app {

void EngineMetrics::Tracked::bring_to(uint64_t total) {
  if (counter != nullptr && total > published) {
    counter->Increment(static_cast<double>(total - published));
    published = total;
  }
}

EngineMetrics::EngineMetrics(prometheus::Registry& registry) {
  auto& lines = prometheus::BuildCounter()
                    .Name("aiswatch_engine_lines_total")
                    .Help("Lines pushed into the detection engine")
                    .Register(registry);
  lines_.counter = &lines.Add({});
  auto& untimed = prometheus::BuildCounter()
                      .Name("aiswatch_untimed_messages_total")
                      .Help(
                          "Decoded messages with no event time (no tag-block time, no arrival "
                          "time): not tracked")
                      .Register(registry);
  untimed_.counter = &untimed.Add({});

  auto& messages = prometheus::BuildCounter()
                       .Name("aiswatch_messages_total")
                       .Help("Decoded AIS messages by ITU-R M.1371 message type")
                       .Register(registry);
  for (std::size_t type = 1; type < by_type_.size(); ++type) {
    by_type_[type].counter = &messages.Add({{"type", std::to_string(type)}});
  }

  auto& rejects = prometheus::BuildCounter()
                      .Name("aiswatch_rejects_total")
                      .Help("Input refused before tracking, by stage and reason")
                      .Register(registry);
  for (std::size_t r = 0; r < nmea::reject_reason_count; ++r) {
    const auto reason = static_cast<nmea::RejectReason>(r);
    framing_rejects_.push_back(
        {&rejects.Add({{"stage", "framing"}, {"reason", std::string(nmea::to_string(reason))}}),
         0});
  }
  // Status 0 is ok: not a failure.
  decode_failures_.resize(ais::decode_status_count);
  for (std::size_t s = 1; s < ais::decode_status_count; ++s) {
    const auto status = static_cast<ais::DecodeStatus>(s);
    decode_failures_[s].counter =
        &rejects.Add({{"stage", "decoding"}, {"reason", std::string(ais::to_string(status))}});
  }

  auto& outcomes = prometheus::BuildCounter()
                       .Name("aiswatch_tracker_updates_total")
                       .Help("Decoded messages by what the tracker did with them")
                       .Register(registry);
  for (std::size_t o = 0; o < track::update_outcome_count; ++o) {
    const auto outcome = static_cast<track::UpdateOutcome>(o);
    tracker_outcomes_.push_back(
        {&outcomes.Add({{"outcome", std::string(track::to_string(outcome))}}), 0});
  }

  auto& alerts = prometheus::BuildCounter()
                     .Name("aiswatch_alerts_total")
                     .Help("Alert events by alert type and state (open, update, closed)")
                     .Register(registry);
  for (std::size_t t = 1; t < detect::AlertCounts::types; ++t) {
    if (!aiswatch::v1::AlertType_IsValid(static_cast<int>(t))) continue;
    const std::string type = aiswatch::v1::AlertType_Name(static_cast<aiswatch::v1::AlertType>(t));
    for (std::size_t s = 1; s < detect::AlertCounts::states; ++s) {
      if (!aiswatch::v1::AlertState_IsValid(static_cast<int>(s))) continue;
      const std::string state =
          aiswatch::v1::AlertState_Name(static_cast<aiswatch::v1::AlertState>(s));
      alerts_[t][s].counter = &alerts.Add({{"type", type}, {"state", state}});
    }
  }

  vessels_ = &prometheus::BuildGauge()
                  .Name("aiswatch_vessels_tracked")
                  .Help("Vessels the tracker holds now")
                  .Register(registry)
                  .Add({});
  watermark_ = &prometheus::BuildGauge()
                    .Name("aiswatch_watermark_seconds")
                    .Help(
                        "Event-time watermark: newest event time minus the allowed lateness "
                        "(Unix seconds)")
                    .Register(registry)
                    .Add({});
}

void EngineMetrics::publish(const detect::EngineStats& stats, std::size_t vessels_tracked,
                            int64_t watermark_ms) {
  lines_.bring_to(stats.lines);
  untimed_.bring_to(stats.untimed);
  for (std::size_t type = 1; type < by_type_.size(); ++type) {
    by_type_[type].bring_to(stats.decoding.by_type[type]);
  }
  for (std::size_t r = 0; r < framing_rejects_.size(); ++r) {
    framing_rejects_[r].bring_to(stats.framing.rejected[r]);
  }
  for (std::size_t s = 1; s < decode_failures_.size(); ++s) {
    decode_failures_[s].bring_to(stats.decoding.by_status[s]);
  }
  for (std::size_t o = 0; o < tracker_outcomes_.size(); ++o) {
    tracker_outcomes_[o].bring_to(stats.tracking.by_outcome[o]);
  }
  for (std::size_t t = 0; t < alerts_.size(); ++t) {
    for (std::size_t s = 0; s < alerts_[t].size(); ++s) {
      alerts_[t][s].bring_to(stats.alerts.by_type_state[t][s]);
    }
  }
  vessels_->Set(static_cast<double>(vessels_tracked));
  if (watermark_ms != INT64_MIN) watermark_->Set(static_cast<double>(watermark_ms) / 1000.0);
}

}  // namespace aiswatch::app
