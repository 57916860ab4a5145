#pragma once
// Drives one detector directly: hand-built messages into a real Tracker, zones looked up as the
// engine does, every alert event recorded. Each test states the messages and times it cares about.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "alert/manager.h"
#include "detect/detector.h"
#include "ruleset/ruleset.h"
#include "track/tracker.h"
#include "unit/track/track_test_support.h"

namespace aiswatch::detect::test {

using track::test::class_a;
using track::test::hour;
using track::test::minute;
using track::test::s;
using track::test::t0;

struct RecordingSink : alert::AlertSink {
  std::vector<aiswatch::v1::Alert> events;
  void on_alert(const aiswatch::v1::Alert& alert) override { events.push_back(alert); }
  std::vector<aiswatch::v1::Alert> of(aiswatch::v1::AlertState state) const {
    std::vector<aiswatch::v1::Alert> out;
    for (const auto& e : events)
      if (e.state() == state) out.push_back(e);
    return out;
  }
  std::optional<double> fact(const aiswatch::v1::Alert& a, const std::string& name) const {
    for (const auto& f : a.facts())
      if (f.name() == name) return f.value();
    return std::nullopt;
  }
};

// A square zone of `kind` centred on (lat, lon), half_deg on each side, as GeoJSON.
inline std::string square_zone(const std::string& id, const std::string& kind, double lat,
                               double lon, double half_deg) {
  auto pt = [](double x, double y) {
    return "[" + std::to_string(x) + ", " + std::to_string(y) + "]";
  };
  const double w = lon - half_deg, e = lon + half_deg, so = lat - half_deg, n = lat + half_deg;
  return R"({"type": "Feature", "properties": {"id": ")" + id + R"(", "name": ")" + id +
         R"(", "kind": ")" + kind + R"("}, "geometry": {"type": "Polygon", "coordinates": [[)" +
         pt(w, so) + "," + pt(e, so) + "," + pt(e, n) + "," + pt(w, n) + "," + pt(w, so) + "]]}}";
}

// Zones (GeoJSON features, comma-separated) and watchlist rows (after the header) to a ruleset.
inline ruleset::Ruleset make_rules(const std::string& features = "",
                                   const std::string& watchlist_rows = "") {
  ruleset::Ruleset rules;
  ruleset::LoadErrors errors;
  ruleset::ZoneIndexBuilder builder;
  if (!features.empty())
    builder.add_file("zones.geojson",
                     R"({"type": "FeatureCollection", "features": [)" + features + "]}", errors);
  rules.zones = std::move(builder).build();
  if (!watchlist_rows.empty())
    rules.watchlist = ruleset::Watchlist::parse("watchlist.csv",
                                                "mmsi,imo,name,reason\n" + watchlist_rows, errors);
  if (!errors.empty()) throw std::runtime_error(errors[0].to_string());
  return rules;
}

struct Harness {
  ruleset::Ruleset rules;
  Detector& detector;
  track::Tracker tracker;
  RecordingSink sink;
  alert::AlertManager alerts{sink};
  int64_t notified = INT64_MIN;

  Harness(ruleset::Ruleset r, Detector& d) : rules(std::move(r)), detector(d) {}

  Context context() { return Context{rules, tracker, alerts}; }

  track::UpdateResult send(const ais::Message& message, int64_t time_ms) {
    const track::UpdateResult r = tracker.update(message, time_ms);
    Context ctx = context();
    if (r.vessel != nullptr) {
      ruleset::ZoneMatches zones;
      if (r.vessel->position)
        zones = rules.zones.zones_containing(r.vessel->position->lat, r.vessel->position->lon);
      detector.on_update(Observation{r, zones}, ctx);
    }
    notify(ctx);
    return r;
  }
  // Live input idle until now_ms.
  void idle_until(int64_t now_ms) {
    tracker.advance_watermark(now_ms);
    Context ctx = context();
    notify(ctx);
  }
  void notify(Context& ctx) {
    if (tracker.watermark() > notified) {
      notified = tracker.watermark();
      detector.on_watermark(notified, ctx);
    }
  }
};

}  // namespace aiswatch::detect::test
