#include "ruleset/zones.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

namespace aiswatch::ruleset {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using json = nlohmann::json;

// x = longitude, y = latitude: planar, as RFC 7946 defines GeoJSON edges (see zones.h).
using Point = bg::model::d2::point_xy<double>;
using Polygon = bg::model::polygon<Point>;  // clockwise, closed: Boost's defaults
using MultiPolygon = bg::model::multi_polygon<Polygon>;
using Box = bg::model::box<Point>;
using TreeValue = std::pair<Box, uint32_t>;
// R*-tree, packed at construction (the range constructor bulk-loads with STR). 16 entries per node
// is Boost's documented typical choice; zone counts are small, so the tree is shallow either way.
using Tree = bgi::rtree<TreeValue, bgi::rstar<16>>;

constexpr std::array<std::string_view, zone_kind_count> kind_names = {"watch", "port", "anchorage",
                                                                      "land"};

// Turns Boost's validity verdict into words an operator acts on.
std::string validity_message(bg::validity_failure_type failure) {
  switch (failure) {
    case bg::failure_few_points:
      return "ring has too few distinct points";
    case bg::failure_wrong_topological_dimension:
      return "polygon has no area (collapsed ring)";
    case bg::failure_spikes:
      return "polygon has a spike (an edge that doubles back on itself)";
    case bg::failure_duplicate_points:
      return "ring has duplicate points";
    case bg::failure_not_closed:
      return "ring is not closed";
    case bg::failure_self_intersections:
      return "self-intersecting polygon";
    case bg::failure_wrong_orientation:
      return "ring has the wrong orientation";
    case bg::failure_interior_rings_outside:
      return "hole lies outside its polygon";
    case bg::failure_nested_interior_rings:
      return "hole lies inside another hole";
    case bg::failure_disconnected_interior:
      return "holes disconnect the polygon's interior";
    case bg::failure_intersecting_interiors:
      return "polygons of the MultiPolygon overlap";
    case bg::failure_wrong_corner_order:
      return "bounding box corners in the wrong order";
    case bg::failure_invalid_coordinate:
      return "coordinate is not a finite number";
    case bg::no_failure:
      break;
  }
  return "invalid geometry";
}

struct FeatureContext {
  const std::string& file;
  std::string where;
  LoadErrors& errors;
  bool ok = true;

  void fail(std::string message) {
    errors.push_back(LoadError{file, 0, where, std::move(message)});
    ok = false;
  }
};

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// One [lon, lat] (an optional third member, altitude, is allowed by RFC 7946 and ignored).
bool parse_position(const json& position, Point& point, FeatureContext& context) {
  if (!position.is_array() || position.size() < 2 || !position[0].is_number() ||
      !position[1].is_number()) {
    context.fail("position " + describe(position) + " is not [longitude, latitude]");
    return false;
  }
  const double lon = position[0].get<double>();
  const double lat = position[1].get<double>();
  if (!std::isfinite(lon) || lon < -180.0 || lon > 180.0) {
    context.fail("longitude " + describe(position[0]) + " is outside [-180, 180]");
    return false;
  }
  if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0) {
    context.fail("latitude " + describe(position[1]) + " is outside [-90, 90]");
    return false;
  }
  point = Point(lon, lat);
  return true;
}

// A linear ring: at least four positions, the last equal to the first (RFC 7946 section 3.1.6).
template <typename Ring>
bool parse_ring(const json& positions, Ring& ring, FeatureContext& context) {
  if (!positions.is_array()) {
    context.fail("ring is not an array of positions");
    return false;
  }
  if (positions.size() < 4) {
    context.fail("ring has " + std::to_string(positions.size()) +
                 " positions; a closed ring needs at least 4");
    return false;
  }
  for (const auto& position : positions) {
    Point point;
    if (!parse_position(position, point, context)) return false;
    ring.push_back(point);
  }
  if (!bg::equals(ring.front(), ring.back())) {
    context.fail("ring is not closed (its last position differs from its first)");
    return false;
  }
  return true;
}

