#include "detect/reception.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <iterator>
#include <vector>

#include "detect/common.h"
#include "track/geo.h"

namespace aiswatch::detect {
namespace {

constexpr int64_t rows = static_cast<int64_t>(180.0 / ReceptionRecord::cell_deg + 0.5);
constexpr int64_t cols = static_cast<int64_t>(360.0 / ReceptionRecord::cell_deg + 0.5);

int64_t row_of(double lat) {
  return std::clamp(static_cast<int64_t>(std::floor((lat + 90.0) / ReceptionRecord::cell_deg)),
                    int64_t{0}, rows - 1);
}
int64_t col_of(double lon) {
  int64_t col = static_cast<int64_t>(std::floor((lon + 180.0) / ReceptionRecord::cell_deg)) % cols;
  return col < 0 ? col + cols : col;
}
uint64_t bit_of(int64_t hour) {
  const int64_t k = hour % ReceptionRecord::hours_kept;
  return uint64_t{1} << (k < 0 ? k + ReceptionRecord::hours_kept : k);
}

}  // namespace

uint32_t ReceptionRecord::cell_of(double lat, double lon) {
  return static_cast<uint32_t>(row_of(lat) * cols + col_of(lon));
}

bool ReceptionRecord::is_cell(uint32_t cell) { return cell < rows * cols; }

void ReceptionRecord::note(uint32_t cell, int64_t hour) {
  auto [it, inserted] = cells_.try_emplace(cell);
  Cell& c = it->second;
  if (inserted) {
    c.newest_hour = hour;
    c.hours = bit_of(hour);
    return;
  }
  if (hour > c.newest_hour) {
    // Hours between the old newest and this one were not heard: clear their bits.
    if (hour - c.newest_hour >= hours_kept) {
      c.hours = 0;
    } else {
      for (int64_t h = c.newest_hour + 1; h < hour; ++h) c.hours &= ~bit_of(h);
    }
    c.newest_hour = hour;
    c.hours |= bit_of(hour);
  } else if (c.newest_hour - hour < hours_kept) {
    c.hours |= bit_of(hour);  // a late report, still within the ring
  }
}

bool ReceptionRecord::heard(uint32_t cell, int64_t hour) const {
  auto it = cells_.find(cell);
  if (it == cells_.end()) return false;
  const Cell& c = it->second;
  if (hour > c.newest_hour || c.newest_hour - hour >= hours_kept) return false;
  return (c.hours & bit_of(hour)) != 0;
}

ReceptionRecord::Evidence ReceptionRecord::around(double lat, double lon, double radius_m,
                                                  int64_t from_hour, int64_t to_hour,
                                                  int64_t direction_to_hour) const {
  Evidence e;
  from_hour = std::max(from_hour, to_hour - (hours_kept - 1));
  direction_to_hour = std::min(direction_to_hour, to_hour);
  if (to_hour <= from_hour) return e;
  const int64_t n = to_hour - from_hour;
  uint64_t heard_mask = 0;  // bit i: hour from_hour + i heard somewhere within the radius
  std::array<bool, 8> octants{};
  const uint32_t own = cell_of(lat, lon);
  const double dlat = radius_m / track::metres_per_degree;
  const double polemost = std::min(89.0, std::fabs(lat) + dlat);
  const double dlon = std::min(180.0, dlat / std::cos(polemost * track::degrees_to_radians));
  const int64_t row_lo = row_of(lat - dlat), row_hi = row_of(lat + dlat);
  const int64_t col_span = static_cast<int64_t>(std::ceil(dlon / cell_deg)) + 1;
  const int64_t centre_col = col_of(lon);
  for (int64_t row = row_lo; row <= row_hi; ++row) {
    const double c_lat = -90.0 + (static_cast<double>(row) + 0.5) * cell_deg;
    for (int64_t k = -std::min(col_span, cols / 2); k <= std::min(col_span, cols / 2 - 1); ++k) {
      int64_t col = (centre_col + k) % cols;
      if (col < 0) col += cols;
      const uint32_t cell = static_cast<uint32_t>(row * cols + col);
      auto it = cells_.find(cell);
      if (it == cells_.end()) continue;
      const double c_lon = -180.0 + (static_cast<double>(col) + 0.5) * cell_deg;
      if (track::haversine_m(lat, lon, c_lat, c_lon) > radius_m) continue;
      const Cell& c = it->second;
      int octant = -1;
      if (cell != own) {
        double dx = c_lon - lon;
        if (dx > 180.0) dx -= 360.0;
        if (dx < -180.0) dx += 360.0;
        dx *= std::cos(lat * track::degrees_to_radians);
        const double angle = std::atan2(dx, c_lat - lat);  // from north, clockwise, (-pi, pi]
        octant = static_cast<int>(std::floor((angle + track::pi) / (track::pi / 4.0))) & 7;
      }
      for (int64_t i = 0; i < n; ++i) {
        const int64_t h = from_hour + i;
        if (h > c.newest_hour || c.newest_hour - h >= hours_kept) continue;
        if ((c.hours & bit_of(h)) == 0) continue;
        heard_mask |= uint64_t{1} << i;
        if (octant >= 0 && h < direction_to_hour) octants[static_cast<std::size_t>(octant)] = true;
      }
    }
  }
  e.hours = static_cast<int>(n);
  e.heard_hours = std::popcount(heard_mask);
  e.directions_heard = static_cast<int>(std::count(octants.begin(), octants.end(), true));
  return e;
}

void ReceptionRecord::forget_older_than(int64_t hour) {
  std::erase_if(cells_, [&](const auto& entry) { return entry.second.newest_hour < hour; });
}

void ReceptionRecord::save_state(state::StateWriter& out) const {
  out.section("rcpt");
  // In cell order: the same record gives the same bytes.
  std::vector<uint32_t> ids;
  ids.reserve(cells_.size());
  for (const auto& entry : cells_) ids.push_back(entry.first);
  std::sort(ids.begin(), ids.end());
  out.put<uint64_t>(ids.size());
  for (const uint32_t id : ids) {
    const Cell& c = cells_.at(id);
    out.put(id);
    out.put(c.newest_hour);
    out.put(c.hours);
  }
}

void ReceptionRecord::restore_state(state::StateReader& in) {
  // Hours of event times within 2^52 ms of 1970 (see the detectors' checkpoints): note() and
  // around() subtract them, which must not overflow.
  constexpr int64_t max_abs_hour = (int64_t{1} << 52) / hour_ms;
  in.section("rcpt");
  const std::size_t n = in.count(static_cast<std::size_t>(rows * cols), 4 + 8 + 8);
  cells_.clear();
  cells_.reserve(n);
  for (std::size_t i = 0; i < n && in.ok(); ++i) {
    const uint32_t id = in.get<uint32_t>();
    Cell c;
    c.newest_hour = in.get<int64_t>();
    c.hours = in.get<uint64_t>();
    if (!in.ok()) break;
    if (!is_cell(id)) {
      in.fail("reception: a cell number out of range");
    } else if (c.newest_hour < -max_abs_hour || c.newest_hour > max_abs_hour) {
      in.fail("reception: a cell's newest hour out of range");
    } else if (!cells_.emplace(id, c).second) {
      in.fail("reception: a cell saved twice");
    }
  }
}

Surroundings surroundings(const track::Tracker& tracker, const ruleset::ZoneIndex& zones,
                          double lat, double lon, double radius_m, uint32_t self,
                          uint32_t also_excluded, int64_t silent_since_ms, int64_t window_ms,
                          int64_t heard_after_ms) {
  Surroundings s;
  tracker.for_each_neighbour(lat, lon, radius_m, [&](const track::VesselState& v, double) {
    if (v.mmsi == self || (also_excluded != 0 && v.mmsi == also_excluded)) return;
    if (v.last_heard_ms >= heard_after_ms) {
      ++s.heard_since;
    } else if (v.last_heard_ms >= silent_since_ms - window_ms &&
               v.last_heard_ms <= silent_since_ms + window_ms &&
               !suppressed(zones.zones_containing(v.position->lat, v.position->lon))) {
      ++s.fell_silent_with;
    }
  });
  return s;
}

}  // namespace aiswatch::detect
