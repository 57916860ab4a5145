#pragma once
// Precision and recall of detectors over a simulated scenario against its ground truth
// (sim::TruthEvent), for the scenario tests: what matches what, and the score per alert type.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "aiswatch/v1/alert.pb.h"
#include "sim/traffic.h"

namespace aiswatch::detect::test {

using aiswatch::v1::Alert;
using aiswatch::v1::AlertType;

// The alert names one of the event's vessels, as its vessel or its counterpart.
inline bool names(const sim::TruthEvent& e, const Alert& a) {
  for (uint32_t m : e.mmsis)
    if (m == a.mmsi() || (a.counterpart_mmsi() != 0 && m == a.counterpart_mmsi())) return true;
  return false;
}

// An alert matches a planted event when it names one of its vessels and starts between
// `slack_s` before the event and its end.
inline bool matches(const Alert& a, const sim::TruthEvent& e, int64_t slack_s) {
  const int64_t start = a.start_time().seconds();
  return names(e, a) && start >= e.start_time_s - slack_s && start <= e.end_time_s;
}

struct Score {
  std::size_t truths = 0, found = 0, alerts = 0, right = 0;
  double recall() const {
    return truths == 0 ? 0.0 : static_cast<double>(found) / static_cast<double>(truths);
  }
  double precision() const {
    return alerts == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(alerts);
  }
};

// Truth events of `truth_type` count for recall; `allowed` kinds make an alert right without being
// required (an IDENTITY_CHANGE on an MMSI two ships share: their names do alternate).
inline Score score(const std::vector<Alert>& episodes, const sim::TrafficSummary& summary,
                   AlertType type, const std::string& truth_type, int64_t slack_s,
                   const std::set<std::string>& allowed_kinds = {}) {
  Score result;
  for (const auto& e : summary.truth) {
    if (e.type != truth_type) continue;
    ++result.truths;
    bool found = false;
    for (const auto& a : episodes) found = found || (a.type() == type && matches(a, e, slack_s));
    if (found) {
      ++result.found;
    } else {
      std::cout << "missed " << truth_type << " " << e.kind << " " << e.mmsis[0] << " "
                << e.start_time_s << ".." << e.end_time_s << "\n";
    }
  }
  for (const auto& a : episodes) {
    if (a.type() != type) continue;
    ++result.alerts;
    bool right = false;
    for (const auto& e : summary.truth)
      right = right ||
              ((e.type == truth_type || allowed_kinds.contains(e.kind)) && matches(a, e, slack_s));
    if (right) {
      ++result.right;
    } else {
      std::cout << "unplanned " << a.ShortDebugString() << "\n";
    }
  }
  return result;
}

inline void print(const std::string& what, const Score& score) {
  std::cout << what << ": " << score.found << "/" << score.truths << " found (recall "
            << score.recall() << "), " << score.right << "/" << score.alerts << " right (precision "
            << score.precision() << ")\n";
}

}  // namespace aiswatch::detect::test