// Polygon coordinates: the exterior ring, then holes.
bool parse_polygon(const json& rings, Polygon& polygon, FeatureContext& context) {
  if (!rings.is_array() || rings.empty()) {
    context.fail("polygon has no rings");
    return false;
  }
  if (!parse_ring(rings[0], polygon.outer(), context)) return false;
  for (std::size_t i = 1; i < rings.size(); ++i) {
    polygon.inners().emplace_back();
    if (!parse_ring(rings[i], polygon.inners().back(), context)) return false;
  }
  return true;
}

bool parse_geometry(const json& feature, MultiPolygon& shape, FeatureContext& context) {
  const auto geometry = feature.find("geometry");
  if (geometry == feature.end() || !geometry->is_object()) {
    context.fail("has no geometry");
    return false;
  }
  const auto type = geometry->find("type");
  const auto coordinates = geometry->find("coordinates");
  if (type == geometry->end() || !type->is_string()) {
    context.fail("geometry has no type");
    return false;
  }
  if (coordinates == geometry->end() || !coordinates->is_array()) {
    context.fail("geometry has no coordinates array");
    return false;
  }
  const auto& type_name = type->get_ref<const std::string&>();
  if (type_name == "Polygon") {
    shape.emplace_back();
    if (!parse_polygon(*coordinates, shape.back(), context)) return false;
  } else if (type_name == "MultiPolygon") {
    if (coordinates->empty()) {
      context.fail("MultiPolygon has no polygons");
      return false;
    }
    for (const auto& rings : *coordinates) {
      shape.emplace_back();
      if (!parse_polygon(rings, shape.back(), context)) return false;
    }
  } else {
    context.fail("geometry type '" + type_name + "' is not Polygon or MultiPolygon");
    return false;
  }
  // Crossing edges first: a symmetric bow tie has zero signed area, so correct() cannot orient it
  // and is_valid would report "wrong orientation", hiding the real problem.
  if (bg::intersects(shape)) {
    context.fail("self-intersecting polygon");
    return false;
  }
  // GeoJSON winds exterior rings counter-clockwise (RFC 7946 section 3.1.6) but asks parsers not
  // to reject the other way; Boost wants clockwise. correct() fixes the winding only: rings are
  // already closed and anything else wrong is reported by is_valid below, not silently repaired.
  bg::correct(shape);
  bg::validity_failure_type failure = bg::no_failure;
  if (!bg::is_valid(shape, failure)) {
    context.fail(validity_message(failure));
    return false;
  }
  return true;
}

// A required, non-empty string property.
const std::string* string_property(const json& properties, const char* key,
                                   FeatureContext& context) {
  const auto value = properties.find(key);
  if (value == properties.end()) {
    context.fail(std::string("property '") + key + "' is missing");
    return nullptr;
  }
  if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
    context.fail(std::string("property '") + key + "' must be a non-empty string, not " +
                 describe(*value));
    return nullptr;
  }
  return &value->get_ref<const std::string&>();
}

// Land zones by grid cell (ZoneIndex::land_at): a cell holds outside_cell, crossed_cell (a land
// boundary crosses it: test exactly) or first_land_cell + k, wholly inside the k-th land zone.
struct LandGrid {
  static constexpr uint16_t outside_cell = 0, crossed_cell = 1, first_land_cell = 2;
  // Cells of 1/32 degree (3.5 km north-south): a land boundary drawn 10 km inland leaves the
  // cells a coast's shipping lies in wholly outside. A grid over more than max_cells is made
  // coarser, halving the cells per degree, so that any land file costs at most 8 MB.
  static constexpr double finest_cells_per_degree = 32;
  static constexpr std::size_t max_cells = std::size_t{1} << 22;
  double min_lat = 0, min_lon = 0, cells_per_degree = finest_cells_per_degree;
  std::size_t rows = 0, cols = 0;
  std::vector<uint16_t> cells;      // rows * cols, row-major from (min_lat, min_lon)
  std::vector<uint32_t> land_zone;  // k -> index in zones
};

