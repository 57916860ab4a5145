#pragma once
// A uniform latitude/longitude grid over vessels' current positions: "who is near this point"
// without scanning every vessel. Cells are `cell_deg` square in degrees (the tracker uses 0.01
// deg, 1.1 km north-south: a 500 m rendezvous query looks at 2-3 x 2-3 cells holding a few ships
// even in a crowded anchorage). Only occupied cells exist, in an open-addressing hash table (linear
// probing, backward-shift deletion, so no tombstones pile up as vessels cross the oceans); each
// cell heads an intrusive doubly-linked list of vessel slots, the links stored per slot here.
//
// Queries cover every cell that can hold a point within the radius: rows from the radius in
// degrees of latitude, columns from it divided by cos(latitude) at the row range's edge nearest a
// pole (all columns when that edge is within a radius of a pole), wrapping at +-180 deg so a
// vessel at 179.99 E is found from 179.99 W. Candidates still need an exact distance check
// (Tracker::for_each_neighbour does it).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace aiswatch::track {

class SpatialGrid {
 public:
  static constexpr uint32_t nil = 0xFFFF'FFFFu;
  static constexpr uint64_t no_cell = ~uint64_t{0};

  explicit SpatialGrid(double cell_deg = 0.01);

  // Slots are the tracker's vessel slot numbers, 0..n-1; ensure_slots grows the per-slot links.
  void ensure_slots(std::size_t n);
  // Put `slot` in the cell of (lat, lon), moving it from its old cell if it had one.
  void place(uint32_t slot, double lat, double lon);
  void remove(uint32_t slot);
  bool contains(uint32_t slot) const {
    return slot < links_.size() && links_[slot].cell != no_cell;
  }

  // Calls f(slot) for every slot in a cell that may hold a point within radius_m of (lat, lon).
  template <class F>
  void for_each_candidate(double lat, double lon, double radius_m, F&& f) const {
    CellRange r = cover(lat, lon, radius_m);
    for (int64_t row = r.row_min; row <= r.row_max; ++row) {
      for (int64_t k = 0; k < r.col_count; ++k) {
        int64_t col = (r.col_min + k) % cols_;
        if (col < 0) col += cols_;
        const uint32_t head = find(key(row, col));
        for (uint32_t s = head; s != nil; s = links_[s].next) f(s);
      }
    }
  }

  // Calls f(s) for every slot in the cell `slot` is in, `slot` included, in the cell's list
  // order (the most recently placed first); nothing when `slot` is not placed.
  template <class F>
  void for_each_in_cell_of(uint32_t slot, F&& f) const {
    if (!contains(slot)) return;
    for (uint32_t s = find(links_[slot].cell); s != nil; s = links_[s].next) f(s);
  }

  std::size_t occupied_cells() const { return cell_count_; }
  std::size_t memory_bytes() const;
  double cell_deg() const { return cell_deg_; }

 private:
  struct Link {
    uint64_t cell = no_cell;
    uint32_t prev = nil, next = nil;
  };
  struct Cell {
    uint64_t key = no_cell;  // no_cell: empty table entry
    uint32_t head = nil;
  };
  struct CellRange {
    int64_t row_min, row_max, col_min, col_count;
  };

  uint64_t key(int64_t row, int64_t col) const { return static_cast<uint64_t>(row * cols_ + col); }
  uint64_t key_of(double lat, double lon) const;
  CellRange cover(double lat, double lon, double radius_m) const;
  uint32_t find(uint64_t k) const;        // head of cell k, nil when empty
  std::size_t slot_of(uint64_t k) const;  // table index holding k, or of the empty entry
  void unlink(uint32_t slot);
  void grow();
  void erase_at(std::size_t i);

  double cell_deg_;
  int64_t rows_, cols_;
  std::vector<Link> links_;
  std::vector<Cell> table_;  // power-of-two size, load <= 1/2
  std::size_t cell_count_ = 0;
};

}  // namespace aiswatch::track
