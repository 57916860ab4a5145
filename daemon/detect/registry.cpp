#include "detect/registry.h"

#include "detect/rendezvous.h"
#include "detect/dark_period.h"
#include "detect/loitering.h"

// One include and one add<>() line per detector; keep both lists in the same order.

namespace aiswatch::detect {
namespace {

template <class D>
void add(std::vector<std::unique_ptr<Detector>>& detectors, const ruleset::Ruleset& rules) {
  detectors.push_back(std::make_unique<D>(rules));
}

}  // namespace

std::vector<std::unique_ptr<Detector>> make_detectors(
    [[maybe_unused]] const ruleset::Ruleset& rules) {
  std::vector<std::unique_ptr<Detector>> detectors;
  add<RendezvousDetector>(detectors, rules);
  add<DarkPeriodDetector>(detectors, rules);
  add<LoiteringDetector>(detectors, rules);
  return detectors;
}

}  // namespace aiswatch::detect
