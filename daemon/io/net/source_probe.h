#pragma once
// The metrics every line source shares (TCP, UDP, file), so that one dashboard query covers them
// all: the families are registered once per registry (prometheus-cpp merges a family registered
// again under the same name) and each source adds its own series, labelled with its name only.
// Never a label per MMSI, per peer address or per error text: each of those would be a new
// series without bound (STYLE habit 11).
//
//   aiswatch_source_lines_total{source}           lines handed to the core
//   aiswatch_source_bytes_total{source}           bytes read, line ends and garbage included
//   aiswatch_source_overlong_lines_total{source}  lines cut at the line length limit
//   aiswatch_source_dropped_total{source,reason}  lines lost before the core (UDP: queue_full)
//
// Connection-oriented sources add their own (tcp_source.h).
#include <cstdint>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace aiswatch::io {

struct SourceProbe {
  SourceProbe(prometheus::Registry& registry, const std::string& source);

  // A series of the shared aiswatch_source_dropped_total family, for one fixed reason.
  static prometheus::Counter& dropped(prometheus::Registry& registry, const std::string& source,
                                      const std::string& reason);

  prometheus::Counter& lines;
  prometheus::Counter& bytes;
  prometheus::Counter& overlong_lines;
};

}  // namespace aiswatch::io
