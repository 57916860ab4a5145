#pragma once
// The watchlist: vessels of interest, rules/watchlist.csv. Any alert involving a listed vessel
// (matched by MMSI or by IMO number) carries a higher severity and the listing's reason.
//
//   mmsi,imo,name,reason
//   445123456,9876543,EXAMPLE STAR,"UN 1718 Committee designation, 2018 (EXAMPLE)"
//
// RFC 4180 CSV: the header must be exactly `mmsi,imo,name,reason`; a field may be quoted, and a
// quoted field may hold commas, doubled quotes ("") and line breaks. Either mmsi or imo may be
// empty, not both. An MMSI is nine digits (ITU-R M.585); an IMO number is seven digits whose last
// is its check digit (IMO Resolution A.1078(28)). A vessel listed twice is an error: two reasons
// for one vessel would leave the alert's reason ambiguous. Blank lines are ignored.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ruleset/load_error.h"

namespace aiswatch::ruleset {

struct WatchlistEntry {
  uint32_t mmsi = 0;  // 0 when the listing has no MMSI
  uint32_t imo = 0;   // 0 when the listing has no IMO number
  std::string name;
  std::string reason;
  std::size_t line = 0;  // where it was listed, for messages
};

class Watchlist {
 public:
  // O(1) lookups (hash maps); nullptr when not listed.
  const WatchlistEntry* by_mmsi(uint32_t mmsi) const;
  const WatchlistEntry* by_imo(uint32_t imo) const;
  // The listing matching either number (MMSI first), for a vessel whose static data gave an IMO.
  const WatchlistEntry* find(uint32_t mmsi, uint32_t imo) const;

  std::span<const WatchlistEntry> entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Parses the CSV text; rows with problems are left out and each problem is appended to
  // `errors` as "FILE:LINE: ...".
  static Watchlist parse(const std::string& file, std::string_view text, LoadErrors& errors);

 private:
  std::vector<WatchlistEntry> entries_;
  std::unordered_map<uint32_t, uint32_t> by_mmsi_;  // -> index in entries_
  std::unordered_map<uint32_t, uint32_t> by_imo_;
};

}  // namespace aiswatch::ruleset
