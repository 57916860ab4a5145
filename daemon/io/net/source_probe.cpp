#include "io/net/source_probe.h"

namespace aiswatch::io {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

}  // namespace

SourceProbe::SourceProbe(prometheus::Registry& registry, const std::string& source)
    : lines(counter(registry, "aiswatch_source_lines_total", "Lines handed to the core.",
                    {{"source", source}})),
      bytes(counter(registry, "aiswatch_source_bytes_total",
                    "Bytes read from the source, line ends and garbage included.",
                    {{"source", source}})),
      overlong_lines(counter(registry, "aiswatch_source_overlong_lines_total",
                             "Lines cut at the source's line length limit.",
                             {{"source", source}})) {}

prometheus::Counter& SourceProbe::dropped(prometheus::Registry& registry, const std::string& source,
                                          const std::string& reason) {
  return counter(registry, "aiswatch_source_dropped_total",
                 "Lines lost before reaching the core, by reason.",
                 {{"source", source}, {"reason", reason}});
}

}  // namespace aiswatch::io
