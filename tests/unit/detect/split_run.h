#pragma once
// Checkpoint round trips at the engine level: the same lines through one engine uninterrupted,
// and through a chain of engines, each built fresh and restored from the state its predecessor
// saved every `every_lines` lines (as the daemon restores a checkpoint after a crash). Both
// runs end with Engine::finish. A detector whose save_state/restore_state misses a field shows
// up as an alert event that differs between the two.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/registry.h"
#include "ruleset/ruleset.h"
#include "state/archive.h"
#include "unit/detect/detector_test_support.h"

namespace aiswatch::detect::test {

struct SplitRun {
  std::vector<aiswatch::v1::Alert> whole;  // every event of the uninterrupted run
  std::vector<aiswatch::v1::Alert> split;  // every event of the restored chain
  std::size_t restores = 0;
  std::size_t largest_state_bytes = 0;
  std::string restore_error;  // the first StateReader error (empty: every restore succeeded)
};

inline SplitRun split_run(const std::shared_ptr<const ruleset::Ruleset>& rules,
                          const std::vector<std::string>& lines, std::size_t every_lines) {
  SplitRun run;
  {
    RecordingSink sink;
    Engine engine(rules, make_detectors(*rules), sink);
    for (const auto& line : lines) engine.push_line(line, "sim");
    engine.finish();
    run.whole = std::move(sink.events);
  }
  RecordingSink sink;
  auto engine = std::make_unique<Engine>(rules, make_detectors(*rules), sink);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0 && i % every_lines == 0) {
      state::StateWriter out;
      engine->save_state(out);
      run.largest_state_bytes = std::max(run.largest_state_bytes, out.size());
      engine = std::make_unique<Engine>(rules, make_detectors(*rules), sink);
      state::StateReader in(out.bytes());
      if (!engine->restore_state(in)) {
        if (run.restore_error.empty()) run.restore_error = in.error();
        // As the daemon does: a state that cannot be restored is dropped, the engine starts clean.
        engine = std::make_unique<Engine>(rules, make_detectors(*rules), sink);
      }
      ++run.restores;
    }
    engine->push_line(lines[i], "sim");
  }
  engine->finish();
  run.split = std::move(sink.events);
  return run;
}

// The events of both runs, each as "alert_id state type start end ..." text (the whole Alert),
// sorted: detectors that walk hash maps may emit the events of one watermark step in another
// order after a restore, which changes nothing a consumer keys by alert_id can see.
inline std::vector<std::string> sorted_events(const std::vector<aiswatch::v1::Alert>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e.alert_id() + " " + e.ShortDebugString());
  std::sort(out.begin(), out.end());
  return out;
}

inline void expect_same_events(const SplitRun& run) {
  EXPECT_EQ(run.restore_error, "");
  const auto whole = sorted_events(run.whole);
  const auto split = sorted_events(run.split);
  EXPECT_EQ(whole.size(), split.size());
  const std::size_t n = std::min(whole.size(), split.size());
  std::size_t shown = 0;
  for (std::size_t i = 0; i < n && shown < 5; ++i) {
    if (whole[i] != split[i]) {
      ADD_FAILURE() << "event " << i << " differs\n  uninterrupted: " << whole[i]
                    << "\n  restored:      " << split[i];
      ++shown;
    }
  }
}

}  // namespace aiswatch::detect::test