// The grid of ZoneIndex::land_at over the land zones (their boxes: envelope, zone index).
// Every cell an edge of a land polygon passes through, and its eight neighbours (a margin for
// rounding at cell borders: such cells only cost an exact test), is crossed_cell; every other
// cell is wholly on one side of every land boundary, so its centre says which. Cost: the cells
// along the edges, then one pass per row of each land zone over its edges (under 10 ms for the
// shipped land).
LandGrid build_land_grid(const std::vector<MultiPolygon>& shapes,
                         const std::vector<TreeValue>& land_boxes) {
  LandGrid grid;
  if (land_boxes.empty()) return grid;
  Box all = land_boxes.front().first;
  for (const auto& [box, zone] : land_boxes) bg::expand(all, box);
  const double height = all.max_corner().y() - all.min_corner().y();
  const double width = all.max_corner().x() - all.min_corner().x();
  grid.min_lat = all.min_corner().y();
  grid.min_lon = all.min_corner().x();
  for (;;) {
    grid.rows = static_cast<std::size_t>(std::floor(height * grid.cells_per_degree)) + 1;
    grid.cols = static_cast<std::size_t>(std::floor(width * grid.cells_per_degree)) + 1;
    if (grid.rows * grid.cols <= LandGrid::max_cells) break;
    grid.cells_per_degree /= 2;
  }
  grid.cells.assign(grid.rows * grid.cols, LandGrid::outside_cell);
  const auto row_of = [&](double lat) {
    return std::clamp<long>(
        static_cast<long>(std::floor((lat - grid.min_lat) * grid.cells_per_degree)), 0,
        static_cast<long>(grid.rows) - 1);
  };
  const auto col_of = [&](double lon) {
    return std::clamp<long>(
        static_cast<long>(std::floor((lon - grid.min_lon) * grid.cells_per_degree)), 0,
        static_cast<long>(grid.cols) - 1);
  };
  const auto mark_crossed = [&](long row, long col) {
    for (long r = std::max(row - 1, 0L); r <= std::min(row + 1, static_cast<long>(grid.rows) - 1);
         ++r)
      for (long c = std::max(col - 1, 0L); c <= std::min(col + 1, static_cast<long>(grid.cols) - 1);
           ++c)
        grid.cells[static_cast<std::size_t>(r) * grid.cols + static_cast<std::size_t>(c)] =
            LandGrid::crossed_cell;
  };
  // Each edge, row by row: the longitudes it spans within the row's band of latitude.
  const auto mark_edge = [&](const Point& a, const Point& b) {
    const long first = row_of(std::min(a.y(), b.y())), last = row_of(std::max(a.y(), b.y()));
    for (long row = first; row <= last; ++row) {
      double lon_lo = std::min(a.x(), b.x()), lon_hi = std::max(a.x(), b.x());
      if (a.y() != b.y()) {
        const double band_lo = grid.min_lat + static_cast<double>(row) / grid.cells_per_degree;
        const double band_hi = band_lo + 1.0 / grid.cells_per_degree;
        const auto lon_at = [&](double lat) {
          const double t = std::clamp((lat - a.y()) / (b.y() - a.y()), 0.0, 1.0);
          return a.x() + t * (b.x() - a.x());
        };
        lon_lo = std::min(lon_at(band_lo), lon_at(band_hi));
        lon_hi = std::max(lon_at(band_lo), lon_at(band_hi));
      }
      for (long col = col_of(lon_lo); col <= col_of(lon_hi); ++col) mark_crossed(row, col);
    }
  };
  const auto mark_ring = [&](const auto& ring) {
    for (std::size_t i = 1; i < ring.size(); ++i) mark_edge(ring[i - 1], ring[i]);
  };
  for (const auto& [box, zone] : land_boxes) {
    for (const Polygon& polygon : shapes[zone]) {
      mark_ring(polygon.outer());
      for (const auto& hole : polygon.inners()) mark_ring(hole);
    }
  }
  // More land zones than a cell value can name: theirs stay crossed cells, tested exactly.
  // The rest are filled row by row, even-odd between the crossings of the row's centre line
  // with the zone's rings (holes included): a cell no edge touches has its centre's answer.
  constexpr std::size_t nameable = UINT16_MAX - LandGrid::first_land_cell + 1;
  std::vector<double> crossings;
  for (const auto& [box, zone] : land_boxes) {
    if (grid.land_zone.size() == nameable) break;
    const auto value = static_cast<uint16_t>(LandGrid::first_land_cell + grid.land_zone.size());
    grid.land_zone.push_back(zone);
    for (long row = row_of(box.min_corner().y()); row <= row_of(box.max_corner().y()); ++row) {
      const double lat = grid.min_lat + (static_cast<double>(row) + 0.5) / grid.cells_per_degree;
      crossings.clear();
      const auto cross_ring = [&](const auto& ring) {
        for (std::size_t i = 1; i < ring.size(); ++i) {
          const Point& a = ring[i - 1];
          const Point& b = ring[i];
          if ((a.y() > lat) == (b.y() > lat)) continue;
          crossings.push_back(a.x() + (lat - a.y()) / (b.y() - a.y()) * (b.x() - a.x()));
        }
      };
      for (const Polygon& polygon : shapes[zone]) {
        cross_ring(polygon.outer());
        for (const auto& hole : polygon.inners()) cross_ring(hole);
      }
      std::sort(crossings.begin(), crossings.end());
      for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
        // Columns whose centre lies between this pair of crossings.
        const double first = std::ceil((crossings[k] - grid.min_lon) * grid.cells_per_degree - 0.5);
        const double last =
            std::floor((crossings[k + 1] - grid.min_lon) * grid.cells_per_degree - 0.5);
        for (long col = std::max(0L, static_cast<long>(first));
             col <= std::min(static_cast<long>(last), static_cast<long>(grid.cols) - 1); ++col) {
          uint16_t& cell =
              grid.cells[static_cast<std::size_t>(row) * grid.cols + static_cast<std::size_t>(col)];
          if (cell == LandGrid::outside_cell) cell = value;
        }
      }
    }
  }
  return grid;
}

}  // namespace

