// The tracker over a real capture: shared/data/ais/simpleais/sample.ais (10 000 lines with a
// leading receive time, from the simpleais project's test data), where most reports reach the
// feed twice, once through each of two receivers (!AIVDM and !ABVDM talkers, the same payload
// milliseconds apart).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <unordered_map>

#include "ais/decoder.h"
#include "nmea/framer.h"
#include "support/shared_data.h"
#include "track/tracker.h"

namespace aiswatch::track {
namespace {

const std::string data_dir = std::string(AISWATCH_SHARED_DATA_DIR) + "/ais/simpleais";

TEST(TrackerCapture, SimpleaisSampleCopiesCountOnce) {
  AISWATCH_REQUIRE_SHARED_DATA(data_dir);
  std::ifstream in(data_dir + "/sample.ais");
  ASSERT_TRUE(in.good());

  Tracker tracker;
  nmea::Framer framer;
  nmea::Payload payload;
  ais::Message message;
  // The independent expectation: the same armoured payload (of a tracked vessel) again within
  // 10 s of receive time is a copy.
  std::unordered_map<std::string, int64_t> last_by_payload;
  uint64_t payload_copies = 0;
  uint64_t updates = 0;
  uint64_t shared_mmsi_rejects = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (framer.push(line, payload) != nmea::LineOutcome::payload) continue;
    if (ais::decode(payload.armored, payload.fill_bits, message) != ais::DecodeStatus::ok) continue;
    ASSERT_TRUE(payload.event_time_ms.has_value());
    const int64_t t = *payload.event_time_ms;
    const std::string source(payload.talker.data(), payload.talker.size());
    const UpdateResult r = tracker.update(message, t, source);
    ++updates;
    // 1193046 is 0x123456, the factory-default MMSI of unconfigured transponders: several
    // vessels far apart share it, so its fixes jump and are kept aside.
    if (r.outcome == UpdateOutcome::implausible_kept_aside && r.vessel->mmsi == 1'193'046) {
      ++shared_mmsi_rejects;
    }
    if (r.vessel == nullptr || std::holds_alternative<ais::OtherMessage>(message)) continue;
    auto [it, fresh] = last_by_payload.try_emplace(std::string(payload.armored), t);
    if (!fresh) {
      if (t - it->second <= 10'000) {
        ++payload_copies;
        EXPECT_EQ(r.outcome, UpdateOutcome::duplicate) << line;
      }
      it->second = t;
    }
  }
  const TrackerStats& st = tracker.stats();
  EXPECT_EQ(st.messages, updates);
  // A third of the sample's messages are second copies; the decoded-field hash finds every one
  // the payload comparison finds, and nothing else.
  EXPECT_GT(payload_copies, 2'500u);
  EXPECT_EQ(st[UpdateOutcome::duplicate], payload_copies);
  // The capture is a harbour feed of ordinary traffic in time order: nothing late, and the
  // positions kept aside are those of the shared default MMSI (42 of 44 when written).
  EXPECT_EQ(st.late, 0u);
  EXPECT_GT(tracker.size(), 300u);
  EXPECT_GT(shared_mmsi_rejects, 30u);
  EXPECT_LE(st[UpdateOutcome::implausible_kept_aside] - shared_mmsi_rejects, 5u);
  uint64_t total = 0;
  for (uint64_t n : st.by_outcome) total += n;
  EXPECT_EQ(total, st.messages);
  for (std::size_t i = 0; i < update_outcome_count; ++i) {
    std::printf("  %-24s %llu\n", std::string(to_string(static_cast<UpdateOutcome>(i))).c_str(),
                static_cast<unsigned long long>(st.by_outcome[i]));
  }
  std::printf("  vessels %zu, grid cells %zu\n", tracker.size(), tracker.occupied_cells());
}

}  // namespace
}  // namespace aiswatch::track
