// The whole detection pipeline over every real capture in shared/data/ais (issue 3: "The real
// captures replay without error or absurd alerts"), read in place like tests/unit/nmea/
// captures_test.cpp. The captures are other projects' test data — minutes to two hours of
// ordinary coastal, harbour and satellite traffic far from the rules' theatre — so what can be
// checked is that every line is accounted for, that nothing an alert says is impossible, and
// that alerts stay few.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "support/captures.h"
#include "support/shared_data.h"

namespace aiswatch::detect {
namespace {

using aiswatch::v1::Alert;
using ruleset::ThresholdId;

const std::string data_dir = std::string(AISWATCH_SHARED_DATA_DIR) + "/ais";

int64_t ms_of(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1'000'000;
}

std::optional<double> fact(const Alert& a, std::string_view name) {
  for (const auto& f : a.facts()) {
    if (f.name() == name) return f.value();
  }
  return std::nullopt;
}

class KeepingSink : public alert::AlertSink {
 public:
  void on_alert(const Alert& alert) override { events.push_back(alert); }
  std::vector<Alert> events;
};

struct Replayed {
  bool read = false;
  uint64_t lines = 0;
  EngineStats stats;
  std::vector<Alert> events;
  // Event times of the capture's payloads, by an independent framer with the same defaults.
  int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
};

Replayed replay(const std::shared_ptr<const ruleset::Ruleset>& rules, const std::string& name) {
  Replayed r;
  KeepingSink sink;
  Engine engine(rules, make_detectors(*rules), sink);
  nmea::Framer framer;
  nmea::Payload payload;
  r.read = testing::for_each_capture_line(data_dir + "/" + name, [&](std::string_view line) {
    ++r.lines;
    engine.push_line(line, name);
    if (framer.push(line, payload, name) == nmea::LineOutcome::payload && payload.event_time_ms) {
      r.first_ms = std::min(r.first_ms, *payload.event_time_ms);
      r.last_ms = std::max(r.last_ms, *payload.event_time_ms);
    }
  });
  engine.finish();
  r.stats = engine.stats();
  r.events = std::move(sink.events);
  return r;
}

std::shared_ptr<const ruleset::Ruleset> shipped_rules() {
  auto loaded = ruleset::load_ruleset(AISWATCH_RULES_DIR);
  EXPECT_TRUE(loaded.ok());
  return loaded.ruleset;
}

// What each capture offers the engine, measured when this test was written and checked by hand
// against the captures' README: `untimed` are decoded messages with no receive time at all (they
// reach no detector).
struct Expected {
  const char* name;
  uint64_t messages, untimed;
};
constexpr Expected expected[] = {
    // Mostly untimed: only 851 lines carry a trailing `,<unix s>` and 4 follow a $PGHP.
    {"amsa-risky/ais.txt.gz", 32448, 31593},
    // Satellite AIS, every line timed (trailing ms or $PGHP), 1.5-2 h each.
    {"amsa-risky/exact-earth-augmented.txt", 3966, 0},
    {"amsa-risky/exact-earth-augmented-2.txt", 1125, 0},
    {"amsa-risky/exact-earth-augmented-3.txt", 4283, 0},
    // Tag blocks with c: on every line; the positions are one minute of 2012-04-13, but some
    // type 5s carry older or later c: times (up to 5.5 h after the positions).
    {"amsa-risky/exact-earth-with-tag-block.txt", 200, 0},
    // The placeholder tag-block checksum `*00` is refused by the default framer: nothing decodes.
    {"amsa-risky/nmea-timestamped.txt", 0, 0},
    // 28 s of a dense Danish network, every message timed by $PGHP.
    {"dma-aislib/stream_example.txt", 4051, 0},
    // No times at all: counted, never tracked.
    {"dma-aislib/decode_encode_messages.txt", 601, 601},
    {"pyais/nmea_data_sample.txt", 778, 778},
    // 7 minutes of San Francisco Bay with a leading receive time on every line.
    {"simpleais/sample.ais", 9471, 0},
};

const Expected* expected_for(const std::string& name) {
  for (const Expected& e : expected) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

void print(const std::string& name, const Replayed& r) {
  const EngineStats& s = r.stats;
  std::printf("%s: %llu lines, %llu messages (%llu untimed), %llu vessels, %zu alert events\n",
              name.c_str(), (unsigned long long)s.lines, (unsigned long long)s.messages,
              (unsigned long long)s.untimed, (unsigned long long)s.vessels, r.events.size());
}

TEST(CapturesReplay, EveryLineAccountedNoAbsurdAlerts) {
  AISWATCH_REQUIRE_SHARED_DATA(data_dir);
  const auto rules = shipped_rules();
  ASSERT_TRUE(rules);
  const std::vector<std::string> names = testing::capture_files(data_dir);
  // The ten captures of shared/data/ais/README.md (a new one joins automatically).
  ASSERT_GE(names.size(), 10u);
  const ruleset::Thresholds& thresholds = rules->thresholds;
  const double max_distance_m = thresholds.value(ThresholdId::rendezvous_max_distance_m);
  // Shortest silence that may open a dark period (watchlisted vessels), and loitering's minimum.
  const double min_dark_s = thresholds.seconds(ThresholdId::dark_period_watchlisted_threshold_h);
  const double min_loiter_s = thresholds.seconds(ThresholdId::loitering_min_duration_h);
  const double provisional_s = thresholds.seconds(ThresholdId::rendezvous_provisional_after_min);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Replayed r = replay(rules, name);
    ASSERT_TRUE(r.read) << "cannot read " << data_dir << "/" << name;
    const EngineStats& s = r.stats;
    print(name, r);

    // Every line accounted for: framed into a sentence (or blank, a time sentence, rejected);
    // every payload decoded or counted as a failure; every decoded message tracked or untimed;
    // every tracked message under exactly one tracker outcome.
    EXPECT_EQ(s.lines, r.lines);
    EXPECT_EQ(s.framing.lines, s.lines);
    EXPECT_EQ(s.framing.lines, s.framing.blank_lines + s.framing.timing_sentences +
                                   s.framing.sentences + s.framing.rejected_total());
    EXPECT_EQ(s.framing.payloads, s.messages + s.decoding.failed());
    EXPECT_EQ(s.messages, s.untimed + s.tracking.messages);
    uint64_t outcomes = 0;
    for (const uint64_t n : s.tracking.by_outcome) outcomes += n;
    EXPECT_EQ(outcomes, s.tracking.messages);
    EXPECT_EQ(s.alerts.total, r.events.size());
    if (const Expected* e = expected_for(name)) {
      EXPECT_EQ(s.messages, e->messages);
      EXPECT_EQ(s.untimed, e->untimed);
    }
    if (r.last_ms == INT64_MIN) {
      // No time at all: every message is untimed, nothing is tracked, nothing alerts.
      EXPECT_EQ(s.untimed, s.messages);
      EXPECT_EQ(r.events.size(), 0u);
      continue;
    }
    if (s.messages > s.untimed) {
      EXPECT_GT(s.vessels, 0u);
    }

    // Each alert: OPEN first and once, CLOSED last and once, sequence rising, times inside the
    // capture and in order, facts possible.
    std::map<std::string, std::vector<const Alert*>> by_id;
    for (const Alert& a : r.events) by_id[a.alert_id()].push_back(&a);
    std::map<uint32_t, std::set<std::string>> rendezvous_by_vessel;
    for (const auto& [id, events] : by_id) {
      SCOPED_TRACE(id);
      ASSERT_GE(events.size(), 2u);
      EXPECT_EQ(events.front()->state(), aiswatch::v1::ALERT_STATE_OPEN);
      EXPECT_EQ(events.back()->state(), aiswatch::v1::ALERT_STATE_CLOSED);
      for (std::size_t i = 1; i + 1 < events.size(); ++i) {
        EXPECT_EQ(events[i]->state(), aiswatch::v1::ALERT_STATE_UPDATE);
      }
      for (std::size_t i = 1; i < events.size(); ++i) {
        EXPECT_GT(events[i]->sequence(), events[i - 1]->sequence());
      }
      for (const Alert* a : events) {
        const int64_t start = ms_of(a->start_time());
        EXPECT_GE(start, r.first_ms);
        EXPECT_LE(start, r.last_ms);
        EXPECT_GE(ms_of(a->event_time()), start);
        EXPECT_LE(ms_of(a->event_time()), r.last_ms);
        if (a->has_end_time()) {
          EXPECT_GE(ms_of(a->end_time()), start);
          EXPECT_LE(ms_of(a->end_time()), r.last_ms);
        }
        EXPECT_TRUE(a->lat() >= -90 && a->lat() <= 90 && a->lon() >= -180 && a->lon() <= 180);
        for (const auto& f : a->facts()) EXPECT_GE(f.value(), 0.0) << f.name();
        // AIS speed over ground tops out at 102.2 kn: a dark period that implies more is two
        // vessels under one MMSI or a bad fix, not a voyage.
        if (const auto kn = fact(*a, "implied_speed_kn")) {
          EXPECT_LE(*kn, 102.2);
        }
        if (const auto d = fact(*a, "duration_s")) {
          EXPECT_LE(*d * 1000.0, static_cast<double>(r.last_ms - r.first_ms) + 1.0);
        }
      }
      // What opened the alert must have met the detector's own threshold.
      const Alert& open = *events.front();
      if (open.type() == aiswatch::v1::ALERT_TYPE_DARK_PERIOD) {
        EXPECT_GE(fact(open, "duration_s").value_or(0.0), min_dark_s);
      }
      if (open.type() == aiswatch::v1::ALERT_TYPE_LOITERING) {
        EXPECT_GE(fact(open, "duration_s").value_or(0.0), min_loiter_s);
      }
      if (open.type() == aiswatch::v1::ALERT_TYPE_RENDEZVOUS) {
        const auto d = fact(open, "distance_m");
        ASSERT_TRUE(d.has_value());
        EXPECT_LE(*d, max_distance_m);
        EXPECT_GE(fact(open, "contact_duration_s").value_or(0.0), provisional_s);
        EXPECT_NE(open.mmsi(), open.counterpart_mmsi());
        rendezvous_by_vessel[open.mmsi()].insert(id);
        rendezvous_by_vessel[open.counterpart_mmsi()].insert(id);
      }
    }
    // A vessel in contact with many others in a few hours is a crowded anchorage the zones do
    // not cover, or a detector pairing wrongly; either way the watch floor would drown.
    for (const auto& [mmsi, ids] : rendezvous_by_vessel) {
      EXPECT_LE(ids.size(), 3u) << "MMSI " << mmsi << " in " << ids.size() << " rendezvous";
    }
    // Each capture is at most two hours of ordinary traffic (the tag-block file's positions are
    // one minute): hardly long enough for a dark period (6 h, 2 h watchlisted) and too short for
    // loitering (4 h). A rendezvous (two slow ships 30 min within 500 m outside a port zone; the
    // zones cover only the Korean theatre) is the plausible alert: a few moored pairs, never
    // dozens. When written, no capture raised any alert.
    // Identity findings aside (issue 4): real feeds carry misconfigured transponders (an
    // unallocated MID, a seven-digit IMO number with a wrong check digit, a call sign of another
    // flag's series), one instant alert per vessel; when bounded, 0.1-2.3 % of a capture's
    // vessels (simpleais: US boats with their registry number in the IMO field).
    std::size_t identity = 0;
    for (const auto& [id, events] : by_id)
      if (events.front()->type() == aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE) ++identity;
    EXPECT_LE(by_id.size() - identity, 5u);
    EXPECT_LE(identity * 100, s.vessels * 3);
    // GPS noise and the exactEarth files' receive times an hour off are not spoofing (issue 4);
    // the default MMSI 1193046 from two places at once is many transponders, not one vessel.
    for (const auto& [id, events] : by_id) {
      EXPECT_NE(events.front()->type(), aiswatch::v1::ALERT_TYPE_SPOOFING)
          << id << ": " << events.front()->reason();
    }
  }
}

}  // namespace
}  // namespace aiswatch::detect
