// AlertManager::save_state / restore_state: a manager restored from a checkpoint emits exactly
// the events of the manager that never stopped — same alert ids, states, start times, sequence
// numbers and evidence; closed keys stay closed; the least recently reported alert is evicted
// first — and a truncated or corrupt state is refused and never crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "alert/manager.h"
#include "state/archive.h"
#include "support/bit_flips.h"

namespace aiswatch::alert {
namespace {

using namespace aiswatch::v1;

constexpr int64_t t0 = 1'709'251'200'000;  // 2024-03-01T00:00:00Z
constexpr int64_t minute = 60'000;

struct RecordingSink : AlertSink {
  std::vector<std::string> events;
  void on_alert(const Alert& alert) override { events.push_back(alert.ShortDebugString()); }
};

UpdatePolicy policy() {
  UpdatePolicy p;
  p.max_open = 4;           // the LRU evicts after the restore
  p.max_evidence = 4;       // evidence recycled
  p.max_closed_keys = 4;    // closed keys forgotten after the restore
  p.recent_per_vessel = 2;  // recent alerts forgotten too
  p.max_recent_vessels = 5;
  return p;
}

EpisodeKey pair_key(uint32_t a, uint32_t b, int64_t start) {
  return {ALERT_TYPE_RENDEZVOUS, a, b, "", start};
}

EpisodeReport report(const EpisodeKey& key, int64_t time_ms, double lat, double lon,
                     Phase phase = PHASE_PROVISIONAL) {
  EpisodeReport r;
  r.key = key;
  r.phase = phase;
  r.time_ms = time_ms;
  r.lat = lat;
  r.lon = lon;
  r.vessel = {key.mmsi, "CHON MA SAN", 8660313, "HMYD", "KP", 80};
  if (key.counterpart_mmsi != 0)
    r.counterpart = VesselSnapshot{key.counterpart_mmsi, "XIN YUAN 18", std::nullopt, "", "PA", 80};
  r.evidence.push_back({key.mmsi, time_ms, lat, lon, 0.4, std::nullopt});
  r.facts = {{"duration_s", static_cast<double>(time_ms - key.start_time_ms) / 1000.0}};
  r.reason = "within 120 m";
  return r;
}

EpisodeReport zone_entry(uint32_t mmsi, int64_t t) {
  EpisodeReport r = report({ALERT_TYPE_GEOFENCE_ENTRY, mmsi, 0, "kp-west-sea", t}, t, 38.9, 124.5);
  r.evidence.clear();
  return r;
}

const EpisodeKey k0 = pair_key(445'000'001, 352'000'001, t0);
const EpisodeKey k1 = pair_key(445'000'002, 352'000'002, t0 + minute);
const EpisodeKey k2 = pair_key(445'000'003, 352'000'003, t0 + 2 * minute);
const EpisodeKey k3 = {ALERT_TYPE_DARK_PERIOD, 445'000'004, 0, "", t0 + 3 * minute};
const EpisodeKey k4 = pair_key(445'000'005, 352'000'005, t0 + 4 * minute);

// Everything before the checkpoint: four episodes, one of them closed, two instantaneous alerts.
void before_checkpoint(AlertManager& m) {
  m.report(report(k0, t0 + 10 * minute, 38.5, 124.0));
  m.report(report(k1, t0 + 11 * minute, 38.6, 124.1));
  m.report(report(k2, t0 + 12 * minute, 38.7, 124.2));
  for (int i = 0; i < 6; ++i)  // evidence beyond max_evidence, suppressed reports
    m.report(report(k1, t0 + (13 + i) * minute, 38.6 + i * 0.001, 124.1));
  m.report(report(k0, t0 + 20 * minute, 38.5, 124.0, PHASE_CONFIRMED));
  m.close(k0, t0 + 21 * minute, "apart");
  m.instant(zone_entry(445'000'002, t0 + 22 * minute));
  m.report(report(k3, t0 + 23 * minute, 38.8, 124.3));
  m.relate(k3, alert_id(k1), t0 + 23 * minute);
  m.report(report(k2, t0 + 24 * minute, 38.7, 124.2));  // k1 is now the least recently reported
  m.instant(zone_entry(445'000'003, t0 + 25 * minute));
}

EpisodeReport without_evidence(EpisodeReport r) {
  r.evidence.clear();
  return r;
}

// Everything after it, the same for both managers, step by step.
std::vector<std::function<void(AlertManager&)>> after_checkpoint() {
  using M = AlertManager;
  return {
      // Closed before the checkpoint: dropped.
      [](M& m) { m.report(report(k0, t0 + 30 * minute, 38.5, 124.0)); },
      // The same instant event again: dropped.
      [](M& m) { m.instant(zone_entry(445'000'002, t0 + 22 * minute)); },
      // Drift against the last emitted position.
      [](M& m) { m.report(report(k1, t0 + 31 * minute, 38.609, 124.1)); },
      // Heartbeat due, no new evidence: material only through the evidence of the suppressed
      // report before the checkpoint.
      [](M& m) { m.report(without_evidence(report(k2, t0 + 55 * minute, 38.7, 124.2))); },
      [](M& m) { m.report(report(k4, t0 + 56 * minute, 38.9, 124.4)); },
      // A fifth open alert evicts the least recently reported, k3 (relate() is no report), and
      // the oldest closed key, k0, is forgotten.
      [](M& m) { m.instant(zone_entry(445'000'006, t0 + 56 * minute)); },
      // So k0 opens again, with its old id.
      [](M& m) { m.report(report(k0, t0 + 57 * minute, 38.5, 124.0)); },
      [](M& m) { m.report(report(k3, t0 + 57 * minute, 38.8, 124.3, PHASE_CONFIRMED)); },
      [](M& m) { m.close(k2, t0 + 58 * minute, "apart"); },
      [](M& m) { m.instant(zone_entry(445'000'007, t0 + 59 * minute)); },
      // z2 has been forgotten as closed too: it is emitted again.
      [](M& m) { m.instant(zone_entry(445'000'002, t0 + 22 * minute)); },
      [](M& m) { m.close_all(t0 + 62 * minute, "end of input"); },
  };
}

std::string recent_of(const AlertManager& m, uint32_t mmsi) {
  std::string out;
  m.for_each_recent(mmsi, [&](const RecentAlert& r) {
    out += r.alert_id + "/" + std::to_string(r.end_ms) + "/" + std::to_string(r.open) + " ";
  });
  return out;
}

std::string recent_all(const AlertManager& m) {
  std::string out;
  for (uint32_t n = 1; n <= 8; ++n) {
    out += recent_of(m, 445'000'000 + n) + "| " + recent_of(m, 352'000'000 + n) + "| ";
  }
  return out;
}

std::string saved(const AlertManager& m) {
  state::StateWriter out;
  m.save_state(out);
  return out.take();
}

TEST(AlertManagerState, RestoredManagerEmitsTheOriginalsEvents) {
  RecordingSink original_sink;
  AlertManager original(original_sink, policy());
  before_checkpoint(original);
  const std::string bytes = saved(original);

  RecordingSink restored_sink;
  AlertManager restored(restored_sink, policy());
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_TRUE(restored_sink.events.empty());  // restoring emits nothing
  EXPECT_EQ(restored.stats().opened, 0u);     // statistics are not kept
  EXPECT_EQ(restored.open_count(), original.open_count());
  EXPECT_TRUE(restored.is_open(k1));
  EXPECT_FALSE(restored.is_open(k0));
  EXPECT_EQ(recent_all(restored), recent_all(original));

  original_sink.events.clear();
  int step = 0;
  for (const auto& f : after_checkpoint()) {
    f(original);
    f(restored);
    EXPECT_EQ(restored_sink.events, original_sink.events) << "step " << step;
    EXPECT_EQ(recent_all(restored), recent_all(original)) << "step " << step;
    EXPECT_EQ(restored.open_count(), original.open_count()) << "step " << step;
    ++step;
  }
  EXPECT_GE(original_sink.events.size(), 10u);
  // The closed key's report was dropped: the first event after the checkpoint is k1's.
  ASSERT_FALSE(original_sink.events.empty());
  EXPECT_NE(original_sink.events[0].find(alert_id(k1)), std::string::npos);
}

TEST(AlertManagerState, EmptyManagerRoundTrips) {
  RecordingSink sink;
  AlertManager original(sink, policy());
  const std::string bytes = saved(original);
  AlertManager restored(sink, policy());
  state::StateReader in(bytes);
  restored.restore_state(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.at_end());
  restored.report(report(k1, t0 + 11 * minute, 38.6, 124.1));
  EXPECT_EQ(sink.events.size(), 1u);
}

TEST(AlertManagerState, EveryTruncationIsRefusedWithAReason) {
  RecordingSink sink;
  AlertManager original(sink, policy());
  before_checkpoint(original);
  const std::string bytes = saved(original);
  for (std::size_t keep = 0; keep < bytes.size(); ++keep) {
    AlertManager restored(sink, policy());
    state::StateReader in(std::string_view(bytes).substr(0, keep));
    restored.restore_state(in);
    EXPECT_FALSE(in.ok()) << keep;
    EXPECT_NE(in.error(), "") << keep;
  }
}

TEST(AlertManagerState, CorruptBytesNeverCrash) {
  RecordingSink sink;
  AlertManager original(sink, policy());
  before_checkpoint(original);
  const std::string bytes = saved(original);
  uint64_t x = 88172645463325252ull;  // xorshift: the same flips on every run
  std::size_t refused = 0;
  const google::protobuf::LogSilencer quiet;  // Alert strings with flipped bits are not UTF-8
  for (int trial = 0; trial < 500; ++trial) {
    std::string corrupt = bytes;
    aiswatch::testing::flip_bits(corrupt, x, 1 + trial % 4);
    RecordingSink restored_sink;
    AlertManager restored(restored_sink, policy());
    state::StateReader in(corrupt);
    restored.restore_state(in);
    if (!in.ok()) {
      EXPECT_NE(in.error(), "");
      ++refused;
      continue;
    }
    // A flip that still parses must leave a manager that runs on.
    for (const auto& f : after_checkpoint()) f(restored);
    EXPECT_EQ(restored.open_count(), 0u);
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace aiswatch::alert