std::string_view to_string(ZoneKind kind) { return kind_names[static_cast<std::size_t>(kind)]; }

std::optional<ZoneKind> zone_kind_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == text) return static_cast<ZoneKind>(i);
  }
  return std::nullopt;
}

bool ZoneMatches::any(ZoneKind kind) const { return first(kind) != nullptr; }

const Zone* ZoneMatches::first(ZoneKind kind) const {
  for (const Zone* zone : *this) {
    if (zone->kind == kind) return zone;
  }
  return nullptr;
}

struct ZoneIndex::Impl {
  std::vector<Zone> zones;
  std::vector<MultiPolygon> shapes;  // parallel to zones
  Tree tree;                         // every zone but land
  Tree land_tree;                    // land zones only
  LandGrid land;
  std::array<std::size_t, zone_kind_count> by_kind{};
};

ZoneIndex::ZoneIndex() : impl_(std::make_unique<Impl>()) {}
ZoneIndex::~ZoneIndex() = default;
ZoneIndex::ZoneIndex(ZoneIndex&&) noexcept = default;
ZoneIndex& ZoneIndex::operator=(ZoneIndex&&) noexcept = default;

ZoneMatches ZoneIndex::zones_containing(double lat, double lon) const {
  ZoneMatches matches;
  if (!std::isfinite(lat) || !std::isfinite(lon)) return matches;
  const Point point(lon, lat);
  const Impl& impl = *impl_;
  // query() with an output iterator walks the tree recursively without a heap-allocated stack
  // (the incremental qbegin() iterator would allocate one), so the query allocates nothing.
  impl.tree.query(bgi::intersects(point),
                  boost::make_function_output_iterator([&](const TreeValue& value) {
                    if (!bg::covered_by(point, impl.shapes[value.second])) return;
                    if (matches.count == ZoneMatches::capacity) {
                      matches.truncated = true;
                      return;
                    }
                    matches.zones[matches.count++] = &impl.zones[value.second];
                  }));
  // The tree visits in its own order; callers get zones in file order, so results are stable.
  std::sort(matches.zones.begin(), matches.zones.begin() + matches.count,
            [](const Zone* a, const Zone* b) { return a->index < b->index; });
  return matches;
}

