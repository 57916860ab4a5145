#pragma once
// Zones: the areas an operator names in rules/*.geojson. A `watch` zone is where entries, exits
// and dwell alert; `port` and `anchorage` zones are context in which meetings and loitering are
// normal (DESIGN.md, "Rules"); a `land` zone is ground no ship can be on, drawn well inland
// (rules/land.geojson), where reported positions are a spoofing clue. Each file is an RFC 7946
// FeatureCollection, for example:
//
//   {"type": "FeatureCollection", "features": [
//     {"type": "Feature",
//      "properties": {"id": "kp-nampo-approach", "name": "Nampo approaches", "kind": "watch"},
//      "geometry": {"type": "Polygon",
//                   "coordinates": [[[124.9, 38.5], [125.5, 38.5], [125.5, 38.9], [124.9, 38.9],
//                                    [124.9, 38.5]]]}}]}
//
// Coordinates are [longitude, latitude] in degrees (RFC 7946 section 3.1.1). Edges are straight
// lines in longitude/latitude, as RFC 7946 section 3.1.1 defines them ("a straight Cartesian
// line"), so the point-in-polygon test is planar — which is also the fast one. Polygons that cross
// the antimeridian are not supported (RFC 7946 section 3.1.9 would split them); longitudes outside
// [-180, 180] are rejected.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ruleset/load_error.h"

namespace aiswatch::ruleset {

enum class ZoneKind : uint8_t { watch, port, anchorage, land };
inline constexpr std::size_t zone_kind_count = 4;

std::string_view to_string(ZoneKind kind);
std::optional<ZoneKind> zone_kind_from_string(std::string_view text);

struct Zone {
  std::string id;    // unique across all zone files
  std::string name;  // for people
  ZoneKind kind = ZoneKind::watch;
  std::string file;           // the file it came from, for messages
  std::size_t feature = 0;    // its index in that file's "features"
  uint32_t index = 0;         // its position in ZoneIndex::zones()
};

// The zones containing one point, without allocating: the result of every per-report query.
// More than `capacity` overlapping zones at one point is far beyond any sensible rules set; the
// first `capacity` are kept and `truncated` says so.
struct ZoneMatches {
  static constexpr std::size_t capacity = 16;
  std::array<const Zone*, capacity> zones{};
  uint8_t count = 0;
  bool truncated = false;

  const Zone* const* begin() const { return zones.data(); }
  const Zone* const* end() const { return zones.data() + count; }
  std::size_t size() const { return count; }
  bool empty() const { return count == 0; }
  // True when any matching zone is of this kind.
  bool any(ZoneKind kind) const;
  // The first matching zone of this kind (lowest ZoneIndex position), or nullptr.
  const Zone* first(ZoneKind kind) const;
};

// The loaded zones with an R-tree over their bounding boxes. Immutable once built; queries are
// const and safe from any number of threads.
class ZoneIndex {
 public:
  ZoneIndex();
  ~ZoneIndex();
  ZoneIndex(ZoneIndex&&) noexcept;
  ZoneIndex& operator=(ZoneIndex&&) noexcept;

  // Zones whose polygon covers the point (a point on a boundary counts as inside). Cost: one
  // R-tree descent, then an exact point-in-polygon test only on the zones whose bounding box
  // contains the point. No allocation. Latitude/longitude in degrees; a NaN gives no match.
  // Land zones are never among them (see land_at): no detector sees land as a zone, and the
  // per-update lookup does not pay for big land polygons whose bounding boxes cover sea.
  ZoneMatches zones_containing(double lat, double lon) const;

  // The land zone the point lies in, or nullptr: outside every land zone, or inside a port or
  // anchorage zone too (a port always wins over land: harbour boxes and river ports are where
  // ships are). Cost: one lookup in a grid of cells of at most 1/32 degree over the land zones'
  // bounding box, each cell known at build to be wholly outside, wholly inside one land zone, or
  // crossed by a land boundary; only a point in a crossed cell gets exact point-in-polygon tests
  // (the land zones' own R-tree), and only a point on land the zones_containing above for ports.
  // Shipped land lies 20 km or more inland, so a ship at sea reads one cell and stops. No
  // allocation; a NaN gives nullptr.
  const Zone* land_at(double lat, double lon) const;

  // Distance in metres from the point to the nearest edge of the zone (outer rings and holes),
  // whichever side the point is on: how far a vessel is across a boundary (geofence
  // hysteresis). Edges are measured in a flat frame around the point (longitude scaled by the
  // cosine of its latitude, a sphere of the IUGG mean radius): accurate to well under 1 % over the
  // few kilometres hysteresis needs. O(vertices of the zone); no allocation.
  double boundary_distance_m(const Zone& zone, double lat, double lon) const;

  std::span<const Zone> zones() const;
  const Zone* find(std::string_view id) const;  // by id, O(number of zones); not for the hot path
  std::size_t count(ZoneKind kind) const;

 private:
  friend class ZoneIndexBuilder;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Collects zone files one at a time (ids must be unique across them), then builds the index.
class ZoneIndexBuilder {
 public:
  ZoneIndexBuilder();
  ~ZoneIndexBuilder();
  ZoneIndexBuilder(const ZoneIndexBuilder&) = delete;
  ZoneIndexBuilder& operator=(const ZoneIndexBuilder&) = delete;

  // Parses one GeoJSON text; valid features are kept, each problem is appended to `errors`
  // naming `file` and the feature. Returns the number of zones added.
  std::size_t add_file(const std::string& file, std::string_view text, LoadErrors& errors);

  ZoneIndex build() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aiswatch::ruleset
