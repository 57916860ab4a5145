#pragma once
// Reading one series out of a Prometheus registry in tests: the components own their metrics
// (STYLE habit 11), and tests check them through the registry the component registered in.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <prometheus/metric_type.h>
#include <prometheus/registry.h>

namespace aiswatch::testing {

// The value of the first counter or gauge series of `name` whose labels include every one of
// `labels` (a subset: {} matches the first series); nullopt when there is none.
inline std::optional<double> find_metric(const prometheus::Registry& registry,
                                         std::string_view name,
                                         const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::size_t matched = 0;
      for (const auto& label : metric.label) {
        const auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                          : metric.counter.value;
    }
  }
  return std::nullopt;
}

}  // namespace aiswatch::testing
