#pragma once
// Every detector aiswatch has, configured from one ruleset: what `aiswatchd replay` and the
// daemon run. The order is fixed (alert events caused by one message come out in this order).
#include <memory>
#include <vector>

#include "detect/detector.h"
#include "ruleset/ruleset.h"

namespace aiswatch::detect {

std::vector<std::unique_ptr<Detector>> make_detectors(const ruleset::Ruleset& rules);

}  // namespace aiswatch::detect