const Zone* ZoneIndex::land_at(double lat, double lon) const {
  const Impl& impl = *impl_;
  const LandGrid& grid = impl.land;
  // Written so that a NaN fails each comparison and lands outside.
  const double row_at = (lat - grid.min_lat) * grid.cells_per_degree;
  const double col_at = (lon - grid.min_lon) * grid.cells_per_degree;
  if (!(row_at >= 0 && row_at < static_cast<double>(grid.rows) && col_at >= 0 &&
        col_at < static_cast<double>(grid.cols)))
    return nullptr;
  const uint16_t cell =
      grid.cells[static_cast<std::size_t>(row_at) * grid.cols + static_cast<std::size_t>(col_at)];
  if (cell == LandGrid::outside_cell) return nullptr;
  const Zone* land = nullptr;
  if (cell >= LandGrid::first_land_cell) {
    land = &impl.zones[grid.land_zone[cell - LandGrid::first_land_cell]];
  } else {
    const Point point(lon, lat);
    impl.land_tree.query(bgi::intersects(point),
                         boost::make_function_output_iterator([&](const TreeValue& value) {
                           if (land == nullptr || value.second < land->index) {
                             if (bg::covered_by(point, impl.shapes[value.second]))
                               land = &impl.zones[value.second];
                           }
                         }));
    if (land == nullptr) return nullptr;
  }
  const ZoneMatches here = zones_containing(lat, lon);
  if (here.any(ZoneKind::port) || here.any(ZoneKind::anchorage)) return nullptr;
  return land;
}

