#include "detect/registry.h"

#include "detect/dark_period.h"
#include "detect/dark_rendezvous.h"
#include "detect/draught_change.h"
#include "detect/geofence.h"
#include "detect/identity_change.h"
#include "detect/loitering.h"
#include "detect/rendezvous.h"
#include "detect/spoofing.h"

// One include (alphabetical) and one add<>() line per detector. The add<>() order is the order
// in which detectors see each update; alerts of one update are emitted in that order.

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
  add<GeofenceDetector>(detectors, rules);
  add<IdentityChangeDetector>(detectors, rules);
  add<DraughtChangeDetector>(detectors, rules);
  add<DarkRendezvousDetector>(detectors, rules);
  add<SpoofingDetector>(detectors, rules);
  return detectors;
}

}  // namespace aiswatch::detect
