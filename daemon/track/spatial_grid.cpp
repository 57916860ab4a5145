#include "track/spatial_grid.h"

#include <algorithm>
#include <cmath>

#include "track/geo.h"

namespace aiswatch::track {
namespace {

std::size_t mix(uint64_t k) {  // splitmix64 finaliser: cell keys are sequential, spread them
  k ^= k >> 30;
  k *= 0xbf58476d1ce4e5b9ULL;
  k ^= k >> 27;
  k *= 0x94d049bb133111ebULL;
  k ^= k >> 31;
  return static_cast<std::size_t>(k);
}

}  // namespace

SpatialGrid::SpatialGrid(double cell_deg)
    : cell_deg_(cell_deg),
      rows_(static_cast<int64_t>(std::ceil(180.0 / cell_deg))),
      cols_(static_cast<int64_t>(std::ceil(360.0 / cell_deg))),
      table_(1024) {}

void SpatialGrid::ensure_slots(std::size_t n) {
  if (links_.size() < n) links_.resize(n);
}

uint64_t SpatialGrid::key_of(double lat, double lon) const {
  int64_t row = static_cast<int64_t>(std::floor((lat + 90.0) / cell_deg_));
  int64_t col = static_cast<int64_t>(std::floor((lon + 180.0) / cell_deg_));
  row = std::clamp<int64_t>(row, 0, rows_ - 1);  // lat 90 exactly
  col %= cols_;                                  // lon 180 is lon -180
  if (col < 0) col += cols_;
  return key(row, col);
}

SpatialGrid::CellRange SpatialGrid::cover(double lat, double lon, double radius_m) const {
  const double dlat = radius_m / metres_per_degree;
  const double lat_lo = lat - dlat, lat_hi = lat + dlat;
  CellRange r{};
  r.row_min = std::clamp<int64_t>(static_cast<int64_t>(std::floor((lat_lo + 90.0) / cell_deg_)), 0,
                                  rows_ - 1);
  r.row_max = std::clamp<int64_t>(static_cast<int64_t>(std::floor((lat_hi + 90.0) / cell_deg_)), 0,
                                  rows_ - 1);
  // Longitude degrees shrink with cos(latitude): the widest span is at the edge nearest a pole.
  const double polemost = std::max(std::fabs(lat_lo), std::fabs(lat_hi));
  const double cos_lat = polemost >= 90.0 ? 0.0 : std::cos(polemost * degrees_to_radians);
  const double dlon = cos_lat <= 0.0 ? 360.0 : dlat / cos_lat;
  if (dlon >= 180.0) {
    r.col_min = 0;
    r.col_count = cols_;
  } else {
    r.col_min = static_cast<int64_t>(std::floor((lon - dlon + 180.0) / cell_deg_));
    const int64_t col_max = static_cast<int64_t>(std::floor((lon + dlon + 180.0) / cell_deg_));
    r.col_count = std::min<int64_t>(col_max - r.col_min + 1, cols_);
  }
  return r;
}

std::size_t SpatialGrid::slot_of(uint64_t k) const {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = mix(k) & mask;
  while (table_[i].key != no_cell && table_[i].key != k) i = (i + 1) & mask;
  return i;
}

uint32_t SpatialGrid::find(uint64_t k) const {
  const Cell& c = table_[slot_of(k)];
  return c.key == k ? c.head : nil;
}

void SpatialGrid::grow() {
  std::vector<Cell> old(table_.size() * 2);
  old.swap(table_);
  for (const Cell& c : old) {
    if (c.key != no_cell) table_[slot_of(c.key)] = c;
  }
}

// Backward-shift deletion for linear probing (Knuth, TAOCP vol. 3, 6.4 Algorithm R): later
// entries of the probe run move up so that lookups never stop early at the hole.
void SpatialGrid::erase_at(std::size_t i) {
  const std::size_t mask = table_.size() - 1;
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (table_[j].key == no_cell) break;
    const std::size_t home = mix(table_[j].key) & mask;
    // Entry j may fill hole i unless its home lies cyclically in (i, j].
    const bool home_in_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!home_in_between) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = Cell{};
  --cell_count_;
}

void SpatialGrid::unlink(uint32_t slot) {
  Link& l = links_[slot];
  if (l.prev != nil) {
    links_[l.prev].next = l.next;
  } else {
    const std::size_t i = slot_of(l.cell);
    if (l.next == nil) {
      erase_at(i);
    } else {
      table_[i].head = l.next;
    }
  }
  if (l.next != nil) links_[l.next].prev = l.prev;
  l = Link{};
}

void SpatialGrid::place(uint32_t slot, double lat, double lon) {
  const uint64_t k = key_of(lat, lon);
  Link& l = links_[slot];
  if (l.cell == k) return;  // the common case: still in the same cell
  if (l.cell != no_cell) unlink(slot);
  if ((cell_count_ + 1) * 2 > table_.size()) grow();
  const std::size_t i = slot_of(k);
  Cell& c = table_[i];
  if (c.key == no_cell) {
    c.key = k;
    c.head = nil;
    ++cell_count_;
  }
  links_[slot].cell = k;
  links_[slot].prev = nil;
  links_[slot].next = c.head;
  if (c.head != nil) links_[c.head].prev = slot;
  c.head = slot;
}

void SpatialGrid::remove(uint32_t slot) {
  if (contains(slot)) unlink(slot);
}

std::size_t SpatialGrid::memory_bytes() const {
  return links_.capacity() * sizeof(Link) + table_.capacity() * sizeof(Cell);
}

}  // namespace aiswatch::track