double ZoneIndex::boundary_distance_m(const Zone& zone, double lat, double lon) const {
  constexpr double pi = 3.14159265358979323846;
  constexpr double metres_per_degree = 6'371'008.8 * pi / 180.0;
  const double east_scale = metres_per_degree * std::cos(lat * pi / 180.0);
  double nearest = std::numeric_limits<double>::infinity();
  auto visit_ring = [&](const auto& ring) {
    for (std::size_t i = 1; i < ring.size(); ++i) {
      // Segment from a to b, in metres east and north of the point.
      const double ax = (ring[i - 1].x() - lon) * east_scale;
      const double ay = (ring[i - 1].y() - lat) * metres_per_degree;
      const double bx = (ring[i].x() - lon) * east_scale;
      const double by = (ring[i].y() - lat) * metres_per_degree;
      const double dx = bx - ax, dy = by - ay;
      const double length2 = dx * dx + dy * dy;
      const double t = length2 > 0 ? std::clamp(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
      nearest = std::min(nearest, std::hypot(ax + t * dx, ay + t * dy));
    }
  };
  for (const Polygon& polygon : impl_->shapes.at(zone.index)) {
    visit_ring(polygon.outer());
    for (const auto& hole : polygon.inners()) visit_ring(hole);
  }
  return nearest;
}

std::span<const Zone> ZoneIndex::zones() const { return impl_->zones; }

const Zone* ZoneIndex::find(std::string_view id) const {
  for (const auto& zone : impl_->zones) {
    if (zone.id == id) return &zone;
  }
  return nullptr;
}

std::size_t ZoneIndex::count(ZoneKind kind) const {
  return impl_->by_kind[static_cast<std::size_t>(kind)];
}

struct ZoneIndexBuilder::State {
  std::vector<Zone> zones;
  std::vector<MultiPolygon> shapes;
  std::map<std::string, std::size_t, std::less<>> ids;  // id -> position in zones
};

ZoneIndexBuilder::ZoneIndexBuilder() : state_(std::make_unique<State>()) {}
ZoneIndexBuilder::~ZoneIndexBuilder() = default;

std::size_t ZoneIndexBuilder::add_file(const std::string& file, std::string_view text,
                                       LoadErrors& errors) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double ("1e999") is an out_of_range thrown
    // while parsing (found by fuzz_rules). nlohmann's message carries the position.
    errors.push_back(LoadError{file, 0, "", std::string("not valid JSON: ") + e.what()});
    return 0;
  }
  if (!document.is_object() || document.value("type", json()) != "FeatureCollection") {
    errors.push_back(LoadError{file, 0, "", "not a GeoJSON FeatureCollection"});
    return 0;
  }
  const auto features = document.find("features");
  if (features == document.end() || !features->is_array()) {
    errors.push_back(LoadError{file, 0, "", "FeatureCollection has no 'features' array"});
    return 0;
  }
  std::size_t added = 0;
  for (std::size_t i = 0; i < features->size(); ++i) {
    const json& feature = (*features)[i];
    FeatureContext context{file, "feature " + std::to_string(i), errors};
    if (!feature.is_object() || feature.value("type", json()) != "Feature") {
      context.fail("not a GeoJSON Feature");
      continue;
    }
    const auto properties = feature.find("properties");
    if (properties == feature.end() || !properties->is_object()) {
      context.fail("has no properties (needs id, name and kind)");
      continue;
    }
    const std::string* id = string_property(*properties, "id", context);
    if (id != nullptr) context.where += " (id=" + *id + ")";
    const std::string* name = string_property(*properties, "name", context);
    const std::string* kind_text = string_property(*properties, "kind", context);
    std::optional<ZoneKind> kind;
    if (kind_text != nullptr) {
      kind = zone_kind_from_string(*kind_text);
      if (!kind) context.fail("unknown kind '" + *kind_text + "' (watch, port, anchorage or land)");
    }
    if (id != nullptr) {
      const auto previous = state_->ids.find(*id);
      if (previous != state_->ids.end()) {
        const Zone& first = state_->zones[previous->second];
        context.fail("duplicate id (first defined in " + first.file + " feature " +
                     std::to_string(first.feature) + ")");
      }
    }
    MultiPolygon shape;
    const bool geometry_ok = parse_geometry(feature, shape, context);
    if (!context.ok || !geometry_ok) continue;
    Zone zone;
    zone.id = *id;
    zone.name = *name;
    zone.kind = *kind;
    zone.file = file;
    zone.feature = i;
    zone.index = static_cast<uint32_t>(state_->zones.size());
    state_->ids.emplace(zone.id, state_->zones.size());
    state_->zones.push_back(std::move(zone));
    state_->shapes.push_back(std::move(shape));
    ++added;
  }
  return added;
}

// Boost.Geometry's envelope of a multi-polygon expands an internal box that GCC 12 believes may
// be used uninitialised once inlined at -O3 (a false positive); silenced for this function only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
ZoneIndex ZoneIndexBuilder::build() && {
  ZoneIndex index;
  ZoneIndex::Impl& impl = *index.impl_;
  impl.zones = std::move(state_->zones);
  impl.shapes = std::move(state_->shapes);
  std::vector<TreeValue> boxes, land_boxes;
  boxes.reserve(impl.shapes.size());
  for (std::size_t i = 0; i < impl.shapes.size(); ++i) {
    const ZoneKind kind = impl.zones[i].kind;
    (kind == ZoneKind::land ? land_boxes : boxes)
        .emplace_back(bg::return_envelope<Box>(impl.shapes[i]), static_cast<uint32_t>(i));
    ++impl.by_kind[static_cast<std::size_t>(kind)];
  }
  impl.tree = Tree(boxes.begin(), boxes.end());
  impl.land = build_land_grid(impl.shapes, land_boxes);
  impl.land_tree = Tree(land_boxes.begin(), land_boxes.end());
  return index;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace aiswatch::ruleset
